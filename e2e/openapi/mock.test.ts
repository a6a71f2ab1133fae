// Mock answers from a service's OpenAPI document against a real gateway and a real loopback upstream
// serving its document: `always` never calls the upstream; `fallback` answers once it is gone.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { eventually, send, startGateway, startUpstream, type Upstream } from '../gateway/helpers.ts'

const doc = {
  openapi: '3.0.3',
  info: { title: 'pets', version: '1' },
  paths: {
    '/pets': {
      get: {
        responses: {
          '200': {
            description: 'pets',
            content: {
              'application/json': {
                schema: {
                  type: 'array',
                  items: {
                    type: 'object',
                    required: ['id', 'name'],
                    properties: {
                      id: { type: 'integer', minimum: 1 },
                      name: { type: 'string' },
                      born: { type: 'string', format: 'date-time' },
                    },
                  },
                },
              },
            },
          },
        },
      },
      post: {
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } },
            },
          },
        },
        responses: {
          '201': {
            description: 'made',
            content: { 'application/json': { example: { id: 9, name: 'Rex' } } },
          },
          '422': {
            description: 'bad',
            content: { 'application/json': { example: { message: 'name is required' } } },
          },
        },
      },
    },
    '/pets/{id}': {
      get: {
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'integer' } }],
        responses: {
          '200': {
            description: 'a pet',
            content: {
              'application/json': {
                examples: {
                  cat: { value: { id: 1, name: 'Fluffy' } },
                  dog: { value: { id: 2, name: 'Spot' } },
                },
              },
            },
          },
          '404': {
            description: 'none',
            content: { 'application/json': { example: { message: 'no such pet' } } },
          },
        },
      },
    },
  },
}

type Row = { path: string; outcome: string; status: number; target: string }

describe('mock answers from the OpenAPI document (route option mock)', () => {
  let up: Upstream
  let gw: Awaited<ReturnType<typeof startGateway>>
  const admin = (opts: { url: string; method?: 'GET' | 'POST'; payload?: unknown }) =>
    gw.inject({ ...opts, headers: { host: gw.base.slice(7) } } as Parameters<typeof gw.inject>[0])
  const upstreamHits = () => up.hits.filter((h) => h.url !== '/openapi.json').length

  before(async () => {
    up = await startUpstream('pets', (req, res) => {
      res.setHeader('content-type', 'application/json')
      if (req.url === '/openapi.json') res.end(JSON.stringify(doc))
      else res.end(JSON.stringify({ real: true, url: req.url }))
    })
    gw = await startGateway({
      routes: [
        {
          id: 'pets',
          path: '/pets/*',
          stripPrefix: true,
          serviceName: 'pets',
          targets: [{ url: up.url }],
          mock: 'fallback',
          healthCheck: { passiveFailures: 0 },
          circuitBreaker: { maxFailures: 2, openTimeout: '1h' },
          metadata: { openapi: `${up.url}/openapi.json` },
        },
        {
          id: 'pets-mock',
          path: '/mock/*',
          stripPrefix: true,
          serviceName: 'pets',
          targets: [{ url: up.url }],
          mock: { mode: 'always', seed: 7 },
        },
        {
          id: 'pets-prefixed',
          path: '/pp/*',
          stripPrefix: true,
          addPrefix: '/pets',
          serviceName: 'pets',
          targets: [{ url: up.url }],
          mock: 'always',
        },
      ],
    })
    // The document loads in the background; mock answers start with it.
    await eventually(async () => (await send(`${gw.base}/mock/pets/1`)).status === 200)
  })
  after(async () => {
    await gw.close()
    await up.close()
  })

  test('always: the first example answers, marked X-Sallyport-Mock, and the upstream is never called', async () => {
    const before = upstreamHits()
    const r = await send(`${gw.base}/mock/pets/1`)
    assert.equal(r.status, 200)
    assert.equal(r.headers['x-sallyport-mock'], 'true')
    assert.equal(r.headers['content-type'], 'application/json')
    assert.deepEqual(r.json(), { id: 1, name: 'Fluffy' })
    assert.deepEqual((await send(`${gw.base}/mock/pets/1`, { headers: { prefer: 'example=dog' } })).json(), {
      id: 2,
      name: 'Spot',
    })
    assert.equal(upstreamHits(), before)
  })

  test('the operation is found at the path the upstream would get: stripPrefix and addPrefix applied', async () => {
    assert.deepEqual((await send(`${gw.base}/pp/1`)).json(), { id: 1, name: 'Fluffy' })
  })

  test('Prefer: code=404 answers the 404 the document declares', async () => {
    const r = await send(`${gw.base}/mock/pets/1`, { headers: { prefer: 'code=404' } })
    assert.equal(r.status, 404)
    assert.equal(r.headers['x-sallyport-mock'], 'true')
    assert.deepEqual(r.json(), { message: 'no such pet' })
  })

  test('a schema without examples answers generated data: valid, the same for the same request', async () => {
    const a = await send(`${gw.base}/mock/pets`)
    const b = await send(`${gw.base}/mock/pets`)
    assert.equal(a.status, 200)
    assert.equal(a.body.toString(), b.body.toString())
    const pets = a.json<{ id: number; name: string; born: string }[]>()
    assert.ok(pets.length > 0 && Number.isInteger(pets[0]?.id) && typeof pets[0]?.name === 'string')
    assert.ok(!Number.isNaN(Date.parse(pets[0]?.born ?? '')))
    assert.equal(a.headers['x-sallyport-mock-violations'], undefined)
  })

  test('the request is validated first; an unknown operation and an unacceptable type are problems', async () => {
    const bad = await send(`${gw.base}/mock/pets`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ nick: 'x' }),
    })
    assert.equal(bad.status, 422)
    assert.deepEqual(bad.json(), { message: 'name is required' })
    const good = await send(`${gw.base}/mock/pets`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Rex' }),
    })
    assert.equal(good.status, 201)
    const none = await send(`${gw.base}/mock/owners`)
    assert.equal(none.status, 404)
    assert.equal(none.headers['content-type'], 'application/problem+json')
    assert.equal(none.json().detail, "no operation GET /owners in pets's document")
    const png = await send(`${gw.base}/mock/pets/1`, { headers: { accept: 'image/png' } })
    assert.equal(png.status, 406)
    assert.equal(png.json().type, 'https://sallyport.dev/problems/not-acceptable')
  })

  test('fallback: the upstream answers while it is up; once it is stopped (refused, then circuit open) the document does', async () => {
    const live = await send(`${gw.base}/pets/pets/1`)
    assert.deepEqual(live.json(), { real: true, url: '/pets/1' })
    assert.equal(live.headers['x-sallyport-mock'], undefined)
    await up.close()
    // Refused twice, then the circuit is open and no attempt is made: every answer is the document's.
    for (let i = 0; i < 4; i++) {
      const r = await send(`${gw.base}/pets/pets/1`)
      assert.equal(r.status, 200)
      assert.equal(r.headers['x-sallyport-mock'], 'true')
      assert.deepEqual(r.json(), { id: 1, name: 'Fluffy' })
    }
    const route = gw.core.watcher.current.routes.find((r) => r.id === 'pets')
    const target = route?.targets[0]?.id as string
    assert.equal(
      gw.core.targetStates.peek(target)?.circuitState,
      'open',
      'the last answers met an open circuit',
    )
  })

  test('the inspector records mock answers with outcome mock', async () => {
    const rows = (await admin({ url: '/gateway/api/requests?outcome=mock' })).json() as Row[]
    assert.ok(
      rows.some((r) => r.path === '/pets/pets/1' && r.status === 200),
      JSON.stringify(rows),
    )
    assert.ok(rows.some((r) => r.path === '/mock/pets/1' && r.target === ''))
    assert.ok(rows.every((r) => r.outcome === 'mock'))
  })

  test("the route's page lists the option among its policies", async () => {
    const detail = (await admin({ url: '/gateway/api/routes/pets-mock' })).json() as {
      policies: { mock?: unknown }
    }
    assert.deepEqual(detail.policies.mock, { mode: 'always', seed: 7, service: 'pets' })
    const summary = (await admin({ url: '/gateway/api/routes-summary' })).json() as {
      routes: Record<string, { policies: string[] }>
    }
    assert.ok(summary.routes.pets?.policies.includes('mock'))
  })

  test('the native admin API takes the option on a route; a bad value is refused and changes nothing', async () => {
    const made = await admin({
      url: '/gateway/api/routes',
      method: 'POST',
      payload: {
        path: '/pm/*',
        stripPrefix: true,
        serviceName: 'pets',
        targets: [{ url: up.url }],
        mock: 'always',
      },
    })
    assert.equal(made.statusCode, 201, made.body)
    await eventually(async () => (await send(`${gw.base}/api/pm/pets/1`)).status === 200)
    assert.equal((await send(`${gw.base}/api/pm/pets/1`)).headers['x-sallyport-mock'], 'true')
    const bad = await admin({
      url: '/gateway/api/routes',
      method: 'POST',
      payload: { path: '/pn/*', targets: [{ url: up.url }], mock: 'sometimes' },
    })
    assert.equal(bad.statusCode, 400)
    assert.equal((await send(`${gw.base}/api/pn/x`)).status, 404)
  })
})

test("a real document answers valid data everywhere: the gateway mocks its own admin API's document", async () => {
  const gw = await startGateway({})
  try {
    const host = gw.base.slice(7)
    const made = await gw.inject({
      url: '/gateway/api/routes',
      method: 'POST',
      headers: { host },
      payload: {
        path: '/self/*',
        stripPrefix: true,
        targets: [{ url: gw.base }],
        mock: 'always',
        metadata: { openapi: `${gw.base}/gateway/api/openapi.json` },
      },
    })
    assert.equal(made.statusCode, 201, made.body)
    const doc = (await gw.inject({ url: '/gateway/api/openapi.json', headers: { host } })).json() as {
      paths: Record<string, Record<string, unknown>>
    }
    await eventually(async () => (await send(`${gw.base}/api/self/gateway/api/stats`)).status === 200)
    let answered = 0
    for (const [template, item] of Object.entries(doc.paths))
      for (const method of Object.keys(item)) {
        for (const prefer of ['', 'dynamic=true']) {
          const path = template.replace(/\{[^}]+\}/g, 'x1')
          const r = await send(`${gw.base}/api/self${path}`, {
            method: method.toUpperCase(),
            headers: prefer ? { prefer } : {},
          })
          assert.equal(r.headers['x-sallyport-mock'], 'true', `${method} ${path}`)
          assert.equal(r.headers['x-sallyport-mock-violations'], undefined, `${method} ${path} ${prefer}`)
          if (r.status < 300) answered++
        }
      }
    assert.ok(answered >= 60, `${answered} answers`)
  } finally {
    await gw.close()
  }
})
