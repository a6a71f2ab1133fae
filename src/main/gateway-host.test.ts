import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import {
  createGatewayHost,
  type GatewayLaunchOptions,
  type HostedGateway,
  type StartGateway,
  startInProcessGateway,
  toLaunchError,
} from './gateway-host.ts'

function fakeStarter() {
  const started: GatewayLaunchOptions[] = []
  const live: (HostedGateway & { events: EventTarget; closed: boolean })[] = []
  const taken = new Set<number>()
  const start: StartGateway = async (options) => {
    started.push(options)
    if (taken.has(options.port)) {
      throw Object.assign(new Error(`port ${options.port} is already in use`), {
        code: 'SP_ERR_SERVER_PORT_IN_USE',
      })
    }
    const gw = {
      url: `http://127.0.0.1:${options.port}`,
      host: '127.0.0.1',
      port: options.port,
      events: new EventTarget(),
      closed: false,
      stats: () => ({ totalRoutes: 2, healthyUpstreams: 1, totalUpstreams: 1 }),
      async close() {
        gw.closed = true
      },
    }
    live.push(gw)
    return gw
  }
  return { start, started, live, taken }
}

const opts = (port: number): GatewayLaunchOptions => ({ host: '127.0.0.1', port, dataDir: '/tmp/sp' })

test('start → running; stop → stopped; restart swaps instances; close is idempotent', async () => {
  const fake = fakeStarter()
  const host = createGatewayHost({ startGateway: fake.start })
  const phases: string[] = []
  host.events.addEventListener('status', (e) =>
    phases.push((e as CustomEvent<{ phase: string }>).detail.phase),
  )
  const status = await host.start(opts(8080))
  assert.equal(status.phase, 'running')
  assert.deepEqual(host.stats(), { totalRoutes: 2, healthyUpstreams: 1, totalUpstreams: 1 })
  await host.restart(opts(8081))
  assert.equal(fake.live[0]?.closed, true)
  assert.equal(host.status.phase === 'running' && host.status.port, 8081)
  await host.stop()
  assert.equal(host.status.phase, 'stopped')
  assert.equal(host.stats(), undefined)
  await host.start(opts(8082))
  await Promise.all([host.close(), host.close()])
  await host.close()
  assert.ok(fake.live.every((g) => g.closed))
  await assert.rejects(host.start(opts(8083)), /closed/)
  assert.deepEqual(phases, [
    'starting',
    'running',
    'stopping',
    'stopped',
    'starting',
    'running',
    'stopping',
    'stopped',
    'starting',
    'running',
    'stopping',
    'stopped',
  ])
})

test('a failed start becomes a failed status with the code, not a rejection', async () => {
  const fake = fakeStarter()
  fake.taken.add(8080)
  const host = createGatewayHost({ startGateway: fake.start })
  const status = await host.start(opts(8080))
  assert.equal(status.phase, 'failed')
  if (status.phase === 'failed') assert.equal(status.error.code, 'SP_ERR_SERVER_PORT_IN_USE')
  assert.equal((await host.start(opts(8081))).phase, 'running')
  await host.close()
})

test('gateway events reach subscribers across restarts; the old instance is unhooked', async () => {
  const fake = fakeStarter()
  const host = createGatewayHost({ startGateway: fake.start })
  const seen: unknown[] = []
  host.events.addEventListener('upstream-health', (e) => seen.push((e as CustomEvent).detail))
  await host.start(opts(8080))
  const first = fake.live[0]
  first?.events.dispatchEvent(new CustomEvent('upstream-health', { detail: { n: 1 } }))
  await host.restart(opts(8081))
  first?.events.dispatchEvent(new CustomEvent('upstream-health', { detail: { n: 'stale' } }))
  fake.live[1]?.events.dispatchEvent(new CustomEvent('upstream-health', { detail: { n: 2 } }))
  assert.deepEqual(seen, [{ n: 1 }, { n: 2 }])
  await host.close()
})

test('operations run one at a time in call order', async () => {
  const fake = fakeStarter()
  const host = createGatewayHost({ startGateway: fake.start })
  const a = host.start(opts(1))
  const b = host.stop()
  const c = host.start(opts(2))
  await Promise.all([a, b, c])
  assert.deepEqual(
    fake.started.map((o) => o.port),
    [1, 2],
  )
  assert.equal(fake.live[0]?.closed, true)
  await host.close()
})

test('unknown errors are normalized', () => {
  assert.deepEqual(toLaunchError('x'), { code: 'SP_ERR_UNKNOWN', message: 'x' })
  assert.deepEqual(toLaunchError(Object.assign(new Error('m'), { code: 'EACCES' })), {
    code: 'EACCES',
    message: 'm',
  })
})

// The real gateway, in this process: what the desktop app runs.
const dataDir = await mkdtemp(join(tmpdir(), 'sp-host-'))
after(() => rm(dataDir, { recursive: true, force: true }))

const realOptions = { host: '127.0.0.1', port: 0, dataDir, discovery: false }

test('real gateway: serves the admin API in-process and reports a taken port', async () => {
  const host = createGatewayHost({ startGateway: startInProcessGateway })
  const status = await host.start(realOptions)
  assert.equal(status.phase, 'running', JSON.stringify(status))
  if (status.phase !== 'running') return
  const stats = await fetch(`${status.url}/gateway/api/stats`)
  assert.equal(stats.status, 200)
  assert.equal(typeof host.stats()?.totalRoutes, 'number')

  const blocker = createServer()
  await new Promise<void>((ok) => blocker.listen(0, '127.0.0.1', ok))
  const port = (blocker.address() as { port: number }).port
  try {
    const failed = await host.restart({ ...realOptions, port })
    assert.equal(failed.phase, 'failed')
    if (failed.phase === 'failed') {
      assert.equal(failed.error.code, 'SP_ERR_SERVER_PORT_IN_USE')
      assert.match(failed.error.message, new RegExp(String(port)))
    }
  } finally {
    blocker.close()
    await host.close()
  }
})

test('real gateway: a restart keeps manual routes (they persist in the data dir)', async (t) => {
  const host = createGatewayHost({ startGateway: startInProcessGateway })
  try {
    const status = await host.start(realOptions)
    assert.equal(status.phase, 'running', JSON.stringify(status))
    if (status.phase !== 'running') return
    const created = await fetch(`${status.url}/gateway/api/routes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ path: '/products', targets: [{ url: 'http://127.0.0.1:9', weight: 1 }] }),
    })
    if (created.status === 404) {
      t.skip('the gateway has no POST /gateway/api/routes yet')
      return
    }
    assert.equal(created.status, 201, await created.clone().text())
    const restarted = await host.restart(realOptions)
    assert.equal(restarted.phase, 'running')
    if (restarted.phase !== 'running') return
    const routes = await (await fetch(`${restarted.url}/gateway/api/routes`)).text()
    assert.match(routes, /manual-\/products/)
  } finally {
    await host.close()
  }
})
