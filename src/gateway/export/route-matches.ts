// A route's request matches in Gateway API terms: hostnames, path, method, header and gRPC method matches,
// each with a note when Sallyport's match cannot be said exactly.
import { isIP } from 'node:net'
import type { RouteSpec } from '../config/route-spec.ts'

export type Obj = Record<string, unknown>

export const HTTP_METHODS = new Set([
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'DELETE',
  'CONNECT',
  'OPTIONS',
  'TRACE',
  'PATCH',
])
export const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$/
const HOSTNAME = /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/
const GRPC_SERVICE = /^[A-Za-z_][A-Za-z_0-9]*(\.[A-Za-z_][A-Za-z_0-9]*)*$/
const GRPC_METHOD = /^[A-Za-z_][A-Za-z_0-9]*$/

export function hostnames(spec: RouteSpec, notes: string[]): string[] {
  const out: string[] = []
  for (const host of spec.hosts) {
    const name = host.replace(/:\d+$/, '').replace(/\.$/, '')
    if (isIP(name.replace(/^\[|\]$/g, '')) === 0 && HOSTNAME.test(name)) out.push(name)
    else notes.push(`host ${host}: Gateway API hostnames are DNS names (no IP address): left out`)
  }
  if (out.length === 0 && spec.hosts.length > 0) notes.push('no host left: this route matches any host')
  return [...new Set(out)]
}

/** Sallyport searches a path or header for its pattern; implementations of RegularExpression mostly match
 * the whole value (implementation-specific in the spec): a pattern not anchored at both ends is told. */
function noteUnanchored(what: string, pattern: string, notes: string[]): void {
  if (!pattern.startsWith('^') || !pattern.endsWith('$'))
    notes.push(
      `${what} /${pattern}/ is searched for by Sallyport; Gateway API implementations mostly match the whole value: check it`,
    )
}

function headerMatches(spec: RouteSpec, notes: string[]): Obj[] {
  const out: Obj[] = []
  for (const [name, value] of Object.entries(spec.matchHeaders)) {
    if (!HEADER_NAME.test(name)) {
      notes.push(`header match ${name}: not a valid header name, left out`)
      continue
    }
    if (value === '*') {
      notes.push(`header ${name} "present": exported as the regular expression .*`)
      out.push({ type: 'RegularExpression', name, value: '.*' })
    } else if (value.startsWith('~')) {
      noteUnanchored(`header ${name} pattern`, value.slice(1), notes)
      out.push({ type: 'RegularExpression', name, value: value.slice(1) })
    } else out.push({ type: 'Exact', name, value })
  }
  return out
}

export function httpMatches(spec: RouteSpec, notes: string[]): Obj[] {
  const type =
    spec.pathType === 'exact' ? 'Exact' : spec.pathType === 'regex' ? 'RegularExpression' : 'PathPrefix'
  if (spec.pathType === 'regex') noteUnanchored('path pattern', spec.matchPath, notes)
  const headers = headerMatches(spec, notes)
  const base: Obj = { path: { type, value: spec.matchPath }, ...(headers.length > 0 ? { headers } : {}) }
  const methods = spec.methods.filter((m) => HTTP_METHODS.has(m))
  const other = spec.methods.filter((m) => !HTTP_METHODS.has(m))
  if (other.length > 0)
    notes.push(
      `methods ${other.join(', ')}: no Gateway API method match${methods.length ? '' : ' (any method matches)'}`,
    )
  return methods.length > 0 ? methods.map((method) => ({ ...base, method })) : [base]
}

export function grpcMatches(spec: RouteSpec, notes: string[]): Obj[] {
  const headers = headerMatches(spec, notes)
  const [service, method, ...rest] = spec.matchPath.split('/').filter(Boolean)
  let match: Obj | undefined
  if (spec.pathType === 'regex')
    notes.push(`path regex ${spec.matchPath}: no gRPC method match (any method matches)`)
  else if (service !== undefined && GRPC_SERVICE.test(service) && rest.length === 0) {
    if (method === undefined) match = { type: 'Exact', service }
    else if (GRPC_METHOD.test(method) && spec.pathType === 'exact') match = { type: 'Exact', service, method }
  }
  if (!match && service !== undefined && spec.pathType !== 'regex')
    notes.push(
      `path ${spec.matchPath}: not /<package.Service>[/<Method>], no gRPC method match (any method matches)`,
    )
  const one: Obj = { ...(match ? { method: match } : {}), ...(headers.length > 0 ? { headers } : {}) }
  return Object.keys(one).length > 0 ? [one] : []
}
