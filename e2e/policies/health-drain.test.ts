import assert from 'node:assert/strict'
import { after, describe, test } from 'node:test'
import { call, startGateway, until } from '../fixtures/gateway.ts'
import { echo, flaky, refusingUrl, slow } from '../fixtures/upstreams.ts'

const closers: (() => Promise<void>)[] = []
after(async () => {
  for (const c of closers.reverse()) await c()
})

test('active health check takes a failing target out and brings it back', async () => {
  let up = true
  const a = await flaky({ name: 'a', fails: () => false, healthy: () => up })
  const b = await echo('b')
  closers.push(
    () => a.close(),
    () => b.close(),
  )
  const g = await startGateway({
    routes: [
      {
        path: '/hc',
        targets: [{ url: a.url }, { url: b.url }],
        healthCheck: { path: '/health', interval: '30ms', unhealthyThreshold: 2, healthyThreshold: 2 },
      },
    ],
  })
  closers.push(() => g.close())
  const aId = g.gw.core.watcher.current.routes[0]?.targets[0]?.id as string
  up = false
  await until(() => g.gw.core.targetStates.peek(aId)?.healthy === false)
  const before = a.paths.get('/hc') ?? 0
  for (let i = 0; i < 4; i++) assert.equal((await call(`${g.url}/hc`)).headers['x-upstream'], 'b')
  assert.equal(a.paths.get('/hc') ?? 0, before)
  const report = await call(`${g.url}/health`)
  assert.equal(report.status, 207)
  const body = report.json<{
    status: string
    uptime: string
    components: Record<string, { status: string }>
  }>()
  assert.equal(body.status, 'degraded')
  assert.match(body.uptime, /^\d+h\d+m\d+s$/)
  up = true
  await until(() => g.gw.core.targetStates.peek(aId)?.healthy === true)
})

test('passive: consecutive proxy failures mark a target down; none healthy → 503; /health 503', async () => {
  const bad = await refusingUrl()
  const g = await startGateway({
    routes: [
      { path: '/pv', serviceName: 'svc', targets: [{ url: bad }], healthCheck: { passiveFailures: 2 } },
    ],
  })
  closers.push(() => g.close())
  assert.equal((await call(`${g.url}/pv`)).status, 502)
  assert.equal((await call(`${g.url}/pv`)).status, 502)
  const r = await call(`${g.url}/pv`)
  assert.equal(r.status, 503)
  assert.equal(r.json().type, 'https://sallyport.dev/problems/service-unavailable')
  const h = await call(`${g.url}/health`)
  assert.equal(h.status, 503)
  const body = h.json<{ components: Record<string, { status: string; latencyMs: number | null }> }>()
  assert.equal(body.components.svc?.status, 'unhealthy')
  assert.equal(body.components.svc?.latencyMs, null)
  assert.equal(body.components.config?.status, 'healthy')
})

test('/health requires admin credentials when configured', async () => {
  const up = await echo()
  closers.push(() => up.close())
  const g = await startGateway({
    admin: { auth: { apiKey: 'secret-key-123' } },
    routes: [{ path: '/x', targets: [{ url: up.url }] }],
  })
  closers.push(() => g.close())
  assert.equal((await call(`${g.url}/health`)).status, 401)
  const ok = await call(`${g.url}/health`, { headers: { 'x-api-key': 'secret-key-123' } })
  assert.equal(ok.status, 200)
  assert.equal(ok.json().status, 'healthy')
})

test('drain under load: in-flight requests finish, /ready turns 503', async () => {
  const up = await slow(150)
  closers.push(() => up.close())
  const g = await startGateway({ routes: [{ path: '/slow', targets: [{ url: up.url }] }] })
  const inflight = Array.from({ length: 40 }, () => call(`${g.url}/slow`))
  await until(() => up.hits >= 40)
  const closing = g.close()
  assert.equal(g.gw.core.lifecycle.draining, true)
  const ready = await g.gw.inject({ method: 'GET', url: '/ready' })
  assert.equal(ready.statusCode, 503)
  const results = await Promise.allSettled(inflight)
  const failures = results.filter((r) => r.status === 'rejected' || r.value.status !== 200)
  assert.equal(failures.length, 0)
  await closing
})

describe('upstream health events', () => {
  test('an upstream turning unhealthy and healthy again is announced on gateway.events', async () => {
    const { createGateway } = await import('../../src/gateway/index.ts')
    const { startUpstream } = await import('../gateway/helpers.ts')
    let up = true
    const svc = await startUpstream('svc', (req, res) => {
      res.statusCode = req.url === '/health' && !up ? 503 : 200
      res.end('ok')
    })
    const gw = await createGateway({
      port: 0,
      discovery: false,
      config: {
        routes: [
          {
            path: '/svc',
            targets: [{ url: svc.url }],
            healthCheck: { path: '/health', interval: '50ms', unhealthyThreshold: 1, healthyThreshold: 1 },
          },
        ],
      },
    })
    const seen: boolean[] = []
    gw.events.addEventListener('upstream-health', (e) =>
      seen.push((e as CustomEvent<{ healthy: boolean }>).detail.healthy),
    )
    try {
      await gw.listen()
      up = false
      await waitFor(() => seen.includes(false))
      up = true
      await waitFor(() => seen.at(-1) === true)
      assert.deepEqual(seen, [false, true])
    } finally {
      await gw.close()
      await svc.close()
    }
  })
})

async function waitFor(check: () => boolean, timeoutMs = 8000): Promise<void> {
  const until = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > until) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 25))
  }
}
