// Passive health: a target that fails `threshold` proxied attempts in a row is taken out of rotation
// until an active check passes or `cooldownMs` has gone by (TargetState.available).
import type { RouteSpec } from '../config/route-spec.ts'
import type { Settings } from '../config/settings.ts'
import { toMs } from '../util/duration.ts'
import { watchAttempt } from './attempt-outcome.ts'
import type { Interceptor } from './interceptor.ts'

export interface PassiveHealth {
  readonly threshold: number
  /** How long a passively failed target stays out when no active check brings it back. */
  readonly cooldownMs: number
}

export function passiveHealth(spec: RouteSpec, settings: Settings): PassiveHealth | undefined {
  const cfg = spec.config.healthCheck ?? settings.policyDefaults.healthCheck
  const anyPath = spec.targets.some((t) => t.healthCheckPath !== undefined)
  if ((!cfg && !anyPath) || cfg?.enabled === false) return undefined
  const threshold = cfg?.passiveFailures ?? 5
  if (threshold === 0) return undefined
  return { threshold, cooldownMs: toMs(cfg?.passiveCooldown, 30_000) }
}

export function passiveHealthInterceptor(passive: PassiveHealth): Interceptor {
  return (next) => (ctx, handler) => {
    const target = ctx.target
    if (!target) {
      next(ctx, handler)
      return
    }
    next(
      ctx,
      watchAttempt(handler, ctx, (outcome) => {
        if (outcome === 'client-gone') return
        const s = target.state
        if (outcome === 'ok') s.passiveFailures = 0
        else if (++s.passiveFailures >= passive.threshold && s.healthy) {
          s.healthy = false
          s.checkSuccesses = 0
          s.passiveUntil = Date.now() + passive.cooldownMs
          s.reason = `${s.passiveFailures} consecutive proxy failures`
        }
      }),
    )
  }
}
