// Native API, OpenAPI aggregation: the merged document, per-service documents, forced re-fetch.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { GatewayCore } from '../../core.ts'
import type { AdminDeps } from '../admin-deps.ts'

/** The gateway origin as the client reached it: Swagger's "Try it out" goes through the gateway. */
export function gatewayOrigin(req: FastifyRequest, core: GatewayCore): string {
  const host = req.headers.host
  if (host) return `${req.protocol}://${host}`
  return core.url ?? 'http://127.0.0.1'
}

export function registerOpenApiApi(
  app: FastifyInstance,
  { core, openapi: agg }: Pick<AdminDeps, 'core' | 'openapi'>,
): void {
  app.get('/openapi.json', async (req, reply) => {
    // Bytes merged and serialised by the OpenAPI worker: nothing of the document is handled here.
    return reply
      .header('cache-control', 'no-store')
      .type('application/json; charset=utf-8')
      .send(await agg.merged(gatewayOrigin(req, core)))
  })
  app.get('/api/openapi/services', async () => agg.services())
  app.get<{ Params: { service: string }; Querystring: { view?: string } }>(
    '/api/openapi/services/:service',
    async (req, reply) => {
      const { service } = req.params
      if (!agg.has(service)) return reply.code(404).send({ error: `service ${service} not found` })
      const doc = agg.document(service)
      if (!doc) {
        const info = agg.services().find((s) => s.service === service)
        return reply
          .code(502)
          .send({ error: info?.error ?? `the OpenAPI document of ${service} has not been fetched yet` })
      }
      // ?view=gateway: this one service as the gateway exposes it (Swagger UI's per-service entry).
      const bytes =
        req.query.view === 'gateway' ? await agg.mergedService(service, gatewayOrigin(req, core)) : doc
      return reply.type('application/json; charset=utf-8').send(bytes ?? doc)
    },
  )
  app.post('/api/openapi/refresh', async () => {
    await agg.refresh()
    return { status: 'refreshed' }
  })
}
