// Native admin endpoints for traffic policies: reset a target's circuit (and its passive health
// verdict, which the same failures set by default), purge response caches.
import type { FastifyInstance } from 'fastify'
import type { GatewayCore } from '../../core.ts'
import type { CachePurgeResult, CircuitResetResult } from '../../model/index.ts'
import { close } from '../../policies/circuit-breaker.ts'

export function registerPolicyApi(app: FastifyInstance, core: GatewayCore): void {
  app.post<{ Params: { targetId: string } }>('/api/circuits/:targetId/reset', async (req, reply) => {
    const id = decodeURIComponent(req.params.targetId)
    const state = core.targetStates.peek(id)
    if (!state) return reply.code(404).send({ error: 'target not found' })
    close(state)
    // Taken out by failed requests, not by an active check (whose own probes decide): in again.
    if (!state.healthy && state.passiveUntil > 0) state.markHealthy()
    return {
      targetId: id,
      circuitState: state.circuitState,
      healthy: state.healthy,
    } satisfies CircuitResetResult
  })
  app.delete<{ Querystring: { route?: string } }>('/api/cache', async (req, reply) => {
    const routeId = req.query.route
    if (routeId !== undefined) {
      const cache = core.policies.cache(routeId)
      if (!cache) return reply.code(404).send({ error: 'no cache for this route' })
      return { purged: cache.clear(), routes: [routeId] } satisfies CachePurgeResult
    }
    let purged = 0
    const routes: string[] = []
    for (const c of core.policies.caches()) {
      purged += c.clear()
      routes.push(c.routeId)
    }
    return { purged, routes } satisfies CachePurgeResult
  })
}
