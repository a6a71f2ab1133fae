// Statistics beyond the bastion document: the hour of 10 s history the gateway keeps, and one
// route's latency windows (1, 5, 15 minutes) with its histogram. Route ids contain "/": read raw.
import type { FastifyInstance } from 'fastify'
import type { GatewayCore } from '../../core.ts'
import { GatewayError } from '../../errors.ts'
import type { RoutesHistory, StatsHistory } from '../../model/index.ts'
import { HISTORY_INTERVAL_S, HISTORY_WINDOW_S } from '../../stats/history.ts'
import { routeStatsDetail } from '../views.ts'
import { routeIdOf } from './route-ref.ts'

export function registerStatsApi(app: FastifyInstance, core: GatewayCore): void {
  app.get<{ Querystring: { route?: string } }>('/api/stats/history', async (req): Promise<StatsHistory> => {
    const { route } = req.query
    const points = route === undefined ? core.history.total() : core.history.route(route)
    if (points === undefined) {
      // A configured route the sampler has not reached yet has no points, not a 404.
      if (!core.watcher.current.routes.some((r) => r.id === route))
        throw new GatewayError('SP_ERR_ROUTE_NOT_FOUND')
      return { intervalS: HISTORY_INTERVAL_S, windowS: HISTORY_WINDOW_S, points: [] }
    }
    return { intervalS: HISTORY_INTERVAL_S, windowS: HISTORY_WINDOW_S, points }
  })
  app.get('/api/stats/history/routes', async (): Promise<RoutesHistory> => {
    const routes: RoutesHistory['routes'] = {}
    for (const r of core.watcher.current.routes) routes[r.id] = core.history.route(r.id) ?? []
    return { intervalS: HISTORY_INTERVAL_S, windowS: HISTORY_WINDOW_S, routes }
  })
  app.get('/api/stats/routes/*', async (req) => {
    const id = routeIdOf(req, core, '/api/stats/routes/')
    const spec = core.watcher.current.routes.find((r) => r.id === id)
    if (!spec) throw new GatewayError('SP_ERR_ROUTE_NOT_FOUND')
    return routeStatsDetail(spec, core)
  })
}
