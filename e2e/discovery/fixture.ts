// A loopback service that speaks FARP: manifest, OpenAPI document, health, and a /users API.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface FakeService {
  readonly url: string
  readonly port: number
  manifest: Record<string, unknown> | undefined
  openapi: Record<string, unknown> | string
  hits: string[]
  close(): Promise<void>
}

export const usersOpenApi = {
  openapi: '3.0.3',
  info: { title: 'Users', version: '1.2.0' },
  paths: {
    '/users': {
      get: {
        operationId: 'listUsers',
        parameters: [{ name: 'limit', in: 'query', schema: { type: 'integer', maximum: 100 } }],
        responses: { 200: { description: 'ok' } },
      },
      post: {
        operationId: 'createUser',
        requestBody: {
          required: true,
          content: { 'application/json': { schema: { $ref: '#/components/schemas/User' } } },
        },
        responses: { 201: { description: 'created' } },
      },
    },
    '/users/{id}': {
      get: {
        operationId: 'getUser',
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'integer' } }],
        responses: { 200: { description: 'ok' } },
      },
    },
  },
  components: {
    schemas: {
      User: {
        type: 'object',
        required: ['name'],
        properties: { name: { type: 'string', minLength: 1 }, email: { type: 'string', nullable: true } },
      },
    },
  },
}

export async function startFakeService(name: string): Promise<FakeService> {
  const svc: FakeService = {
    url: '',
    port: 0,
    manifest: undefined,
    openapi: structuredClone(usersOpenApi),
    hits: [],
    close: async () => {},
  }
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] as string
    svc.hits.push(`${req.method} ${req.url}`)
    if (path === '/_farp/manifest' && svc.manifest) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(svc.manifest))
    } else if (path === '/openapi.json') {
      const body = typeof svc.openapi === 'string' ? svc.openapi : JSON.stringify(svc.openapi)
      res.writeHead(200, { 'content-type': 'application/json' }).end(body)
    } else if (path === '/health') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}')
    } else {
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ service: name, method: req.method, path: req.url }))
    }
  })
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok))
  const port = (server.address() as AddressInfo).port
  Object.assign(svc, {
    port,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections()
        server.close(() => ok())
      }),
  })
  return svc
}

export function manifestFor(name: string, svc: FakeService, extra: Record<string, unknown> = {}) {
  return {
    version: '1.0.1',
    service_name: name,
    service_version: '1.2.0',
    instance_id: `${name}-1`,
    schemas: [
      { type: 'openapi', spec_version: '3.0.3', location: { type: 'http', url: `${svc.url}/openapi.json` } },
    ],
    capabilities: ['rest'],
    endpoints: { health: '/health', openapi: '/openapi.json' },
    routing: { strategy: 'service' },
    ...extra,
  }
}

/** Parsed JSON answers in tests, read loosely. */
// biome-ignore lint/suspicious/noExplicitAny: test assertions read arbitrary JSON
export type Json = any

export async function json(res: Response | Promise<Response>): Promise<Json> {
  return (await res).json()
}
