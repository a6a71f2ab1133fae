// The admin API's own OpenAPI document against the routes the real admin app registers: a route with
// no row in ENDPOINTS fails here by name, and so does a row whose route does not exist.
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import Fastify from 'fastify'
import { createGateway } from '../../index.ts'
import { registerAdmin } from '../admin-plugin.ts'

const BASE = '/gateway'

/** Registered by the admin app but not admin API: each with the reason it is left out of the document. */
const NOT_IN_DOCUMENT: readonly { pattern: RegExp; why: string }[] = [
  { pattern: /^\/gateway\/?$/, why: 'the dashboard (its files are served under /gateway/ too)' },
  { pattern: /^\/gateway\/swagger\/(index\.html|\*)?$/, why: "Swagger UI's aliases and static assets" },
  { pattern: /^\/gateway\/management\//, why: 'the service-management dialect (its own specification)' },
  { pattern: /^\/api\/v2\/gateway\//, why: 'the FluxGate dialect (its own specification)' },
]

type Registered = { method: string; url: string }

/** Every method and path the real admin app registers (HEAD mirrors GET, so it is left out). */
async function registeredRoutes(): Promise<{ routes: Registered[]; doc: Record<string, unknown> }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'sallyport-admin-openapi-'))
  // An empty dashboard folder: the built dashboard's files (present or not) are not admin API.
  const dashboardDir = await mkdtemp(join(tmpdir(), 'sallyport-admin-openapi-dashboard-'))
  const gw = await createGateway({ dataDir, dashboardDir, port: 0, discovery: false })
  const app = Fastify({ logger: false })
  const routes: Registered[] = []
  app.addHook('onRoute', (r) => {
    for (const method of [r.method].flat()) if (method !== 'HEAD') routes.push({ method, url: r.url })
  })
  try {
    await registerAdmin(app, await gw.admin())
    await app.ready()
    const res = await app.inject({ url: `${BASE}/api/openapi.json`, headers: { host: 'localhost' } })
    assert.equal(res.statusCode, 200)
    return { routes, doc: res.json() }
  } finally {
    await app.close()
    await gw.close()
    await rm(dataDir, { recursive: true, force: true })
    await rm(dashboardDir, { recursive: true, force: true })
  }
}

/** fastify's `:param` and `*` as a regular expression over concrete paths. */
function matcher(url: string): RegExp {
  const pattern = url
    .split(/(:\w+|\*)/)
    .map((part) =>
      part === '*' ? '.+' : part.startsWith(':') ? '[^/]+' : part.replace(/[.?+^$|()[\]]/g, '\\$&'),
    )
  return new RegExp(`^${pattern.join('')}$`)
}

test('the admin OpenAPI document lists every admin route, and only routes that exist', async () => {
  const { routes, doc } = await registeredRoutes()
  const paths = doc.paths as Record<string, Record<string, unknown>>
  const documented = Object.entries(paths).flatMap(([path, ops]) =>
    Object.keys(ops).map((m) => ({ method: m.toUpperCase(), path, sample: path.replace(/\{\w+\}/g, 'x') })),
  )
  const api = routes.filter((r) => !NOT_IN_DOCUMENT.some((n) => n.pattern.test(r.url)))
  assert.ok(api.length >= 25, `only ${api.length} admin routes found: is the onRoute hook seeing them?`)

  // A wildcard route (`/api/routes/*`) is covered when a documented path of its method falls under it.
  const missing = api
    .filter((r) => !documented.some((d) => d.method === r.method && matcher(r.url).test(d.sample)))
    .map((r) => `${r.method} ${r.url}`)
  const phantom = documented
    .filter((d) => !routes.some((r) => r.method === d.method && matcher(r.url).test(d.sample)))
    .map((d) => `${d.method} ${d.path}`)
  assert.deepEqual(
    { missing, phantom },
    { missing: [], phantom: [] },
    `admin routes with no row in ENDPOINTS (admin-openapi.ts): ${missing.join(', ') || 'none'}; ` +
      `rows with no such route: ${phantom.join(', ') || 'none'}`,
  )
})

test('the issue-20 endpoints are documented with their model schemas and error answers', async () => {
  const { doc } = await registeredRoutes()
  type Operation = { requestBody?: unknown; responses: Record<string, unknown> }
  const paths = doc.paths as Record<string, Record<string, Operation>>
  const op = (path: string, method: string) => paths[path]?.[method]
  const register = op(`${BASE}/api/discovery/register`, 'post')
  assert.deepEqual(register?.requestBody, {
    required: true,
    content: { 'application/json': { schema: { $ref: '#/components/schemas/ServiceRegistration' } } },
  })
  assert.ok(op(`${BASE}/api/discovery/services/{name}`, 'delete'))
  assert.ok(op(`${BASE}/api/circuits/{targetId}/reset`, 'post'))
  const purge = op(`${BASE}/api/cache`, 'delete')
  assert.deepEqual(Object.keys(purge?.responses ?? {}).sort(), ['200', '401', '403', '404'])
  const schemas = (doc.components as { schemas: Record<string, { properties?: object }> }).schemas
  // Every $ref points at a schema the document carries.
  const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/(\w+)"/g)].map((m) => m[1])
  for (const name of new Set(refs)) assert.ok(schemas[name as string], `dangling $ref ${name}`)
  assert.ok(schemas.CachePurgeResult?.properties && schemas.HealthReport?.properties)
  // Operation ids are unique (Swagger UI's deep links use them).
  const ids = Object.values(paths).flatMap((ops) =>
    Object.values(ops).map((o) => (o as { operationId?: string }).operationId),
  )
  assert.equal(new Set(ids).size, ids.length, `duplicate operationId among ${ids.join(', ')}`)
  // Probes answer before the admin guard: no 401/403 documented for them.
  assert.equal(op('/live', 'get')?.responses['403'], undefined)
})
