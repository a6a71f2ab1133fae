// Gateway-wide settings resolved from the config file (or the embedded default) plus CLI overrides.
import type { DialectsConfig, GatewayConfig, LoadBalancerName } from '../model/index.ts'
import type { RedisSettings } from '../store/redis-connection.ts'
import { toMs } from '../util/duration.ts'
import { DEFAULTS } from './defaults.ts'
import type { RequestPolicyDefaults } from './policy-defaults.ts'
import {
  BUILT_IN_BREAKER,
  BUILT_IN_HEALTH,
  type BreakerSettings,
  type HealthSettings,
  resolveBreaker,
  resolveHealth,
} from './resilience.ts'

type Defaults = NonNullable<GatewayConfig['defaults']>
type AdminAuth = NonNullable<NonNullable<GatewayConfig['admin']>['auth']>

export interface Settings {
  readonly host: string
  readonly port: number
  readonly drainTimeoutMs: number
  /** A request head must be complete this long after its first byte (else 408). */
  readonly headTimeoutMs: number
  /** HTTPS on the same port: the local CA (`auto`) or certificate files; undefined = cleartext only. */
  readonly tls: TlsSettings | undefined
  /** Cleartext HTTP/1.x requests are redirected (308) to https. */
  readonly redirectHttp: boolean
  readonly trustProxy: boolean
  readonly adminBasePath: string
  readonly realtime: boolean
  readonly statsIntervalMs: number
  readonly adminAuth: AdminAuth | undefined
  readonly allowedHosts: readonly string[]
  readonly routePrefix: string
  readonly loadBalancer: LoadBalancerName
  readonly timeoutMs: number
  readonly connectTimeoutMs: number
  /** Upstream connections per origin; undefined = no cap. */
  readonly connections: number | undefined
  readonly keepAliveTimeoutMs: number
  /** Gateway-wide policy defaults; health checks and breakers resolved over the built-in ones, request
   * policies (CORS, JWT, rate limit, cache) as given: a route takes one whole or not at all. */
  readonly policyDefaults: {
    readonly healthCheck: HealthSettings
    readonly circuitBreaker: BreakerSettings
    readonly retry: Defaults['retry']
  } & RequestPolicyDefaults
  readonly discovery: NonNullable<GatewayConfig['discovery']> & { enabled: boolean }
  /** How often services' OpenAPI documents are re-fetched (conditionally). */
  readonly openapiRefreshMs: number
  /** The request inspector: body bytes kept per request and in all, what is redacted. */
  readonly inspector: InspectorSettings
  /** Settings of the compatible API dialects (FluxGate, service management, gobetween). */
  readonly dialects: DialectsConfig
  /** The shared store; undefined = state stays in this process and its data dir. */
  readonly redis: RedisSettings | undefined
}

export interface InspectorSettings {
  readonly bodyLimit: number
  readonly bodyBudget: number
  readonly redactHeaders: readonly string[]
  readonly redactFields: readonly string[]
}

export type TlsSettings =
  | { readonly mode: 'auto'; readonly hosts: readonly string[] }
  /** Either may be missing in a config that names only one: HTTPS start-up says which. */
  | { readonly mode: 'files'; readonly cert: string | undefined; readonly key: string | undefined }

/** `server.tls` as settings: "auto" or an object without files is the local CA. */
function tlsSettings(cfg: NonNullable<GatewayConfig['server']>['tls']): TlsSettings | undefined {
  if (cfg === undefined) return undefined
  if (cfg === 'auto') return { mode: 'auto', hosts: [] }
  if (cfg.cert !== undefined || cfg.key !== undefined) return { mode: 'files', cert: cfg.cert, key: cfg.key }
  return { mode: 'auto', hosts: cfg.hosts ?? [] }
}

export interface SettingsOverrides {
  readonly host?: string | undefined
  readonly port?: number | undefined
  readonly discovery?: boolean | undefined
  /** `sallyport record` keeps whole bodies whatever the config file says. */
  readonly inspector?: Partial<Pick<InspectorSettings, 'bodyLimit' | 'bodyBudget'>> | undefined
}

export function resolveSettings(cfg: GatewayConfig, overrides: SettingsOverrides = {}): Settings {
  const d = cfg.defaults ?? {}
  return {
    host: overrides.host ?? cfg.server?.host ?? DEFAULTS.host,
    port: overrides.port ?? cfg.server?.port ?? DEFAULTS.port,
    drainTimeoutMs: toMs(cfg.server?.drainTimeout, DEFAULTS.drainTimeoutMs),
    headTimeoutMs: Math.max(1, toMs(cfg.server?.headTimeout, DEFAULTS.headTimeoutMs)),
    tls: tlsSettings(cfg.server?.tls),
    redirectHttp: typeof cfg.server?.tls === 'object' && cfg.server.tls.redirectHttp === true,
    trustProxy: cfg.server?.trustProxy ?? false,
    adminBasePath: cfg.admin?.basePath ?? DEFAULTS.adminBasePath,
    realtime: cfg.admin?.realtime ?? DEFAULTS.realtime,
    statsIntervalMs: toMs(cfg.admin?.statsInterval, DEFAULTS.statsIntervalMs),
    adminAuth: cfg.admin?.auth,
    allowedHosts: cfg.admin?.allowedHosts ?? [],
    routePrefix: cfg.routePrefix ?? DEFAULTS.routePrefix,
    loadBalancer: d.loadBalancer ?? DEFAULTS.loadBalancer,
    timeoutMs: toMs(d.timeout, DEFAULTS.timeoutMs),
    connectTimeoutMs: toMs(d.connectTimeout, DEFAULTS.connectTimeoutMs),
    connections: d.connections ?? DEFAULTS.connections,
    keepAliveTimeoutMs: toMs(d.keepAliveTimeout, DEFAULTS.keepAliveTimeoutMs),
    policyDefaults: {
      healthCheck: resolveHealth(d.healthCheck, BUILT_IN_HEALTH),
      circuitBreaker: resolveBreaker(d.circuitBreaker, BUILT_IN_BREAKER),
      retry: d.retry,
      cors: d.cors,
      jwt: d.jwt,
      rateLimit: d.rateLimit,
      cache: d.cache,
    },
    discovery: {
      ...cfg.discovery,
      enabled: overrides.discovery ?? cfg.discovery?.enabled ?? DEFAULTS.discovery,
    },
    openapiRefreshMs: Math.max(1, toMs(cfg.openapi?.refreshInterval, DEFAULTS.openapiRefreshMs)),
    inspector: {
      bodyLimit: cfg.inspector?.bodyLimit ?? DEFAULTS.inspectorBodyLimit,
      bodyBudget: cfg.inspector?.bodyBudget ?? DEFAULTS.inspectorBodyBudget,
      redactHeaders: cfg.inspector?.redactHeaders ?? [],
      redactFields: cfg.inspector?.redactFields ?? DEFAULTS.inspectorRedactFields,
      ...overrides.inspector,
    },
    dialects: cfg.dialects ?? {},
    redis: cfg.store?.redis && {
      url: cfg.store.redis.url,
      keyPrefix: cfg.store.redis.keyPrefix ?? DEFAULTS.redisKeyPrefix,
      timeoutMs: Math.max(1, toMs(cfg.store.redis.timeout, DEFAULTS.redisTimeoutMs)),
      failMode: cfg.store.redis.failMode ?? 'open',
      shareBreakers: cfg.store.redis.shareBreakers ?? false,
    },
  }
}
