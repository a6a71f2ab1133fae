// Dialects write routes exactly as the native API does: through the manual store, checked completely
// (schema, reserved paths, regex) before anything changes, answered once the new table is live.
import { assertServable } from '../../config/route-check.ts'
import type { RouteSpec } from '../../config/route-spec.ts'
import type { Snapshot } from '../../config/snapshot.ts'
import { checkRoute, formatPath } from '../../config/validate.ts'
import type { GatewayCore } from '../../core.ts'
import { GatewayError } from '../../errors.ts'
import type { RouteConfig } from '../../model/index.ts'

/** Throws SP_ERR_DIALECT_INVALID_PAYLOAD (schema) or the consistency code when the gateway could not serve `cfg`. */
export function checkManualRoute(
  core: GatewayCore,
  cfg: RouteConfig,
  fieldOf?: (path: string) => string,
): void {
  const first = checkRoute(cfg)[0]
  if (first) {
    const field = formatPath(first.path)
    throw new GatewayError(
      'SP_ERR_DIALECT_INVALID_PAYLOAD',
      field ? `${field}: ${first.message}` : first.message,
      {
        field: fieldOf ? fieldOf(field) : field,
      },
    )
  }
  assertServable(cfg, core.watcher.current.settings, { id: cfg.id, field: 'path' })
}

/** Replaces the manual routes `change` returns (checking each changed one) and resolves once live. */
export function updateManualRoutes(
  core: GatewayCore,
  change: (routes: readonly RouteConfig[]) => RouteConfig[],
): Promise<Snapshot> {
  return core.manual.update((routes) => {
    const next = change(routes)
    for (const r of next) if (!routes.includes(r)) checkManualRoute(core, r)
    return next
  })
}

export function liveRoute(core: GatewayCore, id: string): RouteSpec | undefined {
  return core.watcher.current.routes.find((r) => r.id === id)
}

/** ISO time without milliseconds, as the dialect documents print it (`2024-03-15T14:22:08Z`). */
export function isoSeconds(date = new Date()): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z')
}
