// A validated route turned into the shape the router compiles: defaults applied, ids assigned.
import type { LoadBalancerName, RouteConfig, RouteProtocol, RouteSource } from '../model/index.ts'
import { routeId, targetId } from '../model/ids.ts'
import { UNAVAILABLE_METADATA_KEY } from '../model/metadata-keys.ts'
import { toMs } from '../util/duration.ts'
import { type BreakerSettings, type HealthSettings, resolveBreaker, resolveHealth } from './resilience.ts'

export type PathType = 'prefix' | 'exact' | 'regex'
export type BalancerKind =
  | 'round-robin'
  | 'random'
  | 'weighted-round-robin'
  | 'weighted-random'
  | 'least-load'
  | 'hash'

export interface TargetSpec {
  readonly id: string
  readonly url: string
  /** The http(s) origin the target is reached at (ws → http, h2c → http). */
  readonly origin: string
  /**
   * Which upstream client serves it: the origin, marked "h2 " when spoken to over HTTP/2 (an h2c://
   * URL, `http2: true`, or a gRPC route); one client per key.
   */
  readonly clientKey: string
  readonly weight: number
  readonly healthCheckPath: string | undefined
}

export interface RouteSpec {
  readonly id: string
  readonly source: RouteSource
  /** The public path pattern as configured (e.g. `/api/users` or `/api/users/*`). */
  readonly path: string
  /** For prefix routes the literal prefix without the trailing `/*`; for exact the path; for regex the source. */
  readonly matchPath: string
  readonly pathType: PathType
  readonly methods: readonly string[]
  readonly hosts: readonly string[]
  readonly matchHeaders: Readonly<Record<string, string>>
  readonly targets: readonly TargetSpec[]
  /** Why the route answers 503 without a target (metadata `unavailable`); its targets are then empty. */
  readonly unavailable?: string
  readonly stripPrefix: boolean
  readonly addPrefix: string | undefined
  readonly protocol: RouteProtocol
  readonly priority: number
  readonly enabled: boolean
  readonly serviceName: string | undefined
  readonly headersAdd: Readonly<Record<string, string>>
  readonly headersRemove: readonly string[]
  readonly balancer: BalancerKind
  readonly hashKey: string
  readonly timeoutMs: number
  /** Passive and active health checks of its targets (the route's over the gateway's defaults). */
  readonly health: HealthSettings
  /** Its targets' circuit breaker (the route's over the gateway's defaults). */
  readonly breaker: BreakerSettings
  /** The route as the source gave it (policies read their own fields from here). */
  readonly config: RouteConfig
  readonly createdAt: string | undefined
  readonly updatedAt: string | undefined
}

const BALANCERS: Record<LoadBalancerName, BalancerKind> = {
  'round-robin': 'round-robin',
  round_robin: 'round-robin',
  roundRobin: 'round-robin',
  random: 'random',
  'weighted-round-robin': 'weighted-round-robin',
  weighted_round_robin: 'weighted-round-robin',
  weightedRoundRobin: 'weighted-round-robin',
  'weighted-random': 'weighted-random',
  weighted_random: 'weighted-random',
  weightedRandom: 'weighted-random',
  'least-load': 'least-load',
  'less-load': 'least-load',
  least_load: 'least-load',
  leastConnections: 'least-load',
  'least-connections': 'least-load',
  hash: 'hash',
  consistentHash: 'hash',
  'consistent-hash': 'hash',
  'ip-hash': 'hash',
}

export function balancerKind(name: LoadBalancerName): BalancerKind {
  return BALANCERS[name]
}

export interface RouteDefaults {
  readonly loadBalancer: LoadBalancerName
  readonly timeoutMs: number
  readonly routePrefix: string
  readonly manualPriorityBoost: number
  readonly healthCheck: HealthSettings
  readonly circuitBreaker: BreakerSettings
}

/** A target URL in http(s) terms: ws → http, wss → https, h2c → http. */
export function httpUrlOf(url: string): string {
  if (url.startsWith('ws')) return `http${url.slice(2)}`
  if (url.startsWith('h2c:')) return `http:${url.slice(4)}`
  return url
}

/** The id a config-file route gets when it names none. */
export function defaultRouteId(source: RouteSource, cfg: RouteConfig): string {
  return cfg.id ?? routeId(source, cfg.path)
}

export function toRouteSpec(source: RouteSource, cfg: RouteConfig, defaults: RouteDefaults): RouteSpec {
  let pathType: PathType = cfg.pathType ?? 'prefix'
  let matchPath = cfg.path
  if (pathType !== 'regex') {
    if (matchPath.endsWith('/*')) {
      matchPath = matchPath.slice(0, -2)
      pathType = 'prefix'
    }
    if (matchPath === '') matchPath = '/'
    if (matchPath.length > 1 && matchPath.endsWith('/')) matchPath = matchPath.slice(0, -1)
  }
  // Target ids use the path the user gave: for manual routes that is the path below the route prefix.
  const givenPath =
    source === 'manual' && cfg.path.startsWith(defaults.routePrefix) && defaults.routePrefix !== ''
      ? cfg.path.slice(defaults.routePrefix.length) || '/'
      : cfg.path
  const unavailable = cfg.metadata?.[UNAVAILABLE_METADATA_KEY]
  const targets = (unavailable ? [] : cfg.targets).map((t): TargetSpec => {
    const origin = new URL(httpUrlOf(t.url)).origin
    const http2 = t.http2 ?? (t.url.startsWith('h2c:') || cfg.protocol === 'grpc')
    return {
      id: targetId(givenPath, t.url),
      url: t.url,
      origin,
      clientKey: http2 ? `h2 ${origin}` : origin,
      weight: t.weight ?? 1,
      healthCheckPath: t.healthCheckPath,
    }
  })
  const basePriority = cfg.priority ?? 0
  return {
    id: defaultRouteId(source, cfg),
    source,
    path: cfg.path,
    matchPath,
    pathType,
    methods: (cfg.methods ?? []).map((m) => m.toUpperCase()),
    hosts: (cfg.hosts ?? []).map((h) => h.toLowerCase()),
    matchHeaders: Object.fromEntries(
      Object.entries(cfg.matchHeaders ?? {}).map(([k, v]) => [k.toLowerCase(), v]),
    ),
    targets,
    ...(unavailable ? { unavailable } : {}),
    stripPrefix: cfg.stripPrefix ?? false,
    addPrefix: cfg.addPrefix,
    protocol: cfg.protocol ?? 'http',
    priority: source === 'manual' ? basePriority + defaults.manualPriorityBoost : basePriority,
    enabled: cfg.enabled ?? true,
    serviceName: cfg.serviceName,
    headersAdd: cfg.headers?.add ?? {},
    headersRemove: removedHeaders(cfg.headers),
    balancer: balancerKind(cfg.loadBalancer ?? defaults.loadBalancer),
    hashKey: cfg.hashKey ?? 'ip',
    timeoutMs: toMs(cfg.timeout, defaults.timeoutMs),
    health: resolveHealth(cfg.healthCheck, defaults.healthCheck),
    breaker: resolveBreaker(cfg.circuitBreaker, defaults.circuitBreaker),
    config: cfg,
    createdAt: cfg.createdAt,
    updatedAt: cfg.updatedAt,
  }
}

/**
 * Request fields the route never sends on: its `headers.remove`, and Proxy-Authorization unless the
 * route keeps it (RFC 9110 §11.7.2: credentials for the proxy, which Sallyport does not consume).
 */
function removedHeaders(rules: RouteConfig['headers']): string[] {
  const out = (rules?.remove ?? []).map((h) => h.toLowerCase())
  if (rules?.forwardProxyAuthorization !== true && !out.includes('proxy-authorization'))
    out.push('proxy-authorization')
  return out
}
