// Service-management (junqirao/api-gateway) shapes ↔ the core. A "service" is the routes that share a
// serviceName (a route without one is its own service, named by its id).
import type { RouteSpec } from '../../../config/route-spec.ts'
import type { ServiceSettings, ServiceSettingsMap } from '../../../config/service-settings.ts'
import type { GatewayCore } from '../../../core.ts'
import type { CircuitState, LoadBalancerName } from '../../../model/index.ts'
import { goDurationMs } from '../go-duration.ts'

export interface LoadBalance {
  strategy: string
}
export interface RateLimiter {
  rate: number
  peak: number
}
export interface Breaker {
  name?: string
  max_failures: number
  half_open_max_requests: number
  open_timeout: string
  interval: string
}
export interface ServiceConfig {
  load_balance?: LoadBalance
  rate_limiter?: RateLimiter
  breaker?: Breaker
}
export interface Program {
  expr: string
  name: string
  service_name: string
}
export interface ServiceState {
  services: Record<string, ServiceConfig>
  variables: Record<string, unknown>
  programs: Program[]
}

/** The document's GET example: what a service without its own configuration reports. */
export const DEFAULT_CONFIG = {
  reverse_proxy: {
    trim_routing_key_prefix: true,
    retry_count: 1,
    dial_timeout: '',
    tls_handshake_timeout: '',
    scheme: '',
  },
  load_balance: { strategy: 'round_robin' },
  rate_limiter: { rate: 0, peak: 0 },
  breaker: { name: '', max_failures: 5, half_open_max_requests: 1, open_timeout: '30s', interval: '30s' },
}

/** The strategies the document lists, in both spellings (GET answers with underscores, as the original does). */
export const STRATEGIES: Record<string, LoadBalancerName> = {
  'round-robin': 'round-robin',
  round_robin: 'round_robin',
  random: 'random',
  'weighted-round-robin': 'weighted-round-robin',
  weighted_round_robin: 'weighted_round_robin',
  'weighted-random': 'weighted-random',
  weighted_random: 'weighted_random',
  'less-load': 'less-load',
  less_load: 'less-load',
  hash: 'hash',
}

export const serviceOf = (r: { serviceName?: string | undefined; id?: string | undefined }): string =>
  r.serviceName ?? (r.id as string)

export function serviceNames(core: GatewayCore): string[] {
  return [...new Set(core.watcher.current.routes.map((r) => serviceOf(r)))].sort()
}

export function configView(stored: ServiceConfig | undefined) {
  return {
    default: stored === undefined,
    config: {
      reverse_proxy: { ...DEFAULT_CONFIG.reverse_proxy },
      load_balance: { strategy: (stored?.load_balance?.strategy ?? 'round_robin').replaceAll('-', '_') },
      rate_limiter: { ...(stored?.rate_limiter ?? DEFAULT_CONFIG.rate_limiter) },
      breaker: { ...DEFAULT_CONFIG.breaker, ...(stored?.breaker ?? {}) },
    },
  }
}

/** A service's stored configuration as the settings laid over every route of that service. */
export function serviceSettingsOf(cfg: ServiceConfig): ServiceSettings {
  const out: { -readonly [K in keyof ServiceSettings]: ServiceSettings[K] } = {}
  if (cfg.load_balance) out.loadBalancer = STRATEGIES[cfg.load_balance.strategy] as LoadBalancerName
  if (cfg.rate_limiter) {
    const { rate, peak } = cfg.rate_limiter
    // rate 0 is the document's "no limit" (false: none, even when the gateway's defaults set one). The
    // original limits each instance after picking it; Sallyport limits before the pick, so one bucket for
    // the whole service (the same for a one-instance service).
    out.rateLimit =
      rate <= 0
        ? false
        : { requestsPerSec: rate, burst: Math.max(1, peak || Math.ceil(rate)), scope: 'service' }
  }
  if (cfg.breaker) {
    const b = cfg.breaker
    out.circuitBreaker = {
      enabled: true,
      maxFailures: Math.max(1, b.max_failures),
      halfOpenMaxRequests: Math.max(1, b.half_open_max_requests),
      openTimeout: goDurationMs(b.open_timeout) ?? 30_000,
      interval: goDurationMs(b.interval) ?? 30_000,
    }
  }
  return out
}

/** The program text of a stored program (`expr` is base64, checked when it was PUT). */
export const programSource = (p: Program): string => Buffer.from(p.expr, 'base64').toString('utf8')

/**
 * Every service's settings as laid over its routes: its configuration and its programs, in the order
 * they were first PUT (the original runs them in that order).
 */
export function serviceSettingsMap(state: ServiceState): ServiceSettingsMap {
  const out: Record<string, ServiceSettings> = {}
  for (const [name, cfg] of Object.entries(state.services)) out[name] = serviceSettingsOf(cfg)
  for (const p of state.programs) {
    const have = out[p.service_name] ?? {}
    out[p.service_name] = {
      ...have,
      programs: [...(have.programs ?? []), { name: p.name, source: programSource(p) }],
    }
  }
  return out
}

function hostOf(url: string): string {
  try {
    return new URL(url).host
  } catch {
    return url
  }
}

/** Worst first: an instance is as open as the most open of its targets. */
const BREAKER_RANK: Record<CircuitState, number> = { closed: 0, 'half-open': 1, open: 2 }

interface InstanceState {
  hostname: string
  instance_id: string
  healthy: boolean
  weight: number
  load: number
  breaker_state: CircuitState
}

/**
 * One entry per instance (upstream url), live: a service's routes (a pushed service has a path and a
 * host route) each hold their own target for it, so the instance's load is their in-flight sum.
 */
export function stateView(core: GatewayCore, routes: readonly RouteSpec[]) {
  const byUrl = new Map<string, InstanceState>()
  const now = Date.now()
  for (const r of routes)
    for (const t of r.targets) {
      const s = core.targetStates.peek(t.id)
      const breaker = s?.circuitStateAt(now) ?? 'closed'
      const seen = byUrl.get(t.url)
      if (!seen) {
        byUrl.set(t.url, {
          hostname: hostOf(t.url),
          instance_id: t.id,
          healthy: s?.healthy ?? true,
          weight: t.weight,
          load: s?.inflight ?? 0,
          breaker_state: breaker,
        })
        continue
      }
      seen.healthy &&= s?.healthy ?? true
      seen.load += s?.inflight ?? 0
      if (BREAKER_RANK[breaker] > BREAKER_RANK[seen.breaker_state]) seen.breaker_state = breaker
    }
  const states = [...byUrl.values()]
  return { upstreams: states.length, upstream_states: states }
}
