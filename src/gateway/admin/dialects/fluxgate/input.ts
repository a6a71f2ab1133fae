// FluxGate request bodies, checked field by field: the first problem becomes 400 INVALID_PAYLOAD
// with `details.field` naming it (dotted path, `[i]` for list items).
import type { LoadBalancerName } from '../../../model/index.ts'
import { invalid } from './errors.ts'

export const MIDDLEWARE_TYPES = ['jwt-auth', 'rate-limit', 'cors'] as const
export type MiddlewareType = (typeof MIDDLEWARE_TYPES)[number]

/** The config fields each type accepts: what input checks, and what `GET /middleware` offers a client. */
export const MIDDLEWARE_FIELDS: Record<MiddlewareType, readonly string[]> = {
  'jwt-auth': [
    'issuer',
    'audience',
    'secret',
    'public_key',
    'jwks_url',
    'algorithms',
    'required_claims',
    'roles',
  ],
  'rate-limit': ['requests', 'window', 'burst', 'key'],
  cors: ['origins', 'methods', 'headers', 'expose_headers', 'credentials', 'max_age'],
}

export interface FluxMatch {
  path?: string
  prefix?: string
  regex?: string
  methods?: string[]
  hosts?: string[]
}
export interface FluxMiddleware {
  /** Set when the instance was attached by the id it has on another route (one instance, shared). */
  id?: string
  type: MiddlewareType
  config: Record<string, unknown>
}
export interface FluxRouteInput {
  name: string
  match: FluxMatch
  upstream: { id: string; strategy?: string }
  middleware: FluxMiddleware[]
  enabled?: boolean
  strip_prefix?: boolean
}
export interface FluxTarget {
  url: string
  weight: number
}
export interface FluxUpstreamInput {
  id?: string
  name?: string
  targets?: FluxTarget[]
  strategy?: string
  health_check?: Record<string, unknown>
  circuit_breaker?: Record<string, unknown>
  pool?: Record<string, unknown>
}

/** FluxGate strategy names → the core's balancer names. */
export const STRATEGIES: Record<string, LoadBalancerName> = {
  'round-robin': 'round-robin',
  round_robin: 'round_robin',
  weighted: 'weighted-round-robin',
  'weighted-round-robin': 'weighted-round-robin',
  'weighted-random': 'weighted-random',
  random: 'random',
  'least-connections': 'least-connections',
  'least-conn': 'least-connections',
  'least-load': 'least-load',
  'ip-hash': 'ip-hash',
  hash: 'hash',
  'consistent-hash': 'consistent-hash',
}

const UPSTREAM_ID = /^usm_[0-9a-f]{8}$/
const DURATION = /^\d+(\.\d+)?(ms|s|m|h)$/

type Obj = Record<string, unknown>
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)

function object(v: unknown, field: string): Obj {
  if (!isObj(v)) throw invalid(field, 'must be an object')
  return v
}
function only(o: Obj, field: string, keys: readonly string[]): void {
  for (const k of Object.keys(o))
    if (!keys.includes(k)) throw invalid(field ? `${field}.${k}` : k, 'unknown field')
}
function str(
  v: unknown,
  field: string,
  opts: { required?: boolean; pattern?: RegExp } = {},
): string | undefined {
  if (v === undefined) {
    if (opts.required) throw invalid(field, 'is required')
    return undefined
  }
  if (typeof v !== 'string' || v.length === 0) throw invalid(field, 'must be a non-empty string')
  if (opts.pattern && !opts.pattern.test(v)) throw invalid(field, `must match ${opts.pattern.source}`)
  return v
}
function strList(v: unknown, field: string, pattern?: RegExp): string[] | undefined {
  if (v === undefined) return undefined
  if (!Array.isArray(v)) throw invalid(field, 'must be a list of strings')
  return v.map(
    (x, i) => str(x, `${field}[${i}]`, { required: true, ...(pattern ? { pattern } : {}) }) as string,
  )
}
function int(v: unknown, field: string, min: number, required = false): number | undefined {
  if (v === undefined) {
    if (required) throw invalid(field, 'is required')
    return undefined
  }
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min)
    throw invalid(field, `must be an integer ≥ ${min}`)
  return v
}
function bool(v: unknown, field: string): boolean | undefined {
  if (v === undefined) return undefined
  if (typeof v !== 'boolean') throw invalid(field, 'must be true or false')
  return v
}
function duration(v: unknown, field: string): string | number | undefined {
  if (v === undefined) return undefined
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return v
  if (typeof v === 'string' && DURATION.test(v)) return v
  throw invalid(field, 'must be a duration such as "60s" or milliseconds')
}

export function parseStrategy(v: unknown, field: string): string | undefined {
  const s = str(v, field)
  if (s !== undefined && !(s in STRATEGIES))
    throw invalid(field, `unknown strategy; use one of ${Object.keys(STRATEGIES).join(', ')}`)
  return s
}

function middlewareConfig(type: MiddlewareType, raw: unknown, field: string): Obj {
  const c = raw === undefined ? {} : object(raw, field)
  const f = (k: string) => `${field}.${k}`
  if (type === 'jwt-auth') {
    only(c, field, MIDDLEWARE_FIELDS['jwt-auth'])
    str(c.issuer, f('issuer'))
    if (c.audience !== undefined && typeof c.audience !== 'string') strList(c.audience, f('audience'))
    str(c.secret, f('secret'))
    str(c.public_key, f('public_key'))
    str(c.jwks_url, f('jwks_url'), { pattern: /^https?:\/\// })
    strList(c.algorithms, f('algorithms'))
    strList(c.required_claims, f('required_claims'))
    strList(c.roles, f('roles'))
  } else if (type === 'rate-limit') {
    only(c, field, MIDDLEWARE_FIELDS['rate-limit'])
    int(c.requests, f('requests'), 1, true)
    duration(c.window, f('window'))
    int(c.burst, f('burst'), 1)
    str(c.key, f('key'), { pattern: /^(ip|header:.+|jwt:.+)$/ })
  } else {
    only(c, field, MIDDLEWARE_FIELDS.cors)
    strList(c.origins, f('origins'))
    strList(c.methods, f('methods'))
    strList(c.headers, f('headers'))
    strList(c.expose_headers, f('expose_headers'))
    bool(c.credentials, f('credentials'))
    int(c.max_age, f('max_age'), 0)
  }
  return c
}

export function parseMiddleware(raw: unknown, field: string): FluxMiddleware {
  const m = object(raw, field)
  only(m, field, ['type', 'config', 'id'])
  const type = str(m.type, `${field}.type`, { required: true }) as string
  if (!(MIDDLEWARE_TYPES as readonly string[]).includes(type))
    throw invalid(`${field}.type`, `unknown middleware; use one of ${MIDDLEWARE_TYPES.join(', ')}`)
  const t = type as MiddlewareType
  return { type: t, config: middlewareConfig(t, m.config, `${field}.config`) }
}

export function parseRouteInput(body: unknown): FluxRouteInput {
  const b = object(body, 'body')
  only(b, '', ['name', 'match', 'upstream', 'middleware', 'enabled', 'strip_prefix'])
  const name = str(b.name, 'name', { required: true }) as string
  if (name.length > 200) throw invalid('name', 'must be at most 200 characters')
  if (b.match === undefined) throw invalid('match', 'is required')
  const m = object(b.match, 'match')
  only(m, 'match', ['path', 'prefix', 'regex', 'methods', 'hosts'])
  const kinds = (['path', 'prefix', 'regex'] as const).filter((k) => m[k] !== undefined)
  if (kinds.length !== 1) throw invalid('match.path', 'give exactly one of path, prefix or regex')
  const kind = kinds[0] as 'path' | 'prefix' | 'regex'
  const value = str(m[kind], `match.${kind}`, { required: true }) as string
  if (kind === 'regex') {
    try {
      new RegExp(value)
    } catch (err) {
      throw invalid('match.regex', `invalid regular expression: ${(err as Error).message}`)
    }
  } else if (!value.startsWith('/')) throw invalid(`match.${kind}`, 'must start with "/"')
  const methods = strList(m.methods, 'match.methods', /^[A-Za-z]+$/)?.map((x) => x.toUpperCase())
  const hosts = strList(m.hosts, 'match.hosts')
  if (b.upstream === undefined) throw invalid('upstream', 'is required')
  const u = object(b.upstream, 'upstream')
  only(u, 'upstream', ['id', 'strategy'])
  const upstreamId = str(u.id, 'upstream.id', { required: true, pattern: UPSTREAM_ID }) as string
  const strategy = parseStrategy(u.strategy, 'upstream.strategy')
  if (b.middleware !== undefined && !Array.isArray(b.middleware))
    throw invalid('middleware', 'must be a list')
  const middleware = ((b.middleware as unknown[] | undefined) ?? []).map((x, i) =>
    parseMiddleware(x, `middleware[${i}]`),
  )
  const seen = new Set<string>()
  middleware.forEach((x, i) => {
    if (seen.has(x.type)) throw invalid(`middleware[${i}].type`, `${x.type} is given twice`)
    seen.add(x.type)
  })
  const match: FluxMatch = { [kind]: value }
  if (methods) match.methods = methods
  if (hosts) match.hosts = hosts
  const out: FluxRouteInput = { name, match, upstream: { id: upstreamId }, middleware }
  if (strategy !== undefined) out.upstream.strategy = strategy
  const enabled = bool(b.enabled, 'enabled')
  if (enabled !== undefined) out.enabled = enabled
  const strip = bool(b.strip_prefix, 'strip_prefix')
  if (strip !== undefined) out.strip_prefix = strip
  return out
}

function parseTarget(raw: unknown, field: string): FluxTarget {
  if (typeof raw === 'string') raw = { url: raw }
  const t = object(raw, field)
  only(t, field, ['url', 'host', 'port', 'weight'])
  const weight = int(t.weight, `${field}.weight`, 0) ?? 1
  if (weight > 1000) throw invalid(`${field}.weight`, 'must be at most 1000')
  let url = str(t.url, `${field}.url`)
  if (url === undefined) {
    const host = str(t.host, `${field}.host`, { required: true }) as string
    const port = int(t.port, `${field}.port`, 1, true) as number
    if (port > 65535) throw invalid(`${field}.port`, 'must be at most 65535')
    url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`
  }
  if (!/^https?:\/\/[^\s/]+/.test(url)) throw invalid(`${field}.url`, 'must be an http(s) URL')
  try {
    new URL(url)
  } catch {
    throw invalid(`${field}.url`, 'is not a valid URL')
  }
  return { url, weight }
}

export function parseUpstreamInput(body: unknown, partial: boolean): FluxUpstreamInput {
  const b = object(body, 'body')
  only(b, '', ['id', 'name', 'targets', 'strategy', 'health_check', 'circuit_breaker', 'pool'])
  const out: FluxUpstreamInput = {}
  if (b.id !== undefined) {
    if (partial) throw invalid('id', 'cannot be changed')
    out.id = str(b.id, 'id', { pattern: UPSTREAM_ID }) as string
  }
  const name = str(b.name, 'name', { required: !partial })
  if (name !== undefined) out.name = name
  if (b.targets !== undefined || !partial) {
    if (!Array.isArray(b.targets) || b.targets.length === 0)
      throw invalid('targets', 'must be a non-empty list of targets')
    out.targets = b.targets.map((t, i) => parseTarget(t, `targets[${i}]`))
  }
  const strategy = parseStrategy(b.strategy, 'strategy')
  if (strategy !== undefined) out.strategy = strategy
  if (b.health_check !== undefined) {
    const h = object(b.health_check, 'health_check')
    only(h, 'health_check', [
      'enabled',
      'path',
      'interval',
      'timeout',
      'healthy_threshold',
      'unhealthy_threshold',
    ])
    bool(h.enabled, 'health_check.enabled')
    str(h.path, 'health_check.path', { pattern: /^\// })
    duration(h.interval, 'health_check.interval')
    duration(h.timeout, 'health_check.timeout')
    int(h.healthy_threshold, 'health_check.healthy_threshold', 1)
    int(h.unhealthy_threshold, 'health_check.unhealthy_threshold', 1)
    out.health_check = h
  }
  if (b.circuit_breaker !== undefined) {
    const c = object(b.circuit_breaker, 'circuit_breaker')
    only(c, 'circuit_breaker', [
      'enabled',
      'max_failures',
      'interval',
      'open_timeout',
      'half_open_max_requests',
    ])
    bool(c.enabled, 'circuit_breaker.enabled')
    int(c.max_failures, 'circuit_breaker.max_failures', 1)
    duration(c.interval, 'circuit_breaker.interval')
    duration(c.open_timeout, 'circuit_breaker.open_timeout')
    int(c.half_open_max_requests, 'circuit_breaker.half_open_max_requests', 1)
    out.circuit_breaker = c
  }
  if (b.pool !== undefined) {
    const p = object(b.pool, 'pool')
    only(p, 'pool', ['max_connections'])
    int(p.max_connections, 'pool.max_connections', 1)
    out.pool = p
  }
  return out
}
