// The request target and Host of a request (RFC 9112 §3.2), read the same way whatever front-end the
// request came in on: origin-form as it is, absolute-form turned into origin-form with its authority
// taking the place of Host, asterisk-form only for OPTIONS, anything else refused.
import { isSafeTarget } from './field-syntax.ts'

/** What a resolved target fills in. */
export interface TargetParts {
  /** The path, as sent (not yet normalised). */
  path: string
  /** "?…" or "". */
  query: string
  /** The authority the request is for: the Host field, or an absolute-form target's. */
  authority: string
  /** The authority's host name, lower-cased, without the port (what routes match on). */
  host: string
  /** `OPTIONS *`: about the gateway itself, not any route. */
  asterisk: boolean
}

/** host [":" port], RFC 3986: an IP literal, or a reg-name (IPv4 addresses are reg-names too). */
const AUTHORITY = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._~!$&'()*+,;=%]+)(:[0-9]*)?$/
const ABSOLUTE = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//

/** The host part of a valid authority, lower-cased. */
export function hostOf(authority: string): string {
  const h = authority.toLowerCase()
  if (h.startsWith('[')) return h.slice(0, h.indexOf(']') + 1)
  const colon = h.indexOf(':')
  return colon < 0 ? h : h.slice(0, colon)
}

/**
 * Fills `into` from the request line's target and the Host field; returns why the request is
 * malformed (answered 400), or undefined. `hostLines`: how many Host field lines the request had.
 */
export function resolveTarget(
  into: TargetParts,
  method: string,
  target: string,
  hostField: string | undefined,
  hostLines: number,
  http10: boolean,
): string | undefined {
  if (hostLines > 1) return 'the request has more than one Host field'
  if (hostField === undefined) {
    if (!http10) return 'an HTTP/1.1 request must have a Host field'
  } else if (!AUTHORITY.test(hostField)) return `the Host field "${hostField.slice(0, 100)}" is not valid`
  if (!isSafeTarget(target)) return 'the request target holds characters that are not allowed'
  if (target.includes('#')) return 'the request target holds a fragment'
  let authority = hostField ?? ''
  let rest = target
  if (target.charCodeAt(0) !== 47 /* / */) {
    if (target === '*') {
      if (method !== 'OPTIONS') return 'only OPTIONS may have the request target "*"'
      into.asterisk = true
      into.path = '*'
      into.query = ''
      into.authority = authority
      into.host = hostOf(authority)
      return undefined
    }
    const scheme = ABSOLUTE.exec(target)
    if (!scheme) return `the request target "${target.slice(0, 100)}" is not a path or an absolute URL`
    const name = (scheme[1] as string).toLowerCase()
    if (name !== 'http' && name !== 'https') return `the scheme "${name}" is not served here`
    const start = scheme[0].length
    let end = start
    while (end < target.length) {
      const c = target.charCodeAt(end)
      if (c === 47 || c === 63 /* ? */) break
      end++
    }
    authority = target.slice(start, end)
    if (!AUTHORITY.test(authority)) return `the authority "${authority.slice(0, 100)}" is not valid`
    rest =
      end === target.length
        ? '/'
        : target.charCodeAt(end) === 63
          ? `/${target.slice(end)}`
          : target.slice(end)
  }
  const q = rest.indexOf('?')
  into.path = q < 0 ? rest : rest.slice(0, q)
  into.query = q < 0 ? '' : rest.slice(q)
  into.authority = authority
  into.host = hostOf(authority)
  into.asterisk = false
  return undefined
}

/** Resolves dot segments and empty segments, which upstreams would read differently. */
export function normalizePath(path: string): string {
  if (!path.includes('/.') && !path.includes('//')) return path
  const out: string[] = []
  for (const seg of path.split('/')) {
    if (seg === '' || seg === '.') continue
    if (seg === '..') out.pop()
    else out.push(seg)
  }
  return `/${out.join('/')}${path.endsWith('/') && out.length > 0 ? '/' : ''}`
}
