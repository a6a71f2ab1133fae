// Passive health and a circuit breaker watch every target without any configuration (issue 19): a dead
// target leaves the rotation after the platform document's 5 consecutive failures, the admin API says
// so, and both can be turned off per route or gateway-wide.
import assert from 'node:assert/strict'
import { connect } from 'node:net'
import { after, test } from 'node:test'
import { call, startGateway, type TestGateway, until } from '../fixtures/gateway.ts'
import { echo, refusingUrl, resetsConnections, slow, startFixture } from '../fixtures/upstreams.ts'

const closers: (() => Promise<void>)[] = []
after(async () => {
  for (const c of closers.reverse()) await c()
})

interface Upstream {
  url: string
  healthy: boolean
  healthReason?: string
  circuitState: string
  routeId: string
}

async function upstream(g: TestGateway, url: string, routeId: string): Promise<Upstream> {
  const list = (await call(`${g.url}/gateway/api/upstreams`)).json<Upstream[]>()
  const u = list.find((x) => x.url === url && x.routeId === routeId)
  assert.ok(u, `no upstream ${url} on ${routeId}`)
  return u
}

/** Statuses of `n` GETs in a row, and which upstream answered each 200. */
async function run(url: string, n: number): Promise<{ statuses: number[]; from: string[] }> {
  const statuses: number[] = []
  const from: string[] = []
  for (let i = 0; i < n; i++) {
    const r = await call(url)
    statuses.push(r.status)
    if (r.status === 200) from.push(String(r.headers['x-upstream']))
  }
  return { statuses, from }
}

test('one of two targets refuses: 5 requests fail (the threshold), then all go to the live one', async () => {
  const live = await echo('live')
  closers.push(() => live.close())
  const dead = await refusingUrl()
  const g = await startGateway({
    routes: [{ id: 'two', path: '/two', targets: [{ url: dead }, { url: live.url }] }],
  })
  closers.push(() => g.close())
  const { statuses, from } = await run(`${g.url}/two`, 40)
  // Round-robin sends every other request to the dead target until its fifth failure takes it out.
  assert.equal(statuses.filter((s) => s !== 200).length, 5, statuses.join(' '))
  assert.deepEqual(statuses.slice(10), Array(30).fill(200))
  assert.ok(from.every((u) => u === 'live'))
  const down = await upstream(g, dead, 'two')
  assert.equal(down.healthy, false)
  assert.match(
    down.healthReason ?? '',
    /^5 consecutive failures, the last: upstream .* refused the connection$/,
  )
  assert.equal(down.circuitState, 'open')
  const up = await upstream(g, live.url, 'two')
  assert.equal(up.healthy, true)
  assert.equal(up.healthReason, undefined)
  assert.equal(up.circuitState, 'closed')
  // The route view and the stats show the same.
  const route = (await call(`${g.url}/gateway/api/routes/two`)).json<{ targets: Upstream[] }>()
  assert.equal(route.targets.find((t) => t.url === dead)?.healthy, false)
  const stats = (await call(`${g.url}/gateway/api/stats`)).json<{ healthyUpstreams: number }>()
  assert.equal(stats.healthyUpstreams, 1)
})

test('with retries on the route, a refused target costs no failed request at all', async () => {
  const live = await echo('live')
  closers.push(() => live.close())
  const dead = await refusingUrl()
  const g = await startGateway({
    routes: [
      {
        id: 'retried',
        path: '/retried',
        targets: [{ url: dead }, { url: live.url }],
        retry: { maxAttempts: 2, baseDelay: 1, budgetPercent: 100 },
      },
    ],
  })
  closers.push(() => g.close())
  const { statuses } = await run(`${g.url}/retried`, 30)
  assert.deepEqual(statuses, Array(30).fill(200))
  assert.equal((await upstream(g, dead, 'retried')).healthy, false)
})

test('a single target that resets every connection: 5 × 502, then 503 without a connection attempt', async () => {
  const dead = await resetsConnections()
  closers.push(() => dead.close())
  const g = await startGateway({ routes: [{ id: 'one', path: '/one', targets: [{ url: dead.url }] }] })
  closers.push(() => g.close())
  const { statuses } = await run(`${g.url}/one`, 5)
  assert.deepEqual(statuses, [502, 502, 502, 502, 502])
  const connections = dead.connections
  for (let i = 0; i < 10; i++) {
    const r = await call(`${g.url}/one`)
    assert.equal(r.status, 503)
    assert.equal(r.headers['content-type'], 'application/problem+json')
    const p = r.json<{ type: string; detail: string }>()
    assert.equal(p.type, 'https://sallyport.dev/problems/service-unavailable')
    assert.match(p.detail, /route one has no healthy upstream target \(5 consecutive failures/)
    // The platform document's 30 s open circuit (and passive cooldown) is what Retry-After counts down.
    const retryAfter = Number(r.headers['retry-after'])
    assert.ok(retryAfter > 20 && retryAfter <= 30, `retry-after ${retryAfter}`)
  }
  assert.equal(dead.connections, connections, 'nothing reaches the upstream while it is out')
  const u = await upstream(g, dead.url, 'one')
  assert.equal(u.healthy, false)
  assert.equal(u.circuitState, 'open')
  assert.equal(g.gw.stats().circuitBreaks, 1)
  // An admin reset puts it back at once: the next request reaches it again.
  const target = g.gw.core.watcher.current.routes[0]?.targets[0]?.id as string
  const reset = await call(`${g.url}/gateway/api/circuits/${encodeURIComponent(target)}/reset`, {
    method: 'POST',
  })
  assert.deepEqual(reset.json(), { targetId: target, circuitState: 'closed', healthy: true })
  assert.equal((await call(`${g.url}/one`)).status, 502)
  assert.ok(dead.connections > connections)
})

test('a target that comes back gets traffic again once the cooldown has passed', async () => {
  const live = await echo('live')
  closers.push(() => live.close())
  const deadUrl = await refusingUrl()
  const port = Number(new URL(deadUrl).port)
  const g = await startGateway({
    routes: [
      {
        id: 'back',
        path: '/back',
        targets: [{ url: deadUrl }, { url: live.url }],
        // Tuned down from 30 s so the test is quick; the mechanism is the same.
        healthCheck: { passiveCooldown: '300ms' },
        circuitBreaker: { openTimeout: '300ms' },
      },
    ],
  })
  closers.push(() => g.close())
  await run(`${g.url}/back`, 12)
  assert.equal((await upstream(g, deadUrl, 'back')).healthy, false)
  const revived = await startFixture((_req, res) => {
    res.writeHead(200, { 'x-upstream': 'revived' })
    res.end('back')
  }, port)
  closers.push(() => revived.close())
  // Still inside the cooldown: nothing goes to it.
  await run(`${g.url}/back`, 4)
  assert.equal(revived.hits, 0)
  const stats = async () =>
    (await call(`${g.url}/gateway/api/stats`)).json<{ healthyUpstreams: number }>().healthyUpstreams
  assert.equal(await stats(), 1)
  await new Promise((r) => setTimeout(r, 350))
  const { statuses, from } = await run(`${g.url}/back`, 10)
  assert.deepEqual(statuses, Array(10).fill(200))
  assert.equal(from.filter((u) => u === 'revived').length, 5, from.join(' '))
  const u = await upstream(g, deadUrl, 'back')
  assert.equal(u.healthy, true)
  assert.equal(u.circuitState, 'closed')
  assert.equal(await stats(), 2)
})

test('a target still dead after the cooldown costs one request, then waits another cooldown', async () => {
  const live = await echo('live')
  closers.push(() => live.close())
  const dead = await refusingUrl()
  const g = await startGateway({
    routes: [
      {
        id: 'still',
        path: '/still',
        targets: [{ url: dead }, { url: live.url }],
        healthCheck: { passiveCooldown: '300ms' },
        circuitBreaker: { openTimeout: '300ms' },
      },
    ],
  })
  closers.push(() => g.close())
  await run(`${g.url}/still`, 12)
  await new Promise((r) => setTimeout(r, 350))
  const { statuses } = await run(`${g.url}/still`, 10)
  assert.equal(statuses.filter((s) => s !== 200).length, 1, statuses.join(' '))
  const u = await upstream(g, dead, 'still')
  assert.equal(u.healthy, false)
  assert.match(u.healthReason ?? '', /^failed again when tried after the cooldown: .*refused the connection$/)
  assert.equal(u.circuitState, 'open')
})

test('clients that leave before the answer never count against the target', async () => {
  const up = await slow(300, 'slow')
  closers.push(() => up.close())
  const g = await startGateway({ routes: [{ id: 'left', path: '/left', targets: [{ url: up.url }] }] })
  closers.push(() => g.close())
  const port = Number(new URL(g.url).port)
  for (let i = 0; i < 8; i++) {
    // A POST is read by node:http, which hears the client hang up while the upstream is still working.
    const s = connect(port, '127.0.0.1')
    s.write('POST /left HTTP/1.1\r\nhost: x\r\ncontent-length: 1\r\n\r\nx')
    await new Promise((r) => setTimeout(r, 30))
    s.destroy()
  }
  await until(() => up.hits === 8)
  const u = await upstream(g, up.url, 'left')
  assert.equal(u.healthy, true)
  assert.equal(u.circuitState, 'closed')
  assert.equal((await call(`${g.url}/left`)).status, 200)
})

test('circuitBreaker and healthCheck { enabled: false } on a route: 200, 502, 200, 502… as before', async () => {
  const live = await echo('live')
  closers.push(() => live.close())
  const dead = await refusingUrl()
  const g = await startGateway({
    routes: [
      {
        id: 'off',
        path: '/off',
        targets: [{ url: dead }, { url: live.url }],
        circuitBreaker: { enabled: false },
        healthCheck: { enabled: false },
      },
    ],
  })
  closers.push(() => g.close())
  const { statuses } = await run(`${g.url}/off`, 20)
  assert.deepEqual(
    statuses,
    Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? 502 : 200)),
  )
  const u = await upstream(g, dead, 'off')
  assert.equal(u.healthy, true)
  assert.equal(u.circuitState, 'closed')
})

test('turned off gateway-wide in defaults; a route that names a breaker has one', async () => {
  const live = await echo('live')
  closers.push(() => live.close())
  const dead = await refusingUrl()
  const targets = [{ url: dead }, { url: live.url }]
  const g = await startGateway({
    defaults: { circuitBreaker: { enabled: false, maxFailures: 2 }, healthCheck: { enabled: false } },
    routes: [
      { id: 'plain', path: '/plain', targets },
      // Naming the policy turns it on; fields it leaves out come from defaults (maxFailures: 2).
      { id: 'own', path: '/own', targets, circuitBreaker: { openTimeout: '1h' } },
    ],
  })
  closers.push(() => g.close())
  const plain = await run(`${g.url}/plain`, 12)
  assert.equal(plain.statuses.filter((s) => s === 502).length, 6)
  assert.equal((await upstream(g, dead, 'plain')).circuitState, 'closed')
  const own = await run(`${g.url}/own`, 12)
  assert.equal(own.statuses.filter((s) => s === 502).length, 2, own.statuses.join(' '))
  const u = await upstream(g, dead, 'own')
  assert.equal(u.circuitState, 'open')
  assert.equal(u.healthy, true, 'passive health stays off gateway-wide')
})
