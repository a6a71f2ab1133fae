import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createGateway, GatewayError } from '../../src/gateway/index.ts'
import { api, hostOf, startGateway } from './helpers.ts'

const route = { path: '/p', targets: [{ url: 'http://a:1' }] }

test('Host must name the gateway; foreign Host gets 403 and nothing changes', async (t) => {
  const gw = await startGateway(t, { admin: { allowedHosts: ['dev.example.test'] } }, { listen: true })
  const port = new URL(gw.url as string).port
  for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, 'dev.example.test'])
    assert.equal((await gw.inject({ url: '/gateway/api/stats', headers: { host } })).statusCode, 200, host)
  for (const host of ['evil.example:' + port, `localhost:${Number(port) + 1}`, 'rebind.attacker.test']) {
    const r = await gw.inject({
      method: 'POST',
      url: '/gateway/api/routes',
      headers: { host },
      payload: route,
    })
    assert.equal(r.statusCode, 403, host)
    assert.match(r.json().error, /host not allowed/)
  }
  assert.equal((await api(gw)({ url: '/gateway/api/routes' })).json().length, 0)
  // Probes stay open.
  assert.equal((await gw.inject({ url: '/live', headers: { host: 'evil.example' } })).statusCode, 200)
})

test('a write with a foreign Origin is refused; the own origin and no origin are accepted', async (t) => {
  const gw = await startGateway(t, {}, { listen: true })
  const call = api(gw)
  const bad = await call({
    method: 'POST',
    url: '/gateway/api/routes',
    headers: { origin: 'http://evil.example' },
    payload: route,
  })
  assert.equal(bad.statusCode, 403)
  assert.match(bad.json().error, /cross-origin/)
  const nul = await call({
    method: 'POST',
    url: '/gateway/api/routes',
    headers: { origin: 'null' },
    payload: route,
  })
  assert.equal(nul.statusCode, 403)
  assert.equal((await call({ url: '/gateway/api/routes' })).json().length, 0)
  const own = await call({
    method: 'POST',
    url: '/gateway/api/routes',
    headers: { origin: gw.url as string },
    payload: route,
  })
  assert.equal(own.statusCode, 201)
  // Reads from a foreign origin are harmless (the browser's same-origin policy hides the answer).
  assert.equal(
    (await call({ url: '/gateway/api/stats', headers: { origin: 'http://evil.example' } })).statusCode,
    200,
  )
  void hostOf
})

test('admin credentials: api key, bearer, basic; 401 otherwise; probes stay open', async (t) => {
  const gw = await startGateway(t, {
    admin: {
      auth: {
        apiKey: 'key-12345678',
        bearerToken: 'token-12345678',
        basic: { username: 'u', password: 'p' },
      },
    },
  })
  const url = '/gateway/api/stats'
  assert.equal((await gw.inject({ url })).statusCode, 401)
  assert.deepEqual((await gw.inject({ url })).json(), { error: 'admin credentials required' })
  assert.equal((await gw.inject({ url, headers: { 'x-api-key': 'wrong-key-123' } })).statusCode, 401)
  assert.equal((await gw.inject({ url, headers: { 'x-api-key': 'key-12345678' } })).statusCode, 200)
  assert.equal(
    (await gw.inject({ url, headers: { authorization: 'Bearer token-12345678' } })).statusCode,
    200,
  )
  const basic = `Basic ${Buffer.from('u:p').toString('base64')}`
  assert.equal((await gw.inject({ url, headers: { authorization: basic } })).statusCode, 200)
  assert.equal((await gw.inject({ url: '/metrics' })).statusCode, 401)
  assert.equal((await gw.inject({ url: '/ready' })).statusCode, 503)
  assert.equal((await gw.inject({ url: '/live' })).statusCode, 200)
})

test('a non-loopback bind without credentials is refused before listening', async () => {
  await assert.rejects(
    createGateway({ host: '0.0.0.0', port: 0, discovery: false }),
    (err: unknown) =>
      err instanceof GatewayError &&
      err.code === 'SP_ERR_SERVER_INSECURE_BIND' &&
      /admin\.auth/.test(err.message),
  )
  const ok = await createGateway({
    host: '0.0.0.0',
    port: 0,
    discovery: false,
    config: { admin: { auth: { apiKey: 'key-12345678' } } },
  })
  await ok.close()
})
