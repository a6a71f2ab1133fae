// One check for a route about to be written by any admin API: would the gateway serve it?
// (The snapshot applies the same rules to every source; a write is refused before anything changes.)
import { type ErrorCode, GatewayError } from '../errors.ts'
import type { ConfigIssue, RouteConfig, RouteSource } from '../model/index.ts'
import { checkConsistency } from './consistency.ts'
import { DEFAULTS } from './defaults.ts'
import { type RouteDefaults, type RouteSpec, toRouteSpec } from './route-spec.ts'
import type { Settings } from './settings.ts'

export function routeDefaults(settings: Settings): RouteDefaults {
  return {
    loadBalancer: settings.loadBalancer,
    timeoutMs: settings.timeoutMs,
    routePrefix: settings.routePrefix,
    manualPriorityBoost: DEFAULTS.manualPriorityBoost,
    healthCheck: settings.policyDefaults.healthCheck,
    circuitBreaker: settings.policyDefaults.circuitBreaker,
  }
}

/** Throws the consistency error (reserved path, bad regex…) when `cfg` could not be served. */
export function assertServable(
  cfg: RouteConfig,
  settings: Settings,
  details: Record<string, unknown> = {},
  source: RouteSource = 'manual',
): RouteSpec {
  const spec = toRouteSpec(source, cfg, routeDefaults(settings))
  const issues: ConfigIssue[] = []
  checkConsistency([spec], settings, issues)
  const issue = issues[0]
  if (issue) throw new GatewayError(issue.code as ErrorCode, issue.message, { id: spec.id, ...details })
  return spec
}
