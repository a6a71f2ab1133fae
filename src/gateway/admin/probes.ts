// /live and /ready (platform-gateway document): liveness is the process answering; readiness is the
// first snapshot being live with the listener bound, and not draining.
import type { FastifyInstance } from 'fastify'
import type { GatewayCore } from '../core.ts'
import type { ProbeStatus } from '../model/index.ts'

export function registerProbes(app: FastifyInstance, core: GatewayCore): void {
  app.get('/live', async (): Promise<ProbeStatus> => ({ status: 'ok' }))
  app.get('/ready', async (_req, reply): Promise<ProbeStatus> => {
    const { ready, draining, reason } = core.lifecycle
    if (ready && !draining) return { status: 'ready' }
    reply.code(503)
    return { status: 'not_ready', reason: draining ? 'gateway is draining' : reason }
  })
}
