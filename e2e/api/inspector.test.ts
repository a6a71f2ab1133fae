// The request inspector against a real gateway and real loopback upstreams: every answer is a row,
// whoever answered it (the walk-through numbers), bodies kept and redacted, replay resends
// the body, HAR export, live tail.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { bodyOf, echo, flaky, startFixture } from '../fixtures/upstreams.ts'
import { api, startGateway } from './helpers.ts'

type Row = {
  id: string
  path: string
  method: string
  status: number
  outcome: string
  routeId: string
  time: string
  attempts: number
  timing: { queuedMs: number; connectMs: number; ttfbMs: number; totalMs: number }
  upstream?: { url: string; method: string; headers: Record<string, string> }
}

const count = (rows: Row[], outcome: string) => rows.filter((r) => r.outcome === outcome).length

test('every answer is a row with its outcome: open circuit, rate limit, no route, cache', async (t) => {
  const failing = await flaky({ status: 500 })
  const ok = await echo('ok', { 'cache-control': 'max-age=60' })
  t.after(() => Promise.all([failing.close(), ok.close()]).then(() => {}))
  const gw = await startGateway(
    t,
    {
      routes: [
        {
          id: 'pay',
          path: '/pay/*',
          targets: [{ url: failing.url }],
          circuitBreaker: { maxFailures: 5, openTimeout: '1h' },
          healthCheck: { passiveFailures: 0 },
        },
        {
          id: 'lim',
          path: '/lim/*',
          targets: [{ url: ok.url }],
          rateLimit: { requestsPerSec: 0.001, burst: 12 },
        },
        { id: 'cat', path: '/cat/*', targets: [{ url: ok.url }], cache: { enabled: true, ttl: '60s' } },
      ],
    },
    { listen: true },
  )
  const call = api(gw)
  const list = async (query = '') => (await call({ url: `/gateway/api/requests${query}` })).json() as Row[]

  for (let i = 0; i < 8; i++) await (await fetch(`${gw.url}/pay/${i}`)).arrayBuffer()
  const pay = await list('?route=pay')
  assert.equal(pay.length, 8)
  assert.equal(count(pay, 'upstream'), 5)
  assert.equal(count(pay, 'circuit-open'), 3)
  assert.deepEqual(
    pay.filter((r) => r.outcome === 'circuit-open').map((r) => r.status),
    [503, 503, 503],
  )
  // Strictly newest first by start.
  assert.deepEqual(
    pay.map((r) => r.path),
    [7, 6, 5, 4, 3, 2, 1, 0].map((i) => `/pay/${i}`),
  )

  await Promise.all(
    Array.from({ length: 25 }, (_, i) => fetch(`${gw.url}/lim/${i}`).then((r) => r.arrayBuffer())),
  )
  const lim = await list('?route=lim')
  assert.equal(lim.length, 25)
  assert.equal(count(lim, 'rate-limited'), 13)
  assert.equal((await list('?route=lim&outcome=rate-limited')).length, 13)
  assert.equal((await list('?outcome=rate-limited,circuit-open')).length, 16)

  for (let i = 0; i < 3; i++) await (await fetch(`${gw.url}/nowhere/${i}`)).arrayBuffer()
  const lost = await list('?outcome=no-route')
  assert.equal(lost.length, 3)
  assert.equal(lost[0]?.status, 404)
  assert.equal(lost[0]?.routeId, '')

  for (let i = 0; i < 4; i++) await (await fetch(`${gw.url}/cat/items`)).arrayBuffer()
  const cat = await list('?route=cat')
  assert.equal(cat.length, 4)
  assert.equal(count(cat, 'cache'), 3)
  assert.equal(count(cat, 'upstream'), 1)
  // Filters: status class, method, text in the path.
  assert.equal((await list('?status=5xx&route=pay')).length, 8)
  assert.equal((await list('?q=NOWHERE/1')).length, 1)
  assert.equal((await list('?method=post')).length, 0)
  assert.deepEqual(
    (await list('?route=pay&limit=2')).map((r) => r.path),
    ['/pay/7', '/pay/6'],
  )
  const bad = await call({ url: '/gateway/api/requests?limit=-1' })
  assert.equal(bad.statusCode, 400)
  assert.match(bad.json().error, /limit must be a whole number/)
  // The admin API's own requests are never rows.
  assert.equal((await list('?q=/gateway/')).length, 0)

  // What went upstream, beside what came in, and the timing.
  const up = cat.find((r) => r.outcome === 'upstream') as Row
  assert.equal(up.upstream?.url, `${ok.url}/cat/items`)
  assert.equal(up.upstream?.headers.host, new URL(ok.url).host)
  assert.ok(up.upstream?.headers['x-forwarded-for'])
  assert.ok(up.upstream?.headers.traceparent)
  assert.equal(up.attempts, 1)
  assert.ok(up.timing.ttfbMs > 0 && up.timing.ttfbMs <= up.timing.totalMs)
  // The first request to an upstream opened the connection; the next ones reused it.
  const [second, first] = pay.slice(-2) as [Row, Row]
  assert.ok(first.timing.connectMs > 0, 'the first request opened the connection')
  assert.equal(second.timing.connectMs, 0, 'the next one reused it')
  const cached = cat.find((r) => r.outcome === 'cache') as Row
  assert.equal(cached.upstream, undefined)
})

test('bodies are kept up to the cap and redacted; replay resends the body and diffs the answer', async (t) => {
  let n = 0
  const seen: string[] = []
  const users = await startFixture((req, res) => {
    n++
    seen.push(bodyOf(req).toString('utf8'))
    res.writeHead(201, { 'content-type': 'application/json', 'x-call': String(n) })
    res.end(JSON.stringify({ id: 7, call: n, got: bodyOf(req).length }))
  })
  t.after(() => users.close())
  const gw = await startGateway(
    t,
    {
      inspector: { bodyLimit: 1024 },
      routes: [{ id: 'users', path: '/users', targets: [{ url: users.url }] }],
    },
    { listen: true },
  )
  const call = api(gw)
  const res = await fetch(`${gw.url}/users`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer s3cret' },
    body: JSON.stringify({ name: 'grace', password: 'hunter2' }),
  })
  assert.equal(res.status, 201)
  await res.arrayBuffer()
  const [row] = (await call({ url: '/gateway/api/requests' })).json() as Row[]
  assert.ok(row)
  const detail = (await call({ url: `/gateway/api/requests/${row.id}` })).json()
  assert.equal(detail.requestBody.kind, 'json')
  assert.deepEqual(JSON.parse(detail.requestBody.text), { name: 'grace', password: '[redacted]' })
  assert.equal(detail.responseBody.kind, 'json')
  assert.equal(JSON.parse(detail.responseBody.text).call, 1)
  assert.equal(detail.requestHeaders.authorization, '[redacted]')
  assert.equal(detail.upstream.headers.authorization, '[redacted]')
  // Copy as curl: the same request to this gateway, the hidden value marked.
  assert.match(detail.curl, /^# \[redacted\] marks values the inspector hid/)
  assert.match(detail.curl, /curl -X POST 'http:\/\/[^']+\/users'/)
  assert.match(detail.curl, /-H 'authorization: \[redacted\]'/)
  assert.match(detail.curl, /--data-binary '\{\n {2}"name": "grace",\n {2}"password": "\[redacted\]"\n\}'/)

  const replayed = await call({ method: 'POST', url: `/gateway/api/requests/${row.id}/replay` })
  assert.equal(replayed.statusCode, 200, replayed.body)
  const r = replayed.json()
  assert.equal(
    seen[1],
    JSON.stringify({ name: 'grace', password: 'hunter2' }),
    'the upstream got the same body',
  )
  assert.equal(r.replay.status, 201)
  assert.equal(r.replay.requestBodyBytes, seen[1]?.length)
  assert.deepEqual(r.diff.headers.changed, [{ name: 'x-call', from: '1', to: '2' }])
  assert.deepEqual(r.diff.body.changes, [{ path: '$.call', from: '1', to: '2' }])
  assert.equal(r.diff.status, undefined)
  assert.doesNotMatch(r.replay.body, /hunter2/)

  // A body past the cap is cut with a note, and cannot be replayed as it was.
  const big = 'x'.repeat(5000)
  await (
    await fetch(`${gw.url}/users`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: big })
  ).arrayBuffer()
  const [bigRow] = (await call({ url: '/gateway/api/requests?method=POST' })).json() as Row[]
  const bigDetail = (await call({ url: `/gateway/api/requests/${bigRow?.id}` })).json()
  assert.equal(bigDetail.requestBody.size, 5000)
  assert.equal(bigDetail.requestBody.captured, 1024)
  assert.equal(bigDetail.requestBody.truncated, true)
  assert.match(bigDetail.requestBody.note, /first 1024 of 5000 bytes/)
  const refused = await call({ method: 'POST', url: `/gateway/api/requests/${bigRow?.id}/replay` })
  assert.equal(refused.statusCode, 409)
  assert.match(refused.json().error, /5000-byte body and only 1024 bytes were kept/)
})

test('HAR 1.2 export honours the filters; the live tail pushes new rows', async (t) => {
  const ok = await echo('ok')
  t.after(() => ok.close())
  const gw = await startGateway(
    t,
    { routes: [{ id: 'e', path: '/e/*', targets: [{ url: ok.url }] }] },
    { listen: true },
  )
  const call = api(gw)
  await (await fetch(`${gw.url}/e/one?x=1`)).arrayBuffer()
  await (await fetch(`${gw.url}/missing`)).arrayBuffer()
  const har = await call({ url: '/gateway/api/requests.har?outcome=upstream' })
  assert.equal(har.statusCode, 200)
  assert.match(
    String(har.headers['content-disposition']),
    /attachment; filename="sallyport-requests-.*\.har"/,
  )
  const doc = har.json()
  assert.equal(doc.log.version, '1.2')
  assert.equal(doc.log.creator.name, 'Sallyport')
  assert.equal(doc.log.entries.length, 1)
  const entry = doc.log.entries[0]
  assert.equal(entry.request.url, `${gw.url}/e/one?x=1`)
  assert.deepEqual(entry.request.queryString, [{ name: 'x', value: '1' }])
  assert.equal(entry.response.status, 200)
  assert.equal(JSON.parse(entry.response.content.text).path, '/e/one?x=1')
  for (const k of ['blocked', 'dns', 'connect', 'send', 'wait', 'receive', 'ssl'])
    assert.equal(typeof entry.timings[k], 'number')

  // The tail: opened, then a request, then its row arrives as an event.
  const controller = new AbortController()
  t.after(() => controller.abort())
  const tail = await fetch(`${gw.url}/gateway/api/requests/live`, { signal: controller.signal })
  assert.equal(tail.headers.get('content-type'), 'text/event-stream')
  const reader = (tail.body as ReadableStream<Uint8Array>).getReader()
  let text = ''
  const next = async () => {
    const { value } = await reader.read()
    text += Buffer.from(value ?? new Uint8Array()).toString('utf8')
  }
  await next()
  assert.match(text, /event: ready/)
  await (await fetch(`${gw.url}/e/live`)).arrayBuffer()
  while (!text.includes('event: requests')) await next()
  const data = text.split('event: requests\ndata: ')[1]?.split('\n')[0] as string
  const rows = JSON.parse(data) as Row[]
  assert.deepEqual(
    rows.map((r) => r.path),
    ['/e/live'],
  )
  controller.abort()
})

test('the gateway answers of its own are rows too: 502, 504, JWT 401, malformed 400, client gone', async (t) => {
  const { hangs, refusingUrl, sseTicker } = await import('../fixtures/upstreams.ts')
  const { connect } = await import('node:net')
  const slow = await hangs()
  const sse = await sseTicker(5)
  t.after(() => Promise.all([slow.close(), sse.close()]).then(() => {}))
  const gw = await startGateway(
    t,
    {
      inspector: { bodyLimit: 256 },
      routes: [
        { id: 'down', path: '/down/*', targets: [{ url: await refusingUrl() }] },
        { id: 'slow', path: '/slow/*', targets: [{ url: slow.url }], timeout: '100ms' },
        { id: 'hang', path: '/hang/*', targets: [{ url: slow.url }] },
        { id: 'auth', path: '/auth/*', targets: [{ url: slow.url }], jwt: { secret: 'x'.repeat(32) } },
        { id: 'sse', path: '/sse/*', targets: [{ url: sse.url }] },
      ],
    },
    { listen: true },
  )
  const call = api(gw)
  const list = async (query = '') => (await call({ url: `/gateway/api/requests${query}` })).json() as Row[]
  const status = async (path: string) => {
    const r = await fetch(`${gw.url}${path}`)
    await r.arrayBuffer()
    return r.status
  }
  assert.equal(await status('/down/x'), 502)
  assert.equal(await status('/slow/x'), 504)
  assert.equal(await status('/auth/x'), 401)
  // A malformed request the gateway refuses before routing (its framing cannot be trusted).
  const raw = connect(Number(new URL(gw.url as string).port), '127.0.0.1')
  raw.write('POST /down/x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n')
  await new Promise((resolve) => raw.once('data', resolve))
  raw.destroy()
  // A client that leaves before its answer (a reset: a half-closed client may still read one).
  const leaving = connect(Number(new URL(gw.url as string).port), '127.0.0.1')
  leaving.write('GET /hang/x HTTP/1.1\r\nHost: x\r\n\r\n')
  await new Promise((r) => setTimeout(r, 100))
  leaving.resetAndDestroy()
  // An event stream read for a while, then left: its body is cut at the cap, with a note.
  const stream = new AbortController()
  const res = await fetch(`${gw.url}/sse/x`, { signal: stream.signal })
  const reader = (res.body as ReadableStream<Uint8Array>).getReader()
  let got = 0
  while (got < 1000) got += (await reader.read()).value?.length ?? 0
  stream.abort()

  const rows = async () => {
    for (let i = 0; i < 50; i++) {
      const all = await list()
      if (all.some((r) => r.routeId === 'sse') && all.some((r) => r.routeId === 'hang')) return all
      await new Promise((r) => setTimeout(r, 50))
    }
    return list()
  }
  const byRoute = new Map((await rows()).map((r) => [r.routeId || r.path, r]))
  assert.equal(byRoute.get('down')?.outcome, 'upstream-failed')
  assert.equal(byRoute.get('slow')?.outcome, 'timeout')
  assert.equal(byRoute.get('auth')?.outcome, 'unauthorized')
  assert.equal(byRoute.get('/down/x')?.outcome, 'invalid-request', 'refused before routing: no route id')
  assert.equal(byRoute.get('/down/x')?.status, 400)
  const gone = byRoute.get('hang')
  assert.equal(gone?.outcome, 'client-gone')
  assert.equal(gone?.status, 0)
  const stream0 = byRoute.get('sse') as Row
  assert.equal(stream0.outcome, 'client-gone')
  const detail = (await call({ url: `/gateway/api/requests/${stream0.id}` })).json()
  assert.equal(detail.responseBody.captured, 256)
  assert.ok(detail.responseBody.size >= 1000)
  assert.match(detail.responseBody.note, /^a streaming response: the first 256 of \d+ bytes/)
  assert.match(detail.responseBody.text, /^event: tick\ndata: 0\n/)
})

test('an HTTP/2 upstream: the first request waited for the session to connect, the next did not', async (t) => {
  const { createServer } = await import('node:http2')
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' })
    res.end('h2')
  })
  const sessions = new Set<{ destroy(): void }>()
  server.on('session', (s) => sessions.add(s))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(() => {
    // The gateway keeps its session open: end it here, or close() waits for it.
    for (const s of sessions) s.destroy()
    return new Promise<void>((resolve) => server.close(() => resolve()))
  })
  const port = (server.address() as { port: number }).port
  const gw = await startGateway(
    t,
    { routes: [{ id: 'h2', path: '/h2/*', targets: [{ url: `h2c://127.0.0.1:${port}` }] }] },
    { listen: true },
  )
  for (let i = 0; i < 2; i++) await (await fetch(`${gw.url}/h2/${i}`)).arrayBuffer()
  const [second, first] = (await api(gw)({ url: '/gateway/api/requests?route=h2' })).json() as Row[]
  assert.equal(first?.status, 200)
  assert.ok((first?.timing.connectMs ?? 0) > 0, 'the first stream waited for the connection')
  assert.equal(second?.timing.connectMs, 0, 'the next one went on the open session')
})
