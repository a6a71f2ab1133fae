import assert from 'node:assert/strict'
import { after, test } from 'node:test'
import { call, startGateway } from '../fixtures/gateway.ts'
import { echo, flaky, hangs, refusingUrl, resetMidBody } from '../fixtures/upstreams.ts'

const closers: (() => Promise<void>)[] = []
after(async () => {
  for (const c of closers.reverse()) await c()
})

test('circuit opens after maxFailures consecutive failures, then 503 without touching upstream', async () => {
  const up = await flaky({ status: 500 })
  closers.push(() => up.close())
  const g = await startGateway({
    routes: [
      {
        id: 'cb',
        path: '/cb',
        targets: [{ url: up.url }],
        circuitBreaker: { maxFailures: 3, openTimeout: '1h' },
      },
    ],
  })
  closers.push(() => g.close())
  for (let i = 0; i < 3; i++) assert.equal((await call(`${g.url}/cb`)).status, 500)
  const hits = up.hits
  const r = await call(`${g.url}/cb`)
  assert.equal(r.status, 503)
  assert.equal(r.headers['content-type'], 'application/problem+json')
  assert.equal(r.json().type, 'https://sallyport.dev/problems/service-unavailable')
  assert.ok(Number(r.headers['retry-after']) > 0)
  assert.equal(up.hits, hits, 'an open circuit does not reach the upstream')
  const stats = g.gw.stats()
  assert.equal(stats.circuitBreaks, 1)
  const target = g.gw.core.watcher.current.routes[0]?.targets[0]?.id as string
  assert.equal(g.gw.core.targetStates.peek(target)?.circuitState, 'open')
  // Admin reset closes it again.
  const reset = await call(`${g.url}/gateway/api/circuits/${encodeURIComponent(target)}/reset`, {
    method: 'POST',
  })
  assert.equal(reset.status, 200)
  assert.equal(g.gw.core.targetStates.peek(target)?.circuitState, 'closed')
  assert.equal((await call(`${g.url}/cb`)).status, 500)
  assert.equal(up.hits, hits + 1)
})

test('half-open lets halfOpenMaxRequests through; success closes the circuit', async () => {
  let failing = true
  const up = await flaky({ fails: () => failing })
  closers.push(() => up.close())
  const g = await startGateway({
    routes: [
      { path: '/ho', targets: [{ url: up.url }], circuitBreaker: { maxFailures: 2, openTimeout: '200ms' } },
    ],
  })
  closers.push(() => g.close())
  await call(`${g.url}/ho`)
  await call(`${g.url}/ho`)
  assert.equal((await call(`${g.url}/ho`)).status, 503)
  failing = false
  await new Promise((r) => setTimeout(r, 250))
  assert.equal((await call(`${g.url}/ho`)).status, 200)
  const id = g.gw.core.watcher.current.routes[0]?.targets[0]?.id as string
  assert.equal(g.gw.core.targetStates.peek(id)?.circuitState, 'closed')
})

test('GET retries on another target after a refused connection; counted', async () => {
  const good = await echo('good')
  closers.push(() => good.close())
  const bad = await refusingUrl()
  const g = await startGateway({
    routes: [
      {
        path: '/rt',
        targets: [{ url: bad }, { url: good.url }],
        retry: { maxAttempts: 2, baseDelay: 1, budgetPercent: 100 },
      },
    ],
  })
  closers.push(() => g.close())
  for (let i = 0; i < 4; i++) assert.equal((await call(`${g.url}/rt`)).status, 200)
  assert.ok(g.gw.stats().retryAttempts >= 2)
  assert.equal(good.hits, 4)
})

test('POST is never retried by default; 5xx is retried for GET', async () => {
  const up = await flaky({ status: 503, fails: (n) => n % 2 === 1 })
  closers.push(() => up.close())
  const g = await startGateway({
    routes: [
      { path: '/p', targets: [{ url: up.url }], retry: { maxAttempts: 3, baseDelay: 1, budgetPercent: 100 } },
    ],
  })
  closers.push(() => g.close())
  const r = await call(`${g.url}/p`)
  assert.equal(r.status, 200)
  assert.equal(up.hits, 2)
  const before = up.hits
  const p = await call(`${g.url}/p`, { method: 'POST', body: 'x' })
  assert.equal(p.status, 503)
  assert.equal(up.hits, before + 1)
})

test('no retry after response bytes reached the client (reset mid-body)', async () => {
  const up = await resetMidBody()
  closers.push(() => up.close())
  const g = await startGateway({
    routes: [
      {
        path: '/mid',
        targets: [{ url: up.url }],
        retry: { maxAttempts: 3, baseDelay: 1, budgetPercent: 100 },
      },
    ],
  })
  closers.push(() => g.close())
  await assert.rejects(call(`${g.url}/mid`))
  assert.equal(up.hits, 1)
  assert.equal(g.gw.stats().retryAttempts, 0)
})

test('a hanging upstream gives 504 after the route timeout; retry budget caps retries', async () => {
  const up = await hangs()
  closers.push(() => up.close())
  const g = await startGateway({
    routes: [
      { path: '/h', timeout: '100ms', targets: [{ url: up.url }], retry: { maxAttempts: 5, baseDelay: 1 } },
    ],
  })
  closers.push(() => g.close())
  const r = await call(`${g.url}/h`)
  assert.equal(r.status, 504)
  // Budget: 20 % of 1 request still allows one retry, never four.
  assert.ok(up.hits <= 2, `hits ${up.hits}`)
})

test('retry does not retry the gateway’s own 503 when no target is left (every circuit open)', async () => {
  const dead = await refusingUrl()
  const g = await startGateway({
    routes: [
      {
        id: 'open-retry',
        path: '/open-retry',
        targets: [{ url: dead }],
        circuitBreaker: { maxFailures: 1, openTimeout: '1h' },
        retry: { maxAttempts: 3, backoff: 'fixed', baseDelay: '200ms', jitter: false },
      },
    ],
  })
  closers.push(() => g.close())
  // Refused, then the retry finds the circuit open: 503 at once, not after more retry delays.
  const first = await call(`${g.url}/open-retry`)
  assert.ok(first.status === 502 || first.status === 503, String(first.status))
  const counters = g.gw.core.routeCounters.peek('open-retry')
  const retriesBefore = counters?.retryAttempts ?? 0
  const started = performance.now()
  const r = await call(`${g.url}/open-retry`)
  const ms = performance.now() - started
  assert.equal(r.status, 503)
  assert.ok(ms < 150, `503 took ${ms.toFixed(0)} ms (a retry delay is 200 ms)`)
  assert.equal(counters?.retryAttempts, retriesBefore, 'no retry of a 503 the gateway made itself')
})

test('an answer retried for a 4xx status (retryOn 429) is no failure for passive health or the breaker', async () => {
  const up = await flaky({ status: 429 })
  closers.push(() => up.close())
  const g = await startGateway({
    routes: [
      {
        id: 'r429',
        path: '/r429',
        targets: [{ url: up.url }],
        retry: { maxAttempts: 2, retryOn: [429], backoff: 'fixed', baseDelay: '1ms', budgetPercent: 100 },
        healthCheck: { passiveFailures: 2 },
        circuitBreaker: { maxFailures: 2, openTimeout: '1h' },
      },
    ],
  })
  closers.push(() => g.close())
  for (let i = 0; i < 4; i++) assert.equal((await call(`${g.url}/r429`)).status, 429)
  const target = g.gw.core.watcher.current.routes[0]?.targets[0]?.id as string
  const state = g.gw.core.targetStates.peek(target)
  assert.equal(state?.healthy, true)
  assert.equal(state?.circuitState, 'closed')
})
