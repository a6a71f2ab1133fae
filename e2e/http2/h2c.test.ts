// Cleartext HTTP/2 with prior knowledge (RFC 9113 §3.3) on the gateway's one port: the same routes,
// the same upstream request, the same problem documents and the same admin paths as HTTP/1.1, which
// keeps working on that port.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import http2 from 'node:http2'
import { after, test } from 'node:test'
import { call, startGateway } from '../fixtures/gateway.ts'
import { bodyOf, echo, startFixture } from '../fixtures/upstreams.ts'
import {
  Closers,
  curl,
  h1request,
  h2connect,
  h2get,
  h2request,
  problemOf,
  sha256,
  sleep,
  within,
} from './helpers.ts'

const closers = new Closers()
after(() => closers.run())

const FIVE_MIB = 5 * 1024 * 1024

test('h2c GET and POST through a route: the upstream sees method, path, body, host and x-forwarded-* (RFC 9113 §8.3.1)', async () => {
  const up = await echo('h2c-echo')
  closers.add(() => up.close())
  const g = await startGateway({ routes: [{ id: 'e', path: '/e', targets: [{ url: up.url }] }] })
  closers.add(() => g.close())
  const gwHost = new URL(g.url).host
  const upHost = new URL(up.url).host
  const session = await h2connect(g.url)
  closers.add(() => session.destroy())

  const get = await h2request(session, '/e/items/7?full=1', { headers: { 'x-custom': 'yes' } })
  assert.equal(get.status, 200, get.text)
  assert.equal(get.protocol, 'h2')
  assert.equal(get.headers['x-upstream'], 'h2c-echo')
  assert.equal(get.headers.connection, undefined, 'no connection-specific field in an HTTP/2 response')
  assert.equal(get.headers['transfer-encoding'], undefined)
  const seen = get.json<{ method: string; path: string; headers: Record<string, string>; body: string }>()
  assert.equal(seen.method, 'GET')
  assert.equal(seen.path, '/e/items/7?full=1')
  assert.equal(seen.headers['x-custom'], 'yes')
  assert.equal(seen.headers.host, upHost, 'host is the target')
  assert.equal(seen.headers['x-forwarded-host'], gwHost, 'x-forwarded-host is the :authority')
  assert.equal(seen.headers['x-forwarded-proto'], 'http')
  assert.equal(seen.headers['x-forwarded-for'], '127.0.0.1')
  for (const name of Object.keys(seen.headers))
    assert.ok(!name.startsWith(':'), `no pseudo-header reaches the upstream (${name})`)

  const body = 'name=h2c&value=\u00e9t\u00e9'
  const post = await h2request(session, '/e/form', {
    method: 'POST',
    headers: { ':authority': 'app.test:9999', 'content-type': 'application/x-www-form-urlencoded' },
    body,
  })
  assert.equal(post.status, 200, post.text)
  const posted = post.json<{ method: string; path: string; headers: Record<string, string>; body: string }>()
  assert.equal(posted.method, 'POST')
  assert.equal(posted.path, '/e/form')
  assert.equal(posted.body, body)
  assert.equal(posted.headers['content-type'], 'application/x-www-form-urlencoded')
  assert.equal(posted.headers.host, upHost)
  assert.equal(posted.headers['x-forwarded-host'], 'app.test:9999')
  assert.equal(posted.headers['x-forwarded-proto'], 'http')

  // The same request over HTTP/1.1 reaches the upstream with the same forwarding fields.
  const h1 = await call(`${g.url}/e/items/7?full=1`, { headers: { 'x-custom': 'yes' } })
  const h1seen = h1.json() as { method: string; path: string; headers: Record<string, string> }
  assert.equal(h1seen.path, seen.path)
  for (const name of ['host', 'x-forwarded-host', 'x-forwarded-proto', 'x-forwarded-for', 'x-custom'])
    assert.equal(seen.headers[name], h1seen.headers[name], `${name}: h2 vs HTTP/1.1`)
})

test('h2c: a 5 MiB upload and a 5 MiB download arrive intact (sha256)', async () => {
  const blob = randomBytes(FIVE_MIB)
  const up = await startFixture((req, res) => {
    if (req.url === '/big/down') {
      res.writeHead(200, {
        'content-type': 'application/octet-stream',
        'content-length': String(blob.length),
      })
      res.end(blob)
      return
    }
    const got = bodyOf(req)
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ sha: sha256(got), bytes: got.length }))
  })
  closers.add(() => up.close())
  const g = await startGateway({ routes: [{ path: '/big', targets: [{ url: up.url }] }] })
  closers.add(() => g.close())
  const session = await h2connect(g.url)
  closers.add(() => session.destroy())

  const upload = await h2request(session, '/big/up', {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream' },
    body: blob,
    timeoutMs: 30_000,
  })
  assert.equal(upload.status, 200, upload.text)
  assert.deepEqual(upload.json(), { sha: sha256(blob), bytes: FIVE_MIB })

  const download = await h2request(session, '/big/down', { timeoutMs: 30_000 })
  assert.equal(download.status, 200)
  assert.equal(download.headers['content-type'], 'application/octet-stream')
  assert.equal(download.body.length, FIVE_MIB)
  assert.equal(sha256(download.body), sha256(blob))
})

test('h2c: 300 concurrent streams on one session are all answered, each with its own response', async () => {
  const up = await startFixture((req, res) => {
    // A little latency so that the streams really overlap at the gateway.
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'text/plain' })
      res.end(`answer for ${req.url}`)
    }, 20)
  })
  closers.add(() => up.close())
  const g = await startGateway({ routes: [{ path: '/many', targets: [{ url: up.url }] }] })
  closers.add(() => g.close())
  const session = await h2connect(g.url)
  closers.add(() => session.destroy())
  const N = 300
  const replies = await Promise.all(
    Array.from({ length: N }, (_, i) => h2request(session, `/many/${i}`, { timeoutMs: 30_000 })),
  )
  for (const [i, r] of replies.entries()) {
    assert.equal(r.status, 200, `stream ${i}: ${r.text}`)
    assert.equal(r.text, `answer for /many/${i}`)
  }
  assert.equal(up.hits, N)
  assert.equal(g.gw.stats().totalRequests, N)
  // Still one session: nothing was closed or replaced on the way.
  assert.equal(session.closed, false)
  assert.equal(session.destroyed, false)
})

test('h2c: no route → the same 404 problem+json as over HTTP/1.1 (minus traceId)', async () => {
  const g = await startGateway({ routes: [] })
  closers.add(() => g.close())
  for (const method of ['GET', 'POST', 'DELETE']) {
    const h1 = await h1request(`${g.url}/nowhere/x?q=1`, { method })
    const h2 = await h2get(g.url, '/nowhere/x?q=1', { method })
    assert.equal(h2.status, 404)
    assert.equal(h2.status, h1.status)
    assert.equal(h2.headers['content-type'], 'application/problem+json')
    assert.equal(h2.headers['content-type'], h1.headers['content-type'])
    assert.equal(h2.headers['cache-control'], h1.headers['cache-control'])
    assert.match(String(h2.json().traceId), /^[0-9a-f]{32}$/)
    assert.notEqual(h2.json().traceId, h1.json().traceId)
    assert.deepEqual(problemOf(h2), problemOf(h1))
    assert.equal(problemOf(h2).type, 'https://sallyport.dev/problems/route-not-found')
  }
})

test('h2c: the gateway’s own paths (/live, /gateway/api/routes, /gateway/api/stats) answer as over HTTP/1.1', async () => {
  const up = await echo()
  closers.add(() => up.close())
  const g = await startGateway({ routes: [{ id: 'own', path: '/own', targets: [{ url: up.url }] }] })
  closers.add(() => g.close())
  const session = await h2connect(g.url)
  closers.add(() => session.destroy())

  const live = await h2request(session, '/live')
  assert.equal(live.status, 200, live.text)
  assert.deepEqual(live.json(), { status: 'ok' })
  assert.deepEqual(live.json(), (await call(`${g.url}/live`)).json())

  const h2routes = await h2request(session, '/gateway/api/routes')
  assert.equal(h2routes.status, 200, h2routes.text)
  assert.match(String(h2routes.headers['content-type']), /^application\/json/)
  const list = h2routes.json<{ id: string; path: string }[]>()
  assert.deepEqual(
    list.map((r) => [r.id, r.path]),
    [['own', '/own']],
  )
  const h1routes = await call(`${g.url}/gateway/api/routes`)
  assert.deepEqual(
    (h1routes.json() as unknown as { id: string }[]).map((r) => r.id),
    list.map((r) => r.id),
  )

  // An admin write over h2: the same Host/Origin rules (no Origin: a non-browser client) as HTTP/1.1.
  const created = await h2request(session, '/gateway/api/routes', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ path: '/made-over-h2', targets: [{ url: up.url }] }),
  })
  assert.ok(created.status === 200 || created.status === 201, `${created.status} ${created.text}`)
  const routed = await h2request(session, '/api/made-over-h2/x')
  assert.equal(routed.status, 200, routed.text)
  assert.equal(routed.json().path, '/api/made-over-h2/x')

  const stats = await h2request(session, '/gateway/api/stats')
  assert.equal(stats.status, 200)
  assert.equal(stats.json().totalRoutes, 2)
})

test('h2c: curl --http2-prior-knowledge gets 200 over HTTP/2, and HTTP/1.1 on the same port still works', async () => {
  const up = await echo('curl-echo')
  closers.add(() => up.close())
  const g = await startGateway({ routes: [{ path: '/c', targets: [{ url: up.url }] }] })
  closers.add(() => g.close())
  const h2 = await curl([
    '--http2-prior-knowledge',
    '--write-out',
    '\n%{http_code} %{http_version}',
    `${g.url}/c/hello`,
  ])
  assert.equal(h2.code, 0, `curl failed: ${h2.err}`)
  const lines = h2.out.trimEnd().split('\n')
  assert.equal(lines.at(-1), '200 2', h2.out)
  assert.equal(JSON.parse(lines.slice(0, -1).join('\n')).path, '/c/hello')

  const live = await curl([
    '--http2-prior-knowledge',
    '--write-out',
    '\n%{http_code} %{http_version}',
    `${g.url}/live`,
  ])
  assert.equal(live.code, 0, live.err)
  assert.equal(live.out.trimEnd().split('\n').at(-1), '200 2')

  const h1 = await curl(['--http1.1', '--write-out', '\n%{http_code} %{http_version}', `${g.url}/c/hello`])
  assert.equal(h1.code, 0, h1.err)
  assert.equal(h1.out.trimEnd().split('\n').at(-1), '200 1.1')
  // And node's HTTP/1.1 clients too, interleaved with h2 sessions.
  for (let i = 0; i < 3; i++) {
    assert.equal((await call(`${g.url}/c/${i}`)).status, 200)
    assert.equal((await h2get(g.url, `/c/${i}`)).status, 200)
    assert.equal((await h1request(`${g.url}/c/${i}`, { method: 'POST', body: 'x' })).status, 200)
  }
  assert.equal(up.hits, 1 + 1 + 9)
})

test('h2c: closing the gateway sends GOAWAY and lets the stream in flight finish (RFC 9113 §6.8)', async () => {
  const up = await startFixture((_req, res) => {
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'text/plain' })
      res.end('finished after close began')
    }, 400)
  })
  closers.add(() => up.close())
  const g = await startGateway({ routes: [{ path: '/slow', targets: [{ url: up.url }] }] })
  let closed = false
  closers.add(() => (closed ? undefined : g.close()))
  const session = await h2connect(g.url)
  closers.add(() => session.destroy())
  let goaway: { code: number; lastStreamID: number } | undefined
  session.on('goaway', (code: number, lastStreamID: number) => {
    goaway = { code, lastStreamID }
  })
  const inFlight = h2request(session, '/slow/1', { timeoutMs: 10_000 })
  // Wait until the upstream has the request, then start the graceful close.
  for (let i = 0; i < 200 && up.hits === 0; i++) await sleep(10)
  assert.equal(up.hits, 1)
  const closing = g.close().then(() => {
    closed = true
  })
  const r = await inFlight
  assert.equal(r.status, 200)
  assert.equal(r.text, 'finished after close began')
  assert.ok(goaway !== undefined, 'the client was sent GOAWAY')
  assert.equal(goaway.code, http2.constants.NGHTTP2_NO_ERROR)
  assert.ok(goaway.lastStreamID >= 1, `last stream id ${goaway.lastStreamID} covers the stream in flight`)
  assert.equal(await within(closing, 10_000), true, 'the gateway finished closing once the stream was done')
  assert.equal(closed, true)
})
