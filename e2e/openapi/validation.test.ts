import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { eventually, send, startGateway, startUpstream, type Upstream } from '../gateway/helpers.ts'

const doc = {
  openapi: '3.0.3',
  info: { title: 'orders', version: '1' },
  paths: {
    '/orders': {
      post: {
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: {
                type: 'object',
                required: ['sku', 'qty'],
                properties: { sku: { type: 'string' }, qty: { type: 'integer', minimum: 1 } },
              },
            },
          },
        },
        responses: { '201': { description: 'created' } },
      },
      get: {
        responses: {
          '200': {
            description: 'the orders',
            content: {
              'application/json': { schema: { type: 'array', items: { type: 'object', required: ['id'] } } },
            },
          },
        },
      },
    },
    '/orders/{id}': {
      get: {
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'integer' } }],
        responses: { '200': { description: 'ok' } },
      },
    },
  },
}

describe('OpenAPI request validation on a route', () => {
  let up: Upstream
  let gw: Awaited<ReturnType<typeof startGateway>>
  before(async () => {
    up = await startUpstream('orders', (req, res) => {
      if (req.url === '/openapi.json') {
        res.setHeader('content-type', 'application/json')
        res.end(JSON.stringify(doc))
        return
      }
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => {
        res.statusCode = req.method === 'POST' ? 201 : 200
        res.setHeader('content-type', 'application/json')
        res.end(JSON.stringify({ url: req.url, body: Buffer.concat(chunks).toString() }))
      })
    })
    gw = await startGateway({
      routes: [
        {
          path: '/shop/*',
          stripPrefix: true,
          targets: [{ url: up.url }],
          metadata: { openapi: `${up.url}/openapi.json`, openapiValidate: 'both' },
        },
      ],
    })
    // The document is fetched in the background; validation starts once it is loaded.
    await eventually(async () => (await send(`${gw.base}/shop/orders/abc`)).status === 400)
  })
  after(async () => {
    await gw.close()
    await up.close()
  })

  test('a bad body is refused with 400 validation-failed listing each failure; the upstream never sees it', async () => {
    const before = up.hits.filter((h) => h.method === 'POST').length
    const r = await send(`${gw.base}/shop/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sku: 42, qty: 0 }),
    })
    assert.equal(r.status, 400)
    assert.equal(r.headers['content-type'], 'application/problem+json')
    const p = r.json<{ type: string; errors: { in: string; message: string }[] }>()
    assert.equal(p.type, 'https://sallyport.dev/problems/validation-failed')
    assert.ok(p.errors.length >= 2, JSON.stringify(p.errors))
    assert.equal(up.hits.filter((h) => h.method === 'POST').length, before)
  })

  test('a good body is forwarded intact', async () => {
    const body = JSON.stringify({ sku: 'A-1', qty: 2 })
    const r = await send(`${gw.base}/shop/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    })
    assert.equal(r.status, 201)
    assert.deepEqual(r.json(), { url: '/orders', body })
  })

  test('a response that breaks the contract still reaches the client and is counted', async () => {
    // The fixture answers GET /orders with an object, where the document promises an array.
    const r = await send(`${gw.base}/shop/orders`)
    assert.equal(r.status, 200)
    assert.deepEqual(r.json(), { url: '/orders', body: '' })
    const stats = await gw.inject({ url: '/gateway/api/stats/routes', headers: { host: gw.base.slice(7) } })
    const route = stats.json()['config-/shop/*'] as { contractViolations: number }
    assert.equal(route.contractViolations, 1)
    const services = await gw.inject({
      url: '/gateway/api/openapi/services',
      headers: { host: gw.base.slice(7) },
    })
    assert.equal((services.json() as { contractViolations?: number }[])[0]?.contractViolations, 1)
  })

  test('path parameters are checked', async () => {
    assert.equal((await send(`${gw.base}/shop/orders/17`)).status, 200)
    assert.equal((await send(`${gw.base}/shop/orders/x`)).status, 400)
  })
})
