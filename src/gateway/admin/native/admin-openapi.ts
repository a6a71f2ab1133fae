// The admin API's own OpenAPI document, generated from the same TypeBox schemas that validate the
// bodies and shape the answers (GET <base>/api/openapi.json). Built once per gateway.
import type { FastifyInstance } from 'fastify'
import type { GatewayCore } from '../../core.ts'
import {
  ConfigView,
  ErrorBody,
  GatewayStats,
  ReplayResult,
  RequestRecord,
  RouteInput,
  RouteStats,
  RouteView,
  StatusBody,
  UpstreamView,
} from '../../model/index.ts'

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` })
const json = (schema: unknown, description = 'OK') => ({
  description,
  content: { 'application/json': { schema } },
})
const error = (description: string) => json(ref('ErrorBody'), description)
const idParam = {
  name: 'id',
  in: 'path',
  required: true,
  description: 'route id, raw (`manual-/products`) or URL-encoded',
  schema: { type: 'string' },
}

export function adminOpenApi(core: GatewayCore): Record<string, unknown> {
  const base = core.watcher.current.settings.adminBasePath
  const route = `${base}/api/routes/{id}`
  const write = { '400': error('invalid body'), '403': error('host or origin refused') }
  return {
    openapi: '3.1.0',
    info: { title: 'Sallyport admin API', version: core.version },
    servers: [{ url: '/' }],
    paths: {
      [`${base}/api/routes`]: {
        get: {
          summary: 'List all routes',
          parameters: [
            { name: 'source', in: 'query', schema: { type: 'string' } },
            { name: 'protocol', in: 'query', schema: { type: 'string' } },
          ],
          responses: { '200': json({ type: 'array', items: ref('RouteView') }) },
        },
        post: {
          summary: 'Create a manual route',
          requestBody: { required: true, content: { 'application/json': { schema: ref('RouteInput') } } },
          responses: {
            '201': json(ref('RouteView'), 'created'),
            ...write,
            '409': error('route already exists'),
            '413': error('body too large'),
          },
        },
      },
      [route]: {
        parameters: [idParam],
        get: {
          summary: 'Get a route with full target statistics',
          responses: { '200': json(ref('RouteView')), '404': error('route not found') },
        },
        put: {
          summary: 'Update a manual route',
          requestBody: { required: true, content: { 'application/json': { schema: ref('RouteInput') } } },
          responses: { '200': json(ref('RouteView')), ...write, '404': error('route not found') },
        },
        delete: {
          summary: 'Delete a manual route',
          responses: { '200': json(ref('StatusBody')), ...write, '404': error('route not found') },
        },
      },
      [`${route}/enable`]: {
        parameters: [idParam],
        post: { summary: 'Enable a route (any source)', responses: { '200': json(ref('StatusBody')) } },
      },
      [`${route}/disable`]: {
        parameters: [idParam],
        post: { summary: 'Disable a route (any source)', responses: { '200': json(ref('StatusBody')) } },
      },
      [`${base}/api/upstreams`]: {
        get: {
          summary: 'List all targets',
          responses: { '200': json({ type: 'array', items: ref('UpstreamView') }) },
        },
      },
      [`${base}/api/stats`]: {
        get: { summary: 'Gateway statistics', responses: { '200': json(ref('GatewayStats')) } },
      },
      [`${base}/api/stats/routes`]: {
        get: {
          summary: 'Per-route statistics, by route id',
          responses: { '200': json({ type: 'object', additionalProperties: ref('RouteStats') }) },
        },
      },
      [`${base}/api/config`]: {
        get: {
          summary:
            'Effective configuration, secrets redacted, with every problem that kept part of a save out',
          responses: { '200': json(ref('ConfigView')) },
        },
      },
      [`${base}/api/requests`]: {
        get: {
          summary: 'Recent proxied requests (newest first)',
          parameters: [
            { name: 'route', in: 'query', schema: { type: 'string' } },
            { name: 'status', in: 'query', description: 'e.g. 404 or 5xx', schema: { type: 'string' } },
          ],
          responses: { '200': json({ type: 'array', items: ref('RequestRecord') }) },
        },
      },
      [`${base}/api/requests/{id}/replay`]: {
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
        post: {
          summary: 'Send a recorded request again through the gateway',
          responses: { '200': json(ref('ReplayResult')), '404': error('request not found') },
        },
      },
      [`${base}/ws`]: {
        get: {
          summary: 'WebSocket: {type:"stats"|"routes", data} every stats interval',
          responses: { '101': { description: 'switching protocols' }, '503': error('realtime not enabled') },
        },
      },
    },
    components: {
      schemas: JSON.parse(
        JSON.stringify({
          RouteInput,
          RouteView,
          UpstreamView,
          GatewayStats,
          RouteStats,
          RequestRecord,
          ReplayResult,
          ErrorBody,
          StatusBody,
          ConfigView,
        }),
      ),
    },
  }
}

export function registerAdminOpenApi(app: FastifyInstance, core: GatewayCore): void {
  let doc: string | undefined
  app.get('/api/openapi.json', async (_req, reply) => {
    doc ??= JSON.stringify(adminOpenApi(core))
    return reply.type('application/json; charset=utf-8').send(doc)
  })
}
