// Native API, discovery: push registration, listing, deregistration, forced re-scan (bastion).
import type { FastifyInstance } from 'fastify'
import type { Discovery } from '../../discovery/index.ts'
import { isGatewayError } from '../../errors.ts'
import {
  DiscoveredServiceView,
  ErrorBody,
  type ServiceChangeResult,
  type ServiceRegistration,
} from '../../model/index.ts'
import Type from 'typebox'

export function registerDiscoveryApi(app: FastifyInstance, d: Discovery): void {
  app.get(
    '/api/discovery/services',
    { schema: { response: { 200: Type.Array(DiscoveredServiceView), 503: ErrorBody } } },
    async () => d.services(),
  )
  app.post('/api/discovery/refresh', async () => {
    await d.refresh()
    return { status: 'refreshed' }
  })
  app.post('/api/discovery/register', async (req, reply) => {
    const body = req.body
    if (!body || typeof body !== 'object' || Array.isArray(body))
      return reply.code(400).send({ error: 'request body must be a JSON object' })
    const b = body as Record<string, unknown>
    if (typeof b.service_name !== 'string' || b.service_name.trim() === '')
      return reply.code(400).send({ error: 'service_name is required' })
    const port = typeof b.port === 'string' && /^\d+$/.test(b.port) ? Number(b.port) : b.port
    if (typeof b.address !== 'string' || b.address === '' || typeof port !== 'number' || port <= 0)
      return reply.code(400).send({ error: 'address and port are required' })
    if (!Number.isInteger(port) || port > 65535)
      return reply.code(400).send({ error: 'port must be an integer from 1 to 65535' })
    const tags = Array.isArray(b.tags) ? b.tags.map(String) : undefined
    const metadata =
      b.metadata && typeof b.metadata === 'object' && !Array.isArray(b.metadata)
        ? Object.fromEntries(Object.entries(b.metadata).map(([k, v]) => [k, String(v)]))
        : undefined
    const reg: ServiceRegistration = {
      service_name: b.service_name.trim(),
      address: b.address,
      port,
      ...(typeof b.service_id === 'string' && b.service_id ? { service_id: b.service_id } : {}),
      ...(typeof b.service_version === 'string' ? { service_version: b.service_version } : {}),
      ...(tags ? { tags } : {}),
      ...(metadata ? { metadata } : {}),
      ...(typeof b.farp_enabled === 'boolean' ? { farp_enabled: b.farp_enabled } : {}),
    }
    try {
      return await d.register(reg)
    } catch (err) {
      if (isGatewayError(err)) return reply.code(err.status).send({ error: err.message })
      throw err
    }
  })
  app.delete<{ Params: { name: string } }>('/api/discovery/services/:name', async (req, reply) => {
    const name = req.params.name
    if (!(await d.deregister(name))) return reply.code(404).send({ error: `service ${name} not found` })
    return { status: 'deregistered', service: name } satisfies ServiceChangeResult
  })
}
