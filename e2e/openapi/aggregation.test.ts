import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { createGateway, type Gateway } from '../../src/gateway/index.ts'
import { type FakeService, type Json, startFakeService } from '../discovery/fixture.ts'

let users: FakeService
let broken: FakeService
let gw: Gateway
let url: string

before(async () => {
  users = await startFakeService('users')
  broken = await startFakeService('broken')
  broken.openapi = 'this: [is not openapi'
  gw = await createGateway({
    port: 0,
    discovery: false,
    config: {
      routes: [
        {
          path: '/users-svc/*',
          stripPrefix: true,
          serviceName: 'users',
          targets: [{ url: users.url }],
          metadata: { openapi: '/openapi.json', openapiValidate: 'request' },
        },
        {
          path: '/broken/*',
          stripPrefix: true,
          serviceName: 'broken',
          targets: [{ url: broken.url }],
          metadata: { openapi: '/openapi.json' },
        },
        {
          path: '/gone/*',
          serviceName: 'gone',
          targets: [{ url: 'http://127.0.0.1:1' }],
          metadata: { openapi: '/openapi.json' },
        },
      ],
    },
  })
  url = (await gw.listen()).url
  await fetch(`${url}/gateway/api/openapi/refresh`, { method: 'POST' })
})
after(async () => {
  await gw.close()
  await users.close()
  await broken.close()
})

test('merged document: config routes declaring an OpenAPI doc, servers = gateway, broken ones reported', async () => {
  const doc = (await (await fetch(`${url}/gateway/openapi.json`)).json()) as Json
  assert.equal(doc.openapi, '3.1.0')
  assert.deepEqual(
    doc.servers.map((s: { url: string }) => s.url),
    [url],
  )
  assert.ok(doc.paths['/users-svc/users'])
  assert.ok(doc.paths['/users-svc/users/{id}'])
  assert.ok(doc['x-sallyport-errors'].broken)
  assert.ok(doc['x-sallyport-errors'].gone)
})

test('service listing and the per-service document before merging', async () => {
  const list = (await (await fetch(`${url}/gateway/api/openapi/services`)).json()) as Json
  const byName = Object.fromEntries(list.map((s: { service: string }) => [s.service, s]))
  assert.equal(byName.users.status, 'ok')
  assert.equal(byName.users.specVersion, '3.0.3')
  assert.equal(byName.users.prefix, '/users-svc')
  assert.equal(byName.broken.status, 'error')
  assert.equal(byName.gone.status, 'error')
  const one = (await (await fetch(`${url}/gateway/api/openapi/services/users`)).json()) as Json
  assert.equal(one.openapi, '3.0.3')
  assert.ok(one.paths['/users'])
  const asGateway = (await (
    await fetch(`${url}/gateway/api/openapi/services/users?view=gateway`)
  ).json()) as Json
  assert.ok(asGateway.paths['/users-svc/users'])
  assert.equal((await fetch(`${url}/gateway/api/openapi/services/nope`)).status, 404)
  const refreshed = await fetch(`${url}/gateway/api/openapi/refresh`, { method: 'POST' })
  assert.deepEqual(await refreshed.json(), { status: 'refreshed' })
})

test('Swagger UI page and assets', async () => {
  for (const path of ['/gateway/swagger', '/gateway/swagger/']) {
    const page = await fetch(`${url}${path}`)
    assert.equal(page.status, 200)
    const html = await page.text()
    assert.match(html, /validatorUrl: null/)
    assert.match(html, /"\/gateway"/)
    assert.match(html, /'\/openapi\.json'/)
  }
  const js = await fetch(`${url}/gateway/swagger/swagger-ui-bundle.js`)
  assert.equal(js.status, 200)
  await js.arrayBuffer()
  const css = await fetch(`${url}/gateway/swagger/swagger-ui.css`)
  assert.equal(css.status, 200)
  await css.arrayBuffer()
})

test('validateRequest for a route with openapiValidate', async () => {
  const agg = (await gw.admin()).openapi
  const routeId = gw.core.watcher.current.routes.find((r) => r.serviceName === 'users')?.id as string
  const base = { headers: {}, query: new URLSearchParams() }
  assert.deepEqual(agg.validateRequest(routeId, { ...base, method: 'GET', path: '/users-svc/users/7' }), [])
  assert.equal(
    agg.validateRequest(routeId, { ...base, method: 'GET', path: '/users-svc/users/x' })?.length,
    1,
  )
  assert.equal(agg.needsBody(routeId, 'POST', '/users-svc/users'), true)
  const brokenId = gw.core.watcher.current.routes.find((r) => r.serviceName === 'broken')?.id as string
  assert.equal(agg.validateRequest(brokenId, { ...base, method: 'GET', path: '/broken/x' }), undefined)
})
