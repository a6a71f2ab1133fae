// Every policy behaves the same whichever protocol the client speaks: each test sends the same
// requests over HTTP/1.1 and over h2c (side by side) and compares what a client and the upstream see.
import assert from 'node:assert/strict'
import { after, test } from 'node:test'
import { SignJWT } from 'jose'
import { startGateway } from '../fixtures/gateway.ts'
import { echo, flaky, startFixture } from '../fixtures/upstreams.ts'
import {
  Closers,
  h1request,
  h2connect,
  h2request,
  problemOf,
  type Reply,
  type RequestOptions,
} from './helpers.ts'

const closers = new Closers()
after(() => closers.run())

type Send = (path: string, opts?: RequestOptions) => Promise<Reply>

/** An HTTP/1.1 sender and an h2c sender (one session, kept open) for the gateway at `url`. */
async function both(url: string): Promise<{ h1: Send; h2: Send }> {
  const session = await h2connect(url)
  closers.add(() => session.destroy())
  return {
    h1: (path, opts) => h1request(`${url}${path}`, opts),
    h2: (path, opts) => h2request(session, path, opts),
  }
}

const PROTOCOLS = ['h1', 'h2'] as const

test('rate limit over h2 and HTTP/1.1: 200, 200, then 429 problem with Retry-After; counted', async () => {
  const up = await echo()
  closers.add(() => up.close())
  const g = await startGateway({
    routes: [
      {
        id: 'rl',
        path: '/rl',
        targets: [{ url: up.url }],
        rateLimit: { requestsPerSec: 0.5, burst: 2, key: 'header:x-client' },
      },
    ],
  })
  closers.add(() => g.close())
  const send = await both(g.url)
  const limited: Record<string, Reply> = {}
  for (const p of PROTOCOLS) {
    const headers = { 'x-client': p }
    assert.equal((await send[p]('/rl', { headers })).status, 200, p)
    assert.equal((await send[p]('/rl', { headers })).status, 200, p)
    const r = await send[p]('/rl', { headers })
    assert.equal(r.status, 429, `${p}: ${r.text}`)
    assert.equal(r.headers['content-type'], 'application/problem+json', p)
    assert.equal(r.json().type, 'https://sallyport.dev/problems/rate-limit-exceeded', p)
    assert.ok(Number(r.headers['retry-after']) >= 1, `${p}: retry-after ${r.headers['retry-after']}`)
    limited[p] = r
  }
  const h1 = limited.h1 as Reply
  const h2 = limited.h2 as Reply
  assert.deepEqual(problemOf(h2), problemOf(h1))
  assert.equal(h2.headers['retry-after'], h1.headers['retry-after'])
  assert.equal(up.hits, 4, 'two per protocol reached the upstream')
  assert.equal(g.gw.stats().rateLimited, 2, 'the h2 429 is counted like the HTTP/1.1 one')
})

test('CORS over h2 and HTTP/1.1: the gateway answers the preflight, the same fields; the actual request is decorated', async () => {
  const up = await echo()
  closers.add(() => up.close())
  const g = await startGateway({
    routes: [
      {
        path: '/cors',
        targets: [{ url: up.url }],
        cors: { origins: ['http://app.test'], credentials: true, methods: ['GET', 'PUT'], maxAge: 600 },
      },
    ],
  })
  closers.add(() => g.close())
  const send = await both(g.url)
  const preflight = { origin: 'http://app.test', 'access-control-request-method': 'PUT' }
  const cors = (r: Reply) =>
    Object.fromEntries(
      Object.entries(r.headers)
        .filter(([k]) => k.startsWith('access-control-') || k === 'vary')
        .sort(([a], [b]) => a.localeCompare(b)),
    )
  const pre = { h1: await send.h1('/cors', { method: 'OPTIONS', headers: preflight }) }
  const pre2 = await send.h2('/cors', { method: 'OPTIONS', headers: preflight })
  assert.equal(pre2.status, 204, pre2.text)
  assert.equal(pre2.status, pre.h1.status)
  assert.equal(pre2.headers['access-control-allow-origin'], 'http://app.test')
  assert.equal(pre2.headers['access-control-allow-credentials'], 'true')
  assert.equal(pre2.headers['access-control-max-age'], '600')
  assert.match(String(pre2.headers['access-control-allow-methods']), /PUT/)
  assert.deepEqual(cors(pre2), cors(pre.h1))
  assert.equal(pre2.body.length, 0)
  assert.equal(up.hits, 0, 'preflights never reach the upstream')

  const actual1 = await send.h1('/cors', { headers: { origin: 'http://app.test' } })
  const actual2 = await send.h2('/cors', { headers: { origin: 'http://app.test' } })
  assert.equal(actual2.status, 200)
  assert.equal(actual2.headers['access-control-allow-origin'], 'http://app.test')
  assert.match(String(actual2.headers.vary), /Origin/i)
  assert.deepEqual(cors(actual2), cors(actual1))

  // A method outside the list: not allowed, over both.
  const refusedHeaders = { origin: 'http://app.test', 'access-control-request-method': 'DELETE' }
  const refused1 = await send.h1('/cors', { method: 'OPTIONS', headers: refusedHeaders })
  const refused2 = await send.h2('/cors', { method: 'OPTIONS', headers: refusedHeaders })
  assert.equal(refused2.headers['access-control-allow-origin'], undefined)
  assert.equal(refused2.status, refused1.status)
  assert.equal(up.hits, 2)
})

test('JWT over h2 and HTTP/1.1: missing → 401 problem with WWW-Authenticate, valid → 200, wrong key → 401', async () => {
  const secret = 'a-very-long-test-secret-of-32-bytes!!'
  const up = await echo()
  closers.add(() => up.close())
  const g = await startGateway({ routes: [{ path: '/jwt', targets: [{ url: up.url }], jwt: { secret } }] })
  closers.add(() => g.close())
  const send = await both(g.url)
  const sign = (key: string) =>
    new SignJWT({ sub: 'u' })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(key))
  const good = await sign(secret)
  const bad = await sign('wrong-secret-wrong-secret-wrong!!')
  const missing = { h1: await send.h1('/jwt'), h2: await send.h2('/jwt') }
  assert.equal(missing.h2.status, 401, missing.h2.text)
  assert.equal(missing.h2.headers['content-type'], 'application/problem+json')
  assert.match(String(missing.h2.headers['www-authenticate']), /^Bearer/)
  assert.equal(missing.h2.headers['www-authenticate'], missing.h1.headers['www-authenticate'])
  assert.deepEqual(problemOf(missing.h2), problemOf(missing.h1))
  for (const p of PROTOCOLS) {
    const ok = await send[p]('/jwt', { headers: { authorization: `Bearer ${good}` } })
    assert.equal(ok.status, 200, `${p}: ${ok.text}`)
    const wrong = await send[p]('/jwt', { headers: { authorization: `Bearer ${bad}` } })
    assert.equal(wrong.status, 401, p)
  }
  assert.equal(up.hits, 2, 'only the two valid tokens reached the upstream')
})

test('cache over h2 and HTTP/1.1: one store; a second GET is a HIT without touching the upstream', async () => {
  let n = 0
  const up = await startFixture((req, res) => {
    n++
    res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'max-age=60' })
    res.end(`body ${n} for ${req.url}`)
  })
  closers.add(() => up.close())
  const g = await startGateway({ routes: [{ id: 'c', path: '/c', targets: [{ url: up.url }], cache: {} }] })
  closers.add(() => g.close())
  const send = await both(g.url)
  // Stored over h2, served over both.
  const a = await send.h2('/c/a')
  assert.equal(a.status, 200)
  assert.equal(a.headers['x-cache'], 'MISS')
  const a2 = await send.h2('/c/a')
  assert.equal(a2.headers['x-cache'], 'HIT')
  assert.equal(a2.text, a.text)
  assert.ok(a2.headers.age !== undefined, 'a hit carries Age')
  const a1 = await send.h1('/c/a')
  assert.equal(a1.headers['x-cache'], 'HIT')
  assert.equal(a1.text, a.text)
  assert.equal(up.hits, 1)
  // Stored over HTTP/1.1, served over h2.
  const b1 = await send.h1('/c/b')
  assert.equal(b1.headers['x-cache'], 'MISS')
  const b2 = await send.h2('/c/b')
  assert.equal(b2.headers['x-cache'], 'HIT')
  assert.equal(b2.text, b1.text)
  assert.equal(b2.headers['content-type'], b1.headers['content-type'])
  assert.equal(b2.headers['cache-control'], 'max-age=60')
  const head = await send.h2('/c/b', { method: 'HEAD' })
  assert.equal(head.status, 200)
  assert.equal(head.headers['x-cache'], 'HIT')
  assert.equal(head.body.length, 0)
  assert.equal(up.hits, 2)
  const stats = g.gw.stats()
  assert.equal(stats.cacheHits, 4)
  assert.equal(stats.cacheMisses, 2)
})

test('retry over h2 and HTTP/1.1: a GET that gets 503 first is retried and answered 200', async () => {
  const up = await flaky({ status: 503, fails: (hit) => hit % 2 === 1 })
  closers.add(() => up.close())
  const g = await startGateway({
    routes: [
      {
        id: 'rt',
        path: '/rt',
        targets: [{ url: up.url }],
        retry: { maxAttempts: 3, baseDelay: 1, budgetPercent: 100 },
      },
    ],
  })
  closers.add(() => g.close())
  const send = await both(g.url)
  for (const p of PROTOCOLS) {
    const before = up.hits
    const r = await send[p]('/rt')
    assert.equal(r.status, 200, `${p}: ${r.text}`)
    assert.equal(r.json().failed, false, p)
    assert.equal(up.hits - before, 2, `${p}: one failure, one retry`)
  }
  assert.equal(g.gw.stats().retryAttempts, 2)
  // A POST is not retried, over h2 either.
  const before = up.hits
  const post = await send.h2('/rt', { method: 'POST', body: 'once' })
  assert.equal(post.status, 503)
  assert.equal(up.hits - before, 1)
})

test('circuit breaker: failures over h2 and HTTP/1.1 add up; once open, both get the same 503 without the upstream', async () => {
  const up = await flaky({ status: 500 })
  closers.add(() => up.close())
  const g = await startGateway({
    routes: [
      {
        id: 'cb',
        path: '/cb',
        targets: [{ url: up.url }],
        circuitBreaker: { maxFailures: 4, openTimeout: '1h' },
      },
    ],
  })
  closers.add(() => g.close())
  const send = await both(g.url)
  for (const p of ['h2', 'h1', 'h2', 'h1'] as const) assert.equal((await send[p]('/cb')).status, 500, p)
  const hits = up.hits
  assert.equal(hits, 4)
  const open = { h1: await send.h1('/cb'), h2: await send.h2('/cb') }
  for (const p of PROTOCOLS) {
    const r = open[p]
    assert.equal(r.status, 503, `${p}: ${r.text}`)
    assert.equal(r.headers['content-type'], 'application/problem+json')
    assert.equal(r.json().type, 'https://sallyport.dev/problems/service-unavailable')
    assert.ok(Number(r.headers['retry-after']) > 0, `${p}: retry-after ${r.headers['retry-after']}`)
  }
  assert.deepEqual(problemOf(open.h2), problemOf(open.h1))
  assert.equal(up.hits, hits, 'an open circuit does not reach the upstream')
  assert.equal(g.gw.stats().circuitBreaks, 1)
})

test('stats and the request inspector count h2 requests like HTTP/1.1 ones', async () => {
  const up = await echo()
  closers.add(() => up.close())
  const g = await startGateway({ routes: [{ id: 's', path: '/s', targets: [{ url: up.url }] }] })
  closers.add(() => g.close())
  const send = await both(g.url)
  const N = 6
  for (let i = 0; i < N; i++) {
    assert.equal((await send.h1(`/s/h1-${i}`)).status, 200)
    assert.equal((await send.h2(`/s/h2-${i}`)).status, 200)
  }
  assert.equal((await send.h2('/s/h2-404?status=404')).status, 404)
  const total = () => g.gw.stats().totalRequests
  assert.equal(total(), 2 * N + 1)
  // An unrouted request counts (or not) the same over either protocol.
  const beforeH1 = total()
  assert.equal((await send.h1('/nowhere')).status, 404)
  const unroutedH1 = total() - beforeH1
  assert.equal((await send.h2('/nowhere')).status, 404)
  assert.equal(
    total() - beforeH1 - unroutedH1,
    unroutedH1,
    'an unrouted h2 request counts like an HTTP/1.1 one',
  )

  const stats = await send.h2('/gateway/api/stats')
  assert.equal(stats.status, 200, stats.text)
  const s = stats.json<{ totalRequests: number; totalErrors: number }>()
  assert.equal(s.totalRequests, 2 * N + 1 + 2 * unroutedH1)
  const h1stats = (await send.h1('/gateway/api/stats')).json<{ totalRequests: number; totalErrors: number }>()
  assert.equal(h1stats.totalRequests, s.totalRequests)
  assert.equal(h1stats.totalErrors, s.totalErrors)
  const perRoute = (await send.h2('/gateway/api/stats/routes')).json<
    Record<string, { totalRequests: number }>
  >()
  assert.equal(perRoute.s?.totalRequests, 2 * N + 1)

  const log = await send.h2('/gateway/api/requests?route=s')
  assert.equal(log.status, 200, log.text)
  const items = log.json<{ path: string; method: string; status: number; routeId: string }[]>()
  assert.equal(items.length, 2 * N + 1, JSON.stringify(items.map((i) => i.path)))
  const paths = new Set(items.map((i) => i.path))
  for (let i = 0; i < N; i++) {
    assert.ok(paths.has(`/s/h1-${i}`), `/s/h1-${i} logged`)
    assert.ok(paths.has(`/s/h2-${i}`), `/s/h2-${i} logged`)
  }
  const h2item = items.find((i) => i.path === '/s/h2-0')
  assert.equal(h2item?.method, 'GET')
  assert.equal(h2item?.status, 200)
  assert.equal(h2item?.routeId, 's')
  const errors = await send.h2('/gateway/api/requests?status=404')
  // The upstream's 404 and the gateway's own (no route), over either protocol, newest first.
  assert.deepEqual(
    errors.json<{ path: string; outcome: string }[]>().map((i) => `${i.path} ${i.outcome}`),
    ['/nowhere no-route', '/nowhere no-route', '/s/h2-404?status=404 upstream'],
  )
})
