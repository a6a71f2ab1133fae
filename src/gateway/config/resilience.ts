// Health checking and circuit breaking as a route runs them: built-in defaults (defaults.ts), then the
// gateway's `defaults.healthCheck` / `defaults.circuitBreaker`, then the route's own, field by field.
// A route that names a policy turns it on unless it says `enabled: false`.
import type { RouteConfig } from '../model/index.ts'
import { toMs } from '../util/duration.ts'
import { DEFAULTS } from './defaults.ts'

type HealthCfg = NonNullable<RouteConfig['healthCheck']>
type BreakerCfg = NonNullable<RouteConfig['circuitBreaker']>

export interface HealthSettings {
  readonly enabled: boolean
  /** Active checks' path for targets that name none. */
  readonly path: string | undefined
  /**
   * Active checks were asked for (`enabled: true` or an active-check field): gRPC targets are then
   * asked the standard health check; HTTP targets need a path too.
   */
  readonly active: boolean
  readonly intervalMs: number
  readonly timeoutMs: number
  readonly unhealthyThreshold: number
  readonly healthyThreshold: number
  /** 0 turns passive health off. */
  readonly passiveFailures: number
  readonly passiveCooldownMs: number
}

export interface BreakerSettings {
  readonly enabled: boolean
  readonly maxFailures: number
  readonly intervalMs: number
  readonly openTimeoutMs: number
  readonly halfOpenMax: number
}

const d = DEFAULTS.healthCheck
export const BUILT_IN_HEALTH: HealthSettings = {
  enabled: true,
  path: undefined,
  active: false,
  intervalMs: d.intervalMs,
  timeoutMs: d.timeoutMs,
  unhealthyThreshold: d.unhealthyThreshold,
  healthyThreshold: d.healthyThreshold,
  passiveFailures: d.passiveFailures,
  passiveCooldownMs: d.passiveCooldownMs,
}

export const BUILT_IN_BREAKER: BreakerSettings = { enabled: true, ...DEFAULTS.circuitBreaker }

export function resolveHealth(cfg: HealthCfg | undefined, base: HealthSettings): HealthSettings {
  if (cfg === undefined) return base
  return {
    enabled: cfg.enabled !== false,
    path: cfg.path ?? base.path,
    active:
      base.active ||
      cfg.enabled === true ||
      cfg.path !== undefined ||
      cfg.interval !== undefined ||
      cfg.timeout !== undefined ||
      cfg.unhealthyThreshold !== undefined ||
      cfg.healthyThreshold !== undefined,
    intervalMs: toMs(cfg.interval, base.intervalMs),
    timeoutMs: toMs(cfg.timeout, base.timeoutMs),
    unhealthyThreshold: cfg.unhealthyThreshold ?? base.unhealthyThreshold,
    healthyThreshold: cfg.healthyThreshold ?? base.healthyThreshold,
    passiveFailures: cfg.passiveFailures ?? base.passiveFailures,
    passiveCooldownMs: toMs(cfg.passiveCooldown, base.passiveCooldownMs),
  }
}

export function resolveBreaker(cfg: BreakerCfg | undefined, base: BreakerSettings): BreakerSettings {
  if (cfg === undefined) return base
  return {
    enabled: cfg.enabled !== false,
    maxFailures: cfg.maxFailures ?? base.maxFailures,
    intervalMs: toMs(cfg.interval, base.intervalMs),
    openTimeoutMs: toMs(cfg.openTimeout, base.openTimeoutMs),
    halfOpenMax: cfg.halfOpenMaxRequests ?? base.halfOpenMax,
  }
}
