import { request as undiciRequest } from 'undici'
import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { createGateway, type Gateway } from '../../src/gateway/index.ts'
import { type FakeService, type Json, json, manifestFor, startFakeService } from './fixture.ts'

let dataDir: string
let users: FakeService
let plain: FakeService

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'sp-push-'))
  users = await startFakeService('user-service')
  users.manifest = manifestFor('user-service', users)
  plain = await startFakeService('legacy')
})
after(async () => {
  await users.close()
  await plain.close()
  await rm(dataDir, { recursive: true, force: true })
})

async function gateway(): Promise<Gateway> {
  return createGateway({ config: {}, dataDir, port: 0, discovery: false })
}

describe('push registration', () => {
  test('validation errors use the bastion messages', async () => {
    const gw = await gateway()
    try {
      const noName = await gw.inject({
        method: 'POST',
        url: '/gateway/api/discovery/register',
        payload: { address: '127.0.0.1', port: 1 },
      })
      assert.equal(noName.statusCode, 400)
      assert.deepEqual(noName.json(), { error: 'service_name is required' })
      const noAddr = await gw.inject({
        method: 'POST',
        url: '/gateway/api/discovery/register',
        payload: { service_name: 'x' },
      })
      assert.equal(noAddr.statusCode, 400)
      assert.deepEqual(noAddr.json(), { error: 'address and port are required' })
      const del = await gw.inject({ method: 'DELETE', url: '/gateway/api/discovery/services/nope' })
      assert.equal(del.statusCode, 404)
    } finally {
      await gw.close()
    }
  })

  test('a FARP service gets farp routes, proxies, lists, survives a restart, and deregisters', async () => {
    let gw = await gateway()
    try {
      const res = await gw.inject({
        method: 'POST',
        url: '/gateway/api/discovery/register',
        payload: {
          service_id: 'user-svc-01',
          service_name: 'user-service',
          service_version: '1.2.0',
          address: '127.0.0.1',
          port: users.port,
          tags: ['v1'],
          metadata: { 'farp.manifest': '/_farp/manifest' },
          farp_enabled: true,
        },
      })
      assert.equal(res.statusCode, 200)
      assert.deepEqual(res.json(), { status: 'registered', service: 'user-service' })
      const routes = gw.core.watcher.current.routes.filter((r) => r.source === 'farp')
      assert.deepEqual(
        routes.map((r) => r.id),
        ['farp-user-service-http', 'farp-user-service-http-host'],
      )
      assert.equal(routes[0]?.path, '/user-service/*')
      assert.equal(routes[0]?.priority, 20)
      assert.equal(routes[0]?.targets[0]?.healthCheckPath, '/health')
      // The same service by name: user-service.localhost, the path untouched.
      assert.deepEqual(routes[1]?.hosts, ['user-service.localhost'])
      assert.equal(routes[1]?.stripPrefix, false)

      const { url } = await gw.listen()
      const proxied = await fetch(`${url}/user-service/users?limit=3`)
      assert.equal(proxied.status, 200)
      assert.equal((await json(proxied)).path, '/users?limit=3')
      const byName = await undiciRequest(`${url}/users?limit=3`, {
        headers: { host: `user-service.localhost:${new URL(url).port}` },
      })
      assert.equal(byName.statusCode, 200)
      assert.equal(((await byName.body.json()) as Json).path, '/users?limit=3')

      const list = (await (await fetch(`${url}/gateway/api/discovery/services`)).json()) as Json
      assert.ok(Array.isArray(list), JSON.stringify(list))
      assert.equal(list.length, 1)
      assert.equal(list[0].name, 'user-service')
      assert.equal(list[0].version, '1.2.0')
      assert.equal(list[0].routeCount, 2)
      assert.equal(list[0].healthy, true)
      assert.deepEqual(list[0].protocols, ['http'])
      assert.ok(list[0].schemaTypes.includes('openapi'))
      assert.equal(typeof list[0].discoveredAt, 'string')

      const refreshed = await fetch(`${url}/gateway/api/discovery/refresh`, { method: 'POST' })
      assert.deepEqual(await refreshed.json(), { status: 'refreshed' })
      const file = await readFile(join(dataDir, 'registered-services.yaml'), 'utf8')
      assert.match(file, /user-service/)
    } finally {
      await gw.close()
    }
    gw = await gateway()
    try {
      assert.ok(gw.core.watcher.current.routes.some((r) => r.id === 'farp-user-service-http'))
      const del = await gw.inject({ method: 'DELETE', url: '/gateway/api/discovery/services/user-service' })
      assert.deepEqual(del.json(), { status: 'deregistered', service: 'user-service' })
      assert.ok(!gw.core.watcher.current.routes.some((r) => r.source === 'farp'))
    } finally {
      await gw.close()
    }
  })

  test('a non-FARP service gets a discovery catch-all at priority 10', async () => {
    const gw = await gateway()
    try {
      const res = await gw.inject({
        method: 'POST',
        url: '/gateway/api/discovery/register',
        payload: { service_name: 'Legacy_App', address: '127.0.0.1', port: plain.port },
      })
      assert.equal(res.statusCode, 200)
      const route = gw.core.watcher.current.routes.find((r) => r.id === 'discovery-legacy-app')
      assert.ok(route)
      assert.equal(route.priority, 10)
      assert.equal(route.source, 'discovery')
      const { url } = await gw.listen()
      const proxied = await fetch(`${url}/legacy-app/anything`)
      assert.equal((await json(proxied)).path, '/anything')
      await fetch(`${url}/gateway/api/discovery/services/legacy-app`, { method: 'DELETE' })
    } finally {
      await gw.close()
    }
  })
})
