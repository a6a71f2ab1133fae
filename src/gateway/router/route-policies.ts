// Compiles a route's traffic policies once per snapshot. A route with none gets `undefined`, and
// forward.ts then takes the plain path without touching any of this.
import type { RouteSpec } from '../config/route-spec.ts'
import type { Settings } from '../config/settings.ts'
import type { TargetState } from '../health/target-state.ts'
import { compileCors, type CorsPolicy } from '../middleware/cors.ts'
import { compileJwt, type JwtPolicy } from '../middleware/jwt.ts'
import { cacheEnabled, type ResponseCache } from '../middleware/response-cache.ts'
import { breakerOptions, CircuitBreaker, close } from '../resilience/circuit-breaker.ts'
import type { PolicyRegistry } from '../resilience/policy-registry.ts'
import { compileRateLimiter, type RateLimiter } from '../resilience/rate-limit.ts'
import { type RetryPolicy, retryPolicy } from '../resilience/retry.ts'
import { toMs } from '../util/duration.ts'

export interface PassiveHealth {
  readonly threshold: number
  /** How long a passively failed target stays out when no active check brings it back. */
  readonly cooldownMs: number
}

export interface RoutePolicies {
  readonly cors: CorsPolicy | undefined
  readonly jwt: JwtPolicy | undefined
  readonly rateLimit: RateLimiter | undefined
  readonly cache: ResponseCache | undefined
  readonly retry: RetryPolicy | undefined
  readonly breaker: CircuitBreaker | undefined
  readonly passive: PassiveHealth | undefined
  /** OpenAPI validation (route metadata `openapiValidate: request|response|both`). */
  readonly validation: ValidationPolicy | undefined
}

export function passiveHealth(spec: RouteSpec, settings: Settings): PassiveHealth | undefined {
  const cfg = spec.config.healthCheck ?? settings.policyDefaults.healthCheck
  const anyPath = spec.targets.some((t) => t.healthCheckPath !== undefined)
  if ((!cfg && !anyPath) || cfg?.enabled === false) return undefined
  const threshold = cfg?.passiveFailures ?? 5
  if (threshold === 0) return undefined
  return { threshold, cooldownMs: toMs(cfg?.passiveCooldown, 30_000) }
}

export interface ValidationPolicy {
  readonly registry: PolicyRegistry
  readonly request: boolean
  /** Responses are checked after they reached the client; a mismatch is counted, never answered. */
  readonly response: boolean
}

function validationOf(spec: RouteSpec, registry: PolicyRegistry | undefined): ValidationPolicy | undefined {
  const mode = spec.config.metadata?.openapiValidate
  if (!registry || !mode || mode === 'off') return undefined
  const request = mode === 'request' || mode === 'both'
  const response = mode === 'response' || mode === 'both'
  return request || response ? { registry, request, response } : undefined
}

export function compilePolicies(
  spec: RouteSpec,
  settings: Settings,
  registry: PolicyRegistry | undefined,
  states: readonly TargetState[],
): RoutePolicies | undefined {
  const cfg = spec.config
  const d = settings.policyDefaults
  const bo = breakerOptions(cfg.circuitBreaker, d.circuitBreaker)
  const breaker = bo ? new CircuitBreaker(bo) : undefined
  for (const s of states) {
    if (!breaker && s.breaker) close(s)
    s.breaker = breaker
  }
  const rl = cfg.rateLimit
  const rateLimit =
    registry && rl
      ? compileRateLimiter(
          rl,
          (scope) => registry.storeFor(scope, `${rl.requestsPerSec}/${rl.burst ?? ''}`),
          spec.id,
        )
      : undefined
  const policies: RoutePolicies = {
    cors: compileCors(cfg.cors),
    jwt: compileJwt(cfg.jwt),
    rateLimit,
    cache: registry && cacheEnabled(cfg.cache) ? registry.cacheFor(spec.id, cfg.cache) : undefined,
    retry: retryPolicy(cfg.retry, d.retry),
    breaker,
    passive: passiveHealth(spec, settings),
    validation: validationOf(spec, registry),
  }
  for (const k in policies) if (policies[k as keyof RoutePolicies] !== undefined) return policies
  return undefined
}
