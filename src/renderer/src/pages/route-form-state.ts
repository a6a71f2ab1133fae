// What the route form edits, how it is checked, and the RouteInput it sends. An edit starts from the
// route's whole configuration, so fields the form does not show (a cache's varyBy, a JWT policy) are
// kept as they were.
import type { LoadBalancerName, RouteConfig } from '../../../gateway/model/index.ts'
import type { RouteInput, RouteProtocol, RouteView } from '../api/types.ts'

export const LOAD_BALANCERS: { value: LoadBalancerName; label: string }[] = [
  { value: 'round-robin', label: 'Round robin' },
  { value: 'weighted-round-robin', label: 'Weighted round robin' },
  { value: 'random', label: 'Random' },
  { value: 'weighted-random', label: 'Weighted random' },
  { value: 'least-load', label: 'Least load (fewest open requests)' },
  { value: 'hash', label: 'Hash (same client, same target)' },
]

const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i
// A scheme, a host (and port), an optional path: no spaces anywhere.
const TARGET_URL = /^(http|https|ws|wss|h2c):\/\/[^\s/?#]+(\/\S*)?$/
const DURATION = /^\d+(\.\d+)?(ms|s|m|h)$/

export interface TargetRow {
  key: number
  url: string
  weight: string
  /** Set when "http://" was put in front of what was typed, so the form can say so. */
  assumedScheme?: boolean
}

export interface HeaderRow {
  key: number
  name: string
  value: string
}

export interface FormState {
  path: string
  targets: TargetRow[]
  stripPrefix: boolean
  protocol: RouteProtocol
  priority: string
  enabled: boolean
  methods: string[]
  addHeaders: HeaderRow[]
  removeHeaders: HeaderRow[]
  loadBalancer: string
  timeout: string
  cache: boolean
  cacheTtl: string
  rateLimit: boolean
  rate: string
  burst: string
  retry: boolean
  retryAttempts: string
  breakerFailures: string
  breakerOpen: string
  cors: boolean
  corsOrigins: string
}

/** Error messages by field: `path`, `target-<key>`, `targets`, `timeout`, `cache`, … or `form`. */
export type Errors = Record<string, string>

let nextKey = 1
export const newKey = (): number => nextKey++

/**
 * Manual routes are listed with their priority raised by this much (bastion: a manual route given
 * priority 0 is shown with 100), so the form edits the priority as it was given.
 */
export const MANUAL_PRIORITY_BOOST = 100

/** The path given to the API: manual ids are `manual-<given path>`. */
export function givenPath(route: RouteView): string {
  return route.id.startsWith('manual-') ? route.id.slice('manual-'.length) : route.path
}

const text = (v: string | number | undefined): string => (v === undefined ? '' : String(v))

export function initialState(route?: RouteView, config?: RouteConfig): FormState {
  const cfg = config
  return {
    path: route ? givenPath(route) : '',
    targets: route
      ? route.targets.map((t) => ({ key: newKey(), url: t.url, weight: String(t.weight) }))
      : [{ key: newKey(), url: '', weight: '1' }],
    stripPrefix: route?.stripPrefix ?? true,
    protocol: route?.protocol ?? 'http',
    priority: route
      ? String(route.source === 'manual' ? route.priority - MANUAL_PRIORITY_BOOST : route.priority)
      : '0',
    enabled: route?.enabled ?? true,
    methods: route?.methods.map((m) => m.toUpperCase()) ?? [],
    addHeaders: Object.entries(route?.headers?.add ?? {}).map(([name, value]) => ({
      key: newKey(),
      name,
      value,
    })),
    removeHeaders: (route?.headers?.remove ?? []).map((name) => ({ key: newKey(), name, value: '' })),
    loadBalancer: cfg?.loadBalancer ?? route?.loadBalancer ?? '',
    timeout: text(cfg?.timeout ?? route?.timeout),
    cache: !!cfg?.cache && cfg.cache.enabled !== false,
    cacheTtl: text((cfg?.cache || undefined)?.ttl),
    rateLimit: !!cfg?.rateLimit && cfg.rateLimit.enabled !== false,
    rate: text((cfg?.rateLimit || undefined)?.requestsPerSec),
    burst: text((cfg?.rateLimit || undefined)?.burst),
    retry: cfg?.retry !== undefined && cfg.retry.enabled !== false,
    retryAttempts: text(cfg?.retry?.maxAttempts ?? 3),
    breakerFailures: text(cfg?.circuitBreaker?.maxFailures),
    breakerOpen: text(cfg?.circuitBreaker?.openTimeout),
    cors: !!cfg?.cors && cfg.cors.enabled !== false,
    corsOrigins: ((cfg?.cors || undefined)?.origins ?? ['*']).join(', '),
  }
}

/** `localhost:3000` → `http://localhost:3000` (assumed); anything with a scheme is left as typed. */
export function withScheme(url: string): { url: string; assumed: boolean } {
  const trimmed = url.trim()
  if (trimmed === '' || SCHEME.test(trimmed)) return { url: trimmed, assumed: false }
  return { url: `http://${trimmed}`, assumed: true }
}

/** "5s", "250ms" or a number of milliseconds; undefined when empty. */
function duration(value: string, field: string, label: string, errors: Errors): string | number | undefined {
  const v = value.trim()
  if (v === '') return undefined
  if (/^\d+$/.test(v)) return Number(v)
  if (DURATION.test(v)) return v
  errors[field] = `${label} is a duration such as 500ms, 5s or 1m`
  return undefined
}

function wholeNumber(value: string, min: number, max: number): number | undefined {
  const n = Number(value.trim())
  return value.trim() !== '' && Number.isInteger(n) && n >= min && n <= max ? n : undefined
}

/** Checks every field (each error next to its own field) and builds the input the API takes. */
export function validate(state: FormState, base?: RouteConfig): { errors: Errors; input?: RouteInput } {
  const errors: Errors = {}
  const path = state.path.trim()
  if (path === '') errors.path = 'Path is required, for example /users'
  else if (!path.startsWith('/')) errors.path = 'Path must start with "/", for example /users'
  else if (/\s/.test(path)) errors.path = 'Path must not contain spaces'

  const targets = state.targets.filter((t) => t.url.trim() !== '')
  if (targets.length === 0) errors.targets = 'Add at least one target URL, for example http://127.0.0.1:3000'
  for (const t of targets) {
    const url = withScheme(t.url).url
    const weight = Number(t.weight)
    if (!TARGET_URL.test(url))
      errors[`target-${t.key}`] = `"${t.url.trim()}" is not a URL like http://127.0.0.1:3000`
    else if (!Number.isInteger(weight) || weight < 0 || weight > 1000)
      errors[`target-${t.key}`] = 'Weight is a whole number from 0 to 1000'
  }

  const priority = Number(state.priority.trim() || '0')
  if (!Number.isInteger(priority)) errors.priority = 'Priority is a whole number'

  const add: Record<string, string> = {}
  for (const row of state.addHeaders) {
    const name = row.name.trim()
    if (name === '' && row.value.trim() === '') continue
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) errors.headers = `"${name}" is not a header name`
    else add[name] = row.value.trim()
  }
  const remove = state.removeHeaders.map((r) => r.name.trim()).filter(Boolean)

  const timeout = duration(state.timeout, 'timeout', 'Timeout', errors)
  const ttl = state.cache ? duration(state.cacheTtl, 'cache', 'Cache TTL', errors) : undefined
  const rate = Number(state.rate.trim())
  if (state.rateLimit && !(state.rate.trim() !== '' && rate > 0))
    errors.rateLimit = 'Requests per second is a number above 0'
  const burst = state.burst.trim() === '' ? undefined : wholeNumber(state.burst, 1, 1_000_000)
  if (state.rateLimit && state.burst.trim() !== '' && burst === undefined)
    errors.rateLimit = 'Burst is a whole number of at least 1'
  const attempts = wholeNumber(state.retryAttempts, 1, 10)
  if (state.retry && attempts === undefined) errors.retry = 'Attempts is a whole number from 1 to 10'
  const failures =
    state.breakerFailures.trim() === '' ? undefined : wholeNumber(state.breakerFailures, 1, 1000)
  if (state.breakerFailures.trim() !== '' && failures === undefined)
    errors.breaker = 'Failures is a whole number of at least 1'
  const openFor = duration(state.breakerOpen, 'breaker', 'Open for', errors)
  const origins = state.corsOrigins
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean)

  if (Object.keys(errors).length > 0) return { errors }

  // An edit keeps what the form does not show; each field the form owns is set or removed below.
  const { id: _id, createdAt: _c, updatedAt: _u, ...kept } = base ?? ({} as Partial<RouteConfig>)
  const input: RouteInput = {
    ...kept,
    path,
    targets: targets.map((t) => ({ url: withScheme(t.url).url, weight: Number(t.weight) })),
    stripPrefix: state.stripPrefix,
    protocol: state.protocol,
    priority,
    enabled: state.enabled,
    methods: state.methods,
  }
  delete input.headers
  if (Object.keys(add).length > 0 || remove.length > 0) {
    input.headers = {}
    if (Object.keys(add).length > 0) input.headers.add = add
    if (remove.length > 0) input.headers.remove = remove
  }
  if (state.loadBalancer) input.loadBalancer = state.loadBalancer as LoadBalancerName
  else delete input.loadBalancer
  if (timeout !== undefined) input.timeout = timeout
  else delete input.timeout
  if (state.cache) {
    const cache = { ...kept.cache }
    delete cache.enabled
    delete cache.ttl
    input.cache = ttl === undefined ? cache : { ...cache, ttl }
  } else if (kept.cache !== false) delete input.cache // `false` (the gateway default turned off) stays
  if (state.rateLimit) {
    const { burst: _b, enabled: _e, ...rest } = kept.rateLimit || {}
    input.rateLimit = { ...rest, requestsPerSec: rate, ...(burst === undefined ? {} : { burst }) }
  } else if (kept.rateLimit !== false) delete input.rateLimit
  if (state.retry && attempts !== undefined) {
    const { enabled: _e, ...rest } = kept.retry ?? {}
    input.retry = { ...rest, maxAttempts: attempts }
  } else delete input.retry
  const breaker = { ...kept.circuitBreaker }
  delete breaker.maxFailures
  delete breaker.openTimeout
  if (failures !== undefined) breaker.maxFailures = failures
  if (openFor !== undefined) breaker.openTimeout = openFor
  if (Object.keys(breaker).length > 0) input.circuitBreaker = breaker
  else delete input.circuitBreaker
  if (state.cors) {
    const { enabled: _e, ...rest } = kept.cors || {}
    input.cors = { ...rest, origins: origins.length > 0 ? origins : ['*'] }
  } else if (kept.cors !== false) delete input.cors
  return { errors, input }
}

/** Which form field an API error message is about ("body/targets/0/url must match…", "path: …"). */
export function fieldOf(message: string): string {
  const m = message.toLowerCase()
  if (/target|url|weight/.test(m)) return 'targets'
  if (/\bpath\b|already exists|shadow|reserved/.test(m)) return 'path'
  if (/ratelimit|rate limit/.test(m)) return 'rateLimit'
  if (/circuitbreaker|breaker/.test(m)) return 'breaker'
  if (/cache/.test(m)) return 'cache'
  if (/retry/.test(m)) return 'retry'
  if (/cors/.test(m)) return 'cors'
  if (/timeout/.test(m)) return 'timeout'
  if (/loadbalancer|balanc/.test(m)) return 'loadBalancer'
  if (/protocol/.test(m)) return 'protocol'
  if (/priority/.test(m)) return 'priority'
  if (/method/.test(m)) return 'methods'
  if (/header/.test(m)) return 'headers'
  return 'form'
}
