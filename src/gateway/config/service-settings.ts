// Per-service settings (load balancing, rate limit, circuit breaker, programs) set through an admin dialect and
// laid over every route of that service, whichever source made it (config file, manual, discovered,
// pushed): applied when the snapshot is built, so the route table, the policies and the views agree.
import type { RouteConfig } from '../model/index.ts'

/** What a service's settings replace on each of its routes; `rateLimit: null` removes the route's own. */
export interface ServiceSettings {
  readonly loadBalancer?: RouteConfig['loadBalancer']
  readonly rateLimit?: RouteConfig['rateLimit'] | null
  readonly circuitBreaker?: RouteConfig['circuitBreaker']
  /** Run on every request of the service, after the route's own programs (compiled with the route table). */
  readonly programs?: RouteConfig['programs']
}

/** Service name → its settings. A route without `serviceName` is the service named by its id. */
export type ServiceSettingsMap = Readonly<Record<string, ServiceSettings>>

/** Lays the settings of the route's service over `cfg` (a fresh clone the caller owns). */
export function applyServiceSettings(cfg: Record<string, unknown>, services: ServiceSettingsMap): void {
  const name = typeof cfg.serviceName === 'string' ? cfg.serviceName : cfg.id
  const s = typeof name === 'string' && Object.hasOwn(services, name) ? services[name] : undefined
  if (!s) return
  if (s.loadBalancer !== undefined) cfg.loadBalancer = s.loadBalancer
  if (s.rateLimit === null) delete cfg.rateLimit
  else if (s.rateLimit !== undefined) cfg.rateLimit = s.rateLimit
  if (s.circuitBreaker !== undefined) cfg.circuitBreaker = s.circuitBreaker
  if (s.programs !== undefined && s.programs.length > 0)
    cfg.programs = [...(Array.isArray(cfg.programs) ? cfg.programs : []), ...s.programs]
}
