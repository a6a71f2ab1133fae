// What a route runs that its Kubernetes Gateway API (v1, standard channel) export cannot say: listed as
// a comment on that route's document, so nothing is dropped silently.
import { effectivePolicy, type RequestPolicyDefaults } from '../config/policy-defaults.ts'
import type { RouteSpec } from '../config/route-spec.ts'
import { toMs } from '../util/duration.ts'

const ms = (n: number) => (n % 1000 === 0 ? `${n / 1000}s` : `${n}ms`)
const fromDefaults = (p: { fromDefault: boolean }) => (p.fromDefault ? ' (gateway default)' : '')

/** One line per behaviour of the route that has no place in the exported document. */
export function notExported(
  spec: RouteSpec,
  defaults: RequestPolicyDefaults & { retry?: unknown },
): string[] {
  const out: string[] = []
  const cfg = spec.config
  const grpc = spec.protocol === 'grpc'
  const jwt = effectivePolicy(cfg, defaults, 'jwt')
  if (jwt && jwt.config.enabled !== false) {
    const j = jwt.config
    const keys = j.jwksUrl ?? (j.publicKey ? 'a public key' : 'a shared secret')
    out.push(
      `JWT validation${fromDefaults(jwt)}: keys from ${keys}${j.issuer ? `, issuer ${j.issuer}` : ''}${j.audience ? `, audience ${[j.audience].flat().join(',')}` : ''}${j.roles ? `, roles ${j.roles.join(',')}` : ''}`,
    )
  }
  const rl = effectivePolicy(cfg, defaults, 'rateLimit')
  const rate = rl?.config.requestsPerSec
  if (rl && rl.config.enabled !== false && rate !== undefined) {
    const r = rl.config
    const scope = r.scope ?? (r.key ? 'client' : 'route')
    out.push(
      `rate limit${fromDefaults(rl)}: ${rate}/s, burst ${r.burst ?? Math.max(1, Math.ceil(rate))}, per ${scope}${r.key ? ` (${r.key})` : ''}`,
    )
  }
  const cache = effectivePolicy(cfg, defaults, 'cache')
  if (cache && cache.config.enabled !== false) {
    const c = cache.config
    out.push(
      `response cache${fromDefaults(cache)}: ${c.ttl === undefined ? 'freshness from the response' : `ttl ${ms(toMs(c.ttl, 0))}`}${c.varyBy ? `, vary by ${c.varyBy.join(',')}` : ''}`,
    )
  }
  const cors = effectivePolicy(cfg, defaults, 'cors')
  if (grpc && cors && cors.config.enabled !== false)
    out.push(`CORS${fromDefaults(cors)}: GRPCRoute has no CORS filter`)
  if (grpc) out.push('gRPC-Web translation (browsers): GRPCRoute serves gRPC only')
  const retry = cfg.retry ?? (defaults.retry as typeof cfg.retry)
  if (retry && retry.enabled !== false)
    out.push(
      `retry: up to ${retry.maxAttempts ?? 3} attempts${retry.retryOn ? ` on ${retry.retryOn.join(',')}` : ''} (rules[].retry exists in the experimental channel only)`,
    )
  if (spec.breaker.enabled)
    out.push(
      `circuit breaker per target: ${spec.breaker.maxFailures} failures in ${ms(spec.breaker.intervalMs)} open it for ${ms(spec.breaker.openTimeoutMs)}`,
    )
  if (spec.health.enabled) {
    const h = spec.health
    const active = h.active ? `; active GET ${h.path ?? 'healthCheckPath'} every ${ms(h.intervalMs)}` : ''
    out.push(
      `health checks: passive (${h.passiveFailures} failures take a target out for ${ms(h.passiveCooldownMs)})${active}: use readiness probes on the Pods`,
    )
  }
  if (spec.balancer === 'least-load' || spec.balancer === 'hash' || spec.balancer === 'random')
    out.push(
      `load balancer ${spec.balancer}${spec.balancer === 'hash' ? ` on ${spec.hashKey}` : ''}: backendRefs spread by weight only`,
    )
  if (cfg.priority !== undefined && cfg.priority !== 0)
    out.push(`priority ${cfg.priority}: Gateway API orders rules by how specific their matches are`)
  if (grpc && cfg.timeout !== undefined) out.push(`timeout ${ms(spec.timeoutMs)}: GRPCRoute has no timeouts`)
  const validate = cfg.metadata?.openapiValidate
  if (validate && validate !== 'off') out.push(`OpenAPI validation of ${validate}`)
  if (spec.unavailable !== undefined) out.push(`answers 503 without a target: ${spec.unavailable}`)
  return out
}
