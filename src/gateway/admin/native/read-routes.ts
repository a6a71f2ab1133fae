// Read side of the native (bastion) API: routes, upstreams, stats, config.
import type { FastifyInstance } from 'fastify'
import type { GatewayCore } from '../../core.ts'
import { GatewayError } from '../../errors.ts'
import type { RouteOriginDeps } from '../admin-deps.ts'
import type { ConfigView } from '../../model/index.ts'
import { outrankedIssues, routeDetail, routesSummary } from '../route-detail.ts'
import { gatewayStats, routeStats, routeViews, upstreamViews } from '../views.ts'
import { redactConfig } from './redact.ts'
import { routeIdOf } from './route-ref.ts'

/** `applied`: everything every source gave serves; `partial`: some entities were left out; `rejected`: a
 * source's last save was not applied at all (the previous version keeps serving). */
function configStatus(core: GatewayCore): 'applied' | 'partial' | 'rejected' {
  if (core.watcher.sources().some((s) => s.error !== undefined)) return 'rejected'
  return core.watcher.current.issues.length > 0 ? 'partial' : 'applied'
}

export function registerReadApi(app: FastifyInstance, deps: RouteOriginDeps): void {
  const { core } = deps
  app.get<{ Querystring: { source?: string; protocol?: string } }>('/api/routes', async (req) => {
    const { source, protocol } = req.query
    return routeViews(core).filter(
      (r) => (!source || r.source === source) && (!protocol || r.protocol === protocol),
    )
  })
  app.get('/api/routes/*', async (req) => {
    const id = routeIdOf(req, core)
    const spec = core.watcher.current.routes.find((r) => r.id === id)
    if (!spec) throw new GatewayError('SP_ERR_ROUTE_NOT_FOUND')
    return routeDetail(spec, deps)
  })
  // What the Routes table shows beside each view: origin, policy badges, the routes that outrank it.
  app.get('/api/routes-summary', async () => routesSummary(deps))
  app.get('/api/upstreams', async () => upstreamViews(core))
  app.get('/api/stats', async () => gatewayStats(core))
  app.get('/api/stats/routes', async () => {
    const out: Record<string, ReturnType<typeof routeStats>> = {}
    for (const r of core.watcher.current.routes) out[r.id] = routeStats(r, core)
    return out
  })
  app.get('/api/config', async (): Promise<ConfigView> => {
    const snap = core.watcher.current
    return {
      version: snap.version,
      hash: snap.hash,
      configFile: snap.configFile ?? null,
      dataDir: core.dataDir ?? null,
      appliedAt: core.watcher.appliedAt,
      config: redactConfig(snap.config),
      // Rejected sources (parse, settings) first, then the routes left out of the applied version, then
      // warnings: routes another route outranks.
      issues: [...core.watcher.issues(), ...outrankedIssues(deps)],
      status: configStatus(core),
      sources: core.watcher.sources().map((s) => ({
        source: s.source,
        hash: s.hash,
        updatedAt: s.updatedAt,
        error: s.error?.message ?? null,
        applied: s.error === undefined,
      })),
    }
  })
}
