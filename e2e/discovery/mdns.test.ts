// mDNS is multicast: this runs only inside a private network namespace, e.g.
//   unshare --net sh -c 'ip link set lo up && SALLYPORT_MDNS_NETNS=1 node --test e2e/discovery/mdns.test.ts'
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { Bonjour } from 'bonjour-service'
import { announceService } from '../../src/gateway/discovery/index.ts'
import { createGateway, type Gateway } from '../../src/gateway/index.ts'
import { type FakeService, type Json, json, manifestFor, startFakeService } from './fixture.ts'

const inNetns = process.env.SALLYPORT_MDNS_NETNS === '1'
const skip = inNetns ? false : 'mDNS needs a private netns: set SALLYPORT_MDNS_NETNS=1 inside `unshare --net`'
if (skip) console.log(`# SKIP mdns: ${skip}`)

async function until<T>(what: string, fn: () => T | undefined | false, ms = 8000): Promise<T> {
  const end = Date.now() + ms
  for (;;) {
    const v = fn()
    if (v) return v
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

describe('mDNS discovery', { skip }, () => {
  let users: FakeService
  let flat: FakeService
  let gw: Gateway
  let url: string
  before(async () => {
    users = await startFakeService('user-service')
    users.manifest = manifestFor('user-service', users)
    flat = await startFakeService('flat')
    gw = await createGateway({
      port: 0,
      discovery: true,
      config: { discovery: { removalGracePeriod: '1500ms', exclude: ['ignored-*'] } },
    })
    url = (await gw.listen()).url
  })
  after(async () => {
    await gw?.close()
    await users?.close()
    await flat?.close()
  })

  test('an announced FARP service gets routes; it keeps them (503) for the grace period after leaving', async () => {
    const ann = await announceService({
      name: 'user-service',
      port: users.port,
      manifest: `${users.url}/_farp/manifest`,
    })
    try {
      const route = await until('farp route', () =>
        gw.core.watcher.current.routes.find((r) => r.id === 'farp-user-service-http'),
      )
      assert.equal(route.path, '/user-service/*')
      assert.equal(route.targets[0]?.healthCheckPath, '/health')
      const res = await fetch(`${url}/user-service/users`)
      assert.equal((await json(res)).path, '/users')
      await fetch(`${url}/gateway/api/openapi/refresh`, { method: 'POST' })
      const doc = (await (await fetch(`${url}/gateway/openapi.json`)).json()) as Json
      assert.ok(doc.paths['/user-service/users'], Object.keys(doc.paths).join())
    } finally {
      await ann.close()
    }
    const status = await until('unhealthy target', () => {
      const s = [...gw.core.targetStates.all()].find((t) => t.id.includes('/user-service/*') && !t.healthy)
      return s
    })
    assert.equal(status.healthy, false)
    assert.equal((await fetch(`${url}/user-service/users`)).status, 503)
    await until(
      'route removed after grace',
      () => !gw.core.watcher.current.routes.some((r) => r.id === 'farp-user-service-http'),
    )
  })

  test('flat TXT keys without a manifest; both capability encodings; exclude filter', async () => {
    const bonjour = new Bonjour({} as never, () => {})
    bonjour.publish({
      name: 'flat-1',
      type: 'farp',
      port: flat.port,
      txt: {
        'farp.enabled': 'true',
        'farp.service': 'flat',
        'farp.openapi': '/openapi.json',
        'farp.capabilities': 'rest,websocket',
      },
    })
    bonjour.publish({
      name: 'ignored-1',
      type: 'farp',
      port: flat.port,
      txt: { 'farp.enabled': 'true', 'farp.capabilities': '[rest graphql]' },
    })
    bonjour.publish({ name: 'printer', type: 'http', port: flat.port, txt: {} })
    try {
      await until('flat routes', () => gw.core.watcher.current.routes.find((r) => r.id === 'farp-flat-ws'))
      const ids = gw.core.watcher.current.routes.map((r) => r.id)
      assert.ok(ids.includes('farp-flat-http'))
      assert.ok(!ids.some((id) => id.includes('ignored')), ids.join())
      assert.ok(!ids.some((id) => id.includes('printer')), ids.join())
      const list = (await (await fetch(`${url}/gateway/api/discovery/services`)).json()) as Json
      const svc = list.find((s: { name: string }) => s.name === 'flat')
      assert.deepEqual(svc.capabilities, ['rest', 'websocket'])
      assert.equal(svc.source, 'mdns')
    } finally {
      await new Promise<void>((ok) => bonjour.unpublishAll(() => ok()))
      await new Promise<void>((ok) => bonjour.destroy(() => ok()))
    }
  })
})

describe('sallyport announce (the CLI)', { skip }, () => {
  test('a service announced by the CLI gets routes, its document is merged, and they go when it stops', async () => {
    const { spawn } = await import('node:child_process')
    const { cliEntry } = await import('../cli/run-cli.ts')
    const svc = await startFakeService('cli-svc')
    const gw = await createGateway({
      port: 0,
      discovery: true,
      config: { discovery: { removalGracePeriod: '300ms' } },
    })
    const { url } = await gw.listen()
    const child = spawn(
      process.execPath,
      [
        cliEntry,
        'announce',
        '--name',
        'cli-svc',
        '--port',
        String(svc.port),
        '--openapi',
        '/openapi.json',
        '--health',
        '/health',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    )
    let out = ''
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString()
    })
    child.stderr?.on('data', (d: Buffer) => {
      out += d.toString()
    })
    try {
      const route = await until(
        'the announced route',
        () => gw.core.watcher.current.routes.find((r) => r.id === 'farp-cli-svc-http'),
        15_000,
      )
      assert.equal(route.path, '/cli-svc/*')
      assert.equal(route.targets[0]?.healthCheckPath, '/health')
      assert.match(out, /announcing cli-svc on port \d+ over mDNS/)
      const res = await fetch(`${url}/cli-svc/users`)
      assert.equal((await json(res)).path, '/users')
      await fetch(`${url}/gateway/api/openapi/refresh`, { method: 'POST' })
      const doc = (await (await fetch(`${url}/gateway/openapi.json`)).json()) as Json
      assert.ok(
        Object.keys(doc.paths).some((p) => p.startsWith('/cli-svc/')),
        Object.keys(doc.paths).join(),
      )
      // Stopping the CLI says goodbye over mDNS: the routes leave after the grace period.
      child.kill('SIGTERM')
      await until('exit', () => child.exitCode !== null || child.signalCode !== null, 10_000)
      assert.equal(child.exitCode, 0)
      await until(
        'routes removed',
        () => !gw.core.watcher.current.routes.some((r) => r.id === 'farp-cli-svc-http'),
        15_000,
      )
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL')
      await gw.close()
      await svc.close()
    }
  })
})
