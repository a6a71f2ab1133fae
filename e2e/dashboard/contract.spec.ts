// Contract drift in the dashboard: a service changes its OpenAPI document while the gateway watches;
// the API docs page lists what changed with the breaking changes marked, and the route page shows the
// service's changes and its response violations per operation.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, test } from '@playwright/test'
import { GATEWAY_PORT } from './env.ts'
import { type GatewayProcess, startGatewayProcess } from './fixtures/gateway-process.ts'

const PORT = GATEWAY_PORT + 5
const BASE = `http://127.0.0.1:${PORT}`

let gateway: GatewayProcess | undefined
let upstream: Server | undefined
let dir = ''
let document: Record<string, unknown> = {}

const user = { type: 'object', required: ['name'], properties: { name: { type: 'string' } } }
const v1 = {
  openapi: '3.0.3',
  info: { title: 'Orders', version: '1.0.0' },
  paths: {
    '/orders': {
      get: { responses: { 200: { description: 'ok' } } },
      post: { responses: { 201: { description: 'ok' } } },
    },
    '/orders/{id}': { get: { responses: { 200: { description: 'ok' } } } },
  },
}
const v2 = {
  ...v1,
  info: { title: 'Orders', version: '2.0.0' },
  paths: {
    '/orders': { get: { responses: { 200: { description: 'ok' } } } },
    '/orders/{id}': {
      get: { responses: { 200: { description: 'ok', content: { 'application/json': { schema: user } } } } },
    },
    '/orders/{id}/items': { get: { responses: { 200: { description: 'ok' } } } },
  },
}

test.beforeAll(async () => {
  document = v1
  upstream = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify(req.url === '/openapi.json' ? document : { id: 1 }))
  })
  await new Promise<void>((r) => upstream?.listen(0, '127.0.0.1', r))
  const port = (upstream.address() as { port: number }).port
  dir = mkdtempSync(join(tmpdir(), 'sallyport-contract-e2e-'))
  const config = join(dir, 'orders.yaml')
  writeFileSync(
    config,
    [
      'routes:',
      '  - id: orders',
      '    path: /orders-svc/*',
      '    stripPrefix: true',
      '    serviceName: orders',
      `    targets: [{ url: "http://127.0.0.1:${port}" }]`,
      '    metadata: { openapi: /openapi.json, openapiValidate: response }',
      '',
    ].join('\n'),
  )
  gateway = await startGatewayProcess({
    port: PORT,
    configFile: config,
    dataDir: join(dir, 'data'),
    name: 'contract gateway',
  })
  await fetch(`${BASE}/gateway/api/openapi/refresh`, { method: 'POST' })
  document = v2
  await fetch(`${BASE}/gateway/api/openapi/refresh`, { method: 'POST' })
  // {id: 1} has no `name`, which version 2 requires of GET /orders/{id}.
  for (let i = 0; i < 2; i++) await fetch(`${BASE}/orders-svc/orders/${i}`)
})

test.afterAll(async () => {
  await gateway?.stop()
  await new Promise((r) => upstream?.close(r))
  if (dir) rmSync(dir, { recursive: true, force: true })
})

test('the API docs page lists how a document changed, breaking changes first in view', async ({ page }) => {
  await page.goto(`${BASE}/gateway/#/api-docs`)
  const drift = page.getByRole('region', { name: 'Contract changes' })
  await expect(drift).toContainText('orders 1.0.0 → 2.0.0')
  await expect(drift).toContainText('1 added, 1 removed, 1 changed operation(s)')
  await expect(drift.getByText('1 breaking')).toBeVisible()
  // The newest breaking change is open: its items are readable without a click.
  const items = drift.getByRole('listitem').filter({ hasText: 'POST /orders' })
  await expect(items.first()).toContainText('breaking')
  await expect(items.first()).toContainText('removed')
})

test('the route page shows the service contract: changes and response violations per operation', async ({
  page,
}) => {
  await page.goto(`${BASE}/gateway/#/routes?id=orders`)
  const card = page.getByRole('region', { name: 'Contract' })
  await expect(card).toContainText('OpenAPI document of orders (Orders): 3 operation(s)')
  const table = card.getByRole('table', { name: 'Response violations of orders per operation' })
  await expect(table.getByRole('row', { name: /GET \/orders\/\{id\}/ })).toContainText('2')
  await expect(table).toContainText('name')
  await expect(card).toContainText('1.0.0 → 2.0.0')
})
