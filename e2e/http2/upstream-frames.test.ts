// The gateway as an HTTP/2 *client* of its upstreams (RFC 9113), byte by byte: a raw upstream
// (raw-upstream.ts) answers with exactly the frames each test scripts and records what it received;
// clients speak HTTP/1.1 (a raw socket, to see where a response is cut) and h2c (node:http2).
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import http2 from 'node:http2'
import net from 'node:net'
import { after, test } from 'node:test'
import { echoClient } from '../fixtures/grpc/echo-server.ts'
import { startGateway, type TestGateway } from '../fixtures/gateway.ts'
import { unary } from '../grpc/helpers.ts'
import {
  ERROR,
  FLAG,
  FRAME,
  frame,
  RawH2,
  requestHeaders,
  SETTING,
  settingsFrame,
  windowUpdate,
} from './frames.ts'
import { Closers, h2connect, sha256, sleep, within } from './helpers.ts'
import {
  RawUpstream,
  type UpstreamConnection,
  type UpstreamOptions,
  type UpstreamRequest,
} from './raw-upstream.ts'

const closers = new Closers()
after(() => closers.run())

interface Setup {
  readonly up: RawUpstream
  readonly g: TestGateway
  readonly port: number
}

/** A raw upstream and a gateway with one route `/up` (path prefix kept off) towards it. */
async function setup(options: UpstreamOptions = {}, route: Record<string, unknown> = {}): Promise<Setup> {
  const up = await RawUpstream.start(options)
  closers.add(() => up.close())
  const g = await startGateway({
    routes: [{ path: '/up', targets: [{ url: up.url }], ...route }],
  } as Parameters<typeof startGateway>[0])
  closers.add(() => g.close())
  return { up, g, port: Number(new URL(g.url).port) }
}

/** What an HTTP/1.1 client read off the socket until the gateway closed it. */
interface H1Answer {
  readonly status: number
  readonly headers: Record<string, string>
  readonly body: Buffer
  /** The body reached its declared end (content-length, or the last chunk of a chunked body). */
  readonly complete: boolean
}

/** One HTTP/1.1 request on a raw socket (Connection: close); the answer as the bytes say it. */
function h1(
  port: number,
  path: string,
  opts: {
    method?: string
    body?: Buffer
    rawBody?: Buffer
    headerLines?: string[]
    connection?: string
  } = {},
): Promise<H1Answer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1')
    const chunks: Buffer[] = []
    const timer = setTimeout(() => socket.destroy(new Error(`no end of ${path} in 10 s`)), 10_000)
    socket.on('data', (c: Buffer) => chunks.push(c))
    socket.on('error', reject)
    socket.on('close', () => {
      clearTimeout(timer)
      const all = Buffer.concat(chunks)
      const split = all.indexOf('\r\n\r\n')
      // Closed before a response head: a cut, as seen by the client.
      if (split < 0) return resolve({ status: 0, headers: {}, body: all, complete: false })
      const [statusLine, ...lines] = all.subarray(0, split).toString('latin1').split('\r\n')
      const headers: Record<string, string> = {}
      for (const l of lines) {
        const i = l.indexOf(':')
        headers[l.slice(0, i).toLowerCase()] = l.slice(i + 1).trim()
      }
      const raw = all.subarray(split + 4)
      let body = raw
      let complete: boolean
      if (headers['transfer-encoding'] === 'chunked') {
        const parts: Buffer[] = []
        let at = 0
        complete = false
        for (;;) {
          const eol = raw.indexOf('\r\n', at)
          if (eol < 0) break
          const size = Number.parseInt(raw.subarray(at, eol).toString(), 16)
          if (size === 0) {
            complete = raw.length >= eol + 4
            break
          }
          if (raw.length < eol + 2 + size + 2) {
            parts.push(raw.subarray(eol + 2))
            break
          }
          parts.push(raw.subarray(eol + 2, eol + 2 + size))
          at = eol + 2 + size + 2
        }
        body = Buffer.concat(parts)
      } else if (headers['content-length'] !== undefined)
        complete = raw.length === Number(headers['content-length'])
      else complete = true
      resolve({ status: Number(statusLine?.split(' ')[1]), headers, body, complete })
    })
    const body = opts.body ?? Buffer.alloc(0)
    const head =
      `${opts.method ?? 'GET'} ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: ${opts.connection ?? 'close'}\r\n` +
      (opts.headerLines ?? []).map((l) => `${l}\r\n`).join('') +
      (opts.body !== undefined ? `Content-Length: ${body.length}\r\n` : '')
    socket.write(Buffer.concat([Buffer.from(`${head}\r\n`), opts.rawBody ?? body]))
  })
}

/** What an h2 client saw of one stream: never rejects; `ended` only on a clean END_STREAM. */
interface H2Answer {
  readonly status: number
  readonly headers: http2.IncomingHttpHeaders
  readonly body: Buffer
  readonly trailers: http2.IncomingHttpHeaders | undefined
  readonly ended: boolean
  readonly rstCode: number | undefined
}

function h2(
  session: http2.ClientHttp2Session,
  path: string,
  opts: { body?: Buffer } = {},
): Promise<H2Answer> {
  return new Promise((resolve) => {
    const method = opts.body !== undefined ? 'POST' : 'GET'
    const stream = session.request({ ':method': method, ':path': path })
    let status = 0
    let headers: http2.IncomingHttpHeaders = {}
    let trailers: http2.IncomingHttpHeaders | undefined
    let ended = false
    const chunks: Buffer[] = []
    const timer = setTimeout(() => stream.close(http2.constants.NGHTTP2_CANCEL), 10_000)
    stream.on('response', (h) => {
      status = Number(h[':status'])
      headers = h
    })
    stream.on('trailers', (t) => {
      trailers = t
    })
    stream.on('data', (c: Buffer) => chunks.push(c))
    stream.on('end', () => {
      ended = true
    })
    stream.on('error', () => {})
    stream.on('close', () => {
      clearTimeout(timer)
      const rstCode = stream.rstCode === 0 ? undefined : stream.rstCode
      resolve({ status, headers, body: Buffer.concat(chunks), trailers, ended: ended && !rstCode, rstCode })
    })
    stream.end(opts.body)
  })
}

/** A session to the gateway, closed with the test's closers. */
async function session(g: TestGateway): Promise<http2.ClientHttp2Session> {
  const s = await h2connect(g.url)
  closers.add(() => {
    s.destroy()
  })
  return s
}

/** The request's :path without the route's `/up` (the gateway keeps it). */
const pathOf = (r: UpstreamRequest): string =>
  (r.fields.find(([n]) => n === ':path')?.[1] ?? '').replace(/^\/up/, '')

/** The gateway answers a plain request through the same upstream again (it stayed up and recovered). */
async function stillServes(s: Setup): Promise<void> {
  const before = s.up.onRequest
  s.up.onRequest = (r) => r.conn.respond(r.id, 'fine')
  const a = await h1(s.port, '/up/after')
  assert.equal(a.status, 200)
  assert.equal(a.body.toString(), 'fine')
  s.up.onRequest = before
}

/**
 * Resolves once the gateway handed at least 16 KiB of the response on `r` to its client: it gives the
 * stream's window back only for bytes it passed on (a WINDOW_UPDATE on the stream says so).
 */
function handedOn(s: Setup, r: UpstreamRequest): Promise<boolean> {
  return s.up.waitFor(() => r.conn.framesOf(FRAME.WINDOW_UPDATE, r.id).length > 0)
}

test('RFC 9113 §8.1: HEADERS + DATA + trailers reach an h2 client exact, and an HTTP/1.1 client gets status and body', async () => {
  const s = await setup()
  s.up.onRequest = (r) => {
    r.conn.headers(r.id, [
      [':status', '201'],
      ['content-type', 'text/plain'],
      ['x-from', 'raw-upstream'],
    ])
    r.conn.data(r.id, 'hello, ')
    r.conn.data(r.id, 'world')
    r.conn.headers(
      r.id,
      [
        ['x-checksum', 'abc123'],
        ['x-done', 'yes'],
      ],
      true,
    )
  }
  const c = await session(s.g)
  const a = await h2(c, '/up/normal?q=1')
  assert.equal(a.status, 201)
  assert.equal(a.headers['x-from'], 'raw-upstream')
  assert.equal(a.body.toString(), 'hello, world')
  assert.ok(a.ended)
  assert.equal(a.trailers?.['x-checksum'], 'abc123')
  assert.equal(a.trailers?.['x-done'], 'yes')
  const b = await h1(s.port, '/up/normal')
  assert.equal(b.status, 201)
  assert.equal(b.body.toString(), 'hello, world')
  assert.ok(b.complete)
  // What the upstream received: one connection, the preface, a GET head with the four pseudo-header
  // fields first (§8.3.1) and no connection-specific field (§8.2.2).
  assert.equal(s.up.connections.length, 1)
  const conn = s.up.connections[0]
  assert.equal(conn?.prefaceOk, true)
  assert.equal(conn?.frames[0]?.type, FRAME.SETTINGS)
  assert.ok(
    conn?.frames.some((f) => f.type === FRAME.SETTINGS && f.flags === FLAG.ACK && f.payload.length === 0),
    'our SETTINGS were acknowledged (§6.5.3)',
  )
  const [first] = s.up.requests
  const names = first?.fields.map(([n]) => n) ?? []
  assert.deepEqual(names.slice(0, 4).sort(), [':authority', ':method', ':path', ':scheme'])
  assert.ok(names.slice(4).every((n) => !n.startsWith(':')))
  assert.deepEqual(
    names.filter((n) => ['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'host'].includes(n)),
    [],
  )
  assert.equal(pathOf(first as UpstreamRequest), '/normal?q=1')
  assert.equal(first?.fields.find(([n]) => n === ':method')?.[1], 'GET')
  assert.equal(first?.fields.find(([n]) => n === ':path')?.[1], '/up/normal?q=1')
  assert.ok(first?.ended)
})

test('RFC 9113 §8.1 / §5: bodies split in many DATA frames interleaved across streams → each client gets exactly its own bytes', async () => {
  const s = await setup()
  const bodies = new Map<string, Buffer>([
    ['/a', randomBytes(40_000)],
    ['/b', randomBytes(50_000)],
    ['/c', randomBytes(30_000)],
  ])
  s.up.onRequest = () => {
    const reqs = s.up.requests
    if (reqs.length < 3) return
    // All three on one connection; answered 1000 bytes at a time, round robin.
    for (const r of reqs) r.conn.headers(r.id, [[':status', '200']])
    const offsets = reqs.map(() => 0)
    let left = reqs.length
    while (left > 0) {
      left = 0
      reqs.forEach((r, i) => {
        const body = bodies.get(pathOf(r)) as Buffer
        const at = offsets[i] as number
        if (at >= body.length) return
        const end = Math.min(body.length, at + 1000)
        r.conn.data(r.id, body.subarray(at, end), end === body.length)
        offsets[i] = end
        if (end < body.length) left++
      })
    }
  }
  const c = await session(s.g)
  const [a, b, cc] = await Promise.all([h2(c, '/up/a'), h1(s.port, '/up/b'), h2(c, '/up/c')])
  assert.equal(s.up.connections.length, 1)
  assert.equal(sha256(a.body), sha256(bodies.get('/a') as Buffer))
  assert.equal(sha256(b.body), sha256(bodies.get('/b') as Buffer))
  assert.ok(b.complete)
  assert.equal(sha256(cc.body), sha256(bodies.get('/c') as Buffer))
  assert.ok(a.ended && cc.ended)
})

test('RFC 9113 §6.8: GOAWAY below a stream in flight → that GET is sent once more on a new connection; the older stream finishes on the old one', async () => {
  const s = await setup()
  s.up.onRequest = (r) => {
    if (r.conn.index === 1) {
      if (r.conn.requests.size < 2) return
      const [first] = [...r.conn.requests.values()] as [UpstreamRequest]
      r.conn.goaway(first.id, ERROR.NO_ERROR)
      setTimeout(() => r.conn.respond(first.id, `old:${pathOf(first)}`), 50)
    } else r.conn.respond(r.id, `new:${pathOf(r)}`)
  }
  const c = await session(s.g)
  const one = h2(c, '/up/one')
  await s.up.waitFor(() => s.up.requests.length === 1)
  const two = h2(c, '/up/two')
  const [a, b] = await Promise.all([one, two])
  assert.equal(a.body.toString(), 'old:/one')
  assert.equal(b.body.toString(), 'new:/two')
  assert.equal(s.up.connections.length, 2)
  const second = s.up.connections[1]
  assert.deepEqual(
    [...(second?.requests.values() ?? [])].map(pathOf),
    ['/two'],
    'replayed exactly once, on the new connection',
  )
  assert.equal(s.up.requests.filter((r) => pathOf(r) === '/two').length, 2)
  // The old connection is let go once its last stream is done.
  assert.ok(await s.up.waitFor(() => s.up.connections[0]?.closed === true, 3000), 'the old connection closed')
})

test('RFC 9113 §6.8: GOAWAY with an error code and last-stream-id 0, then the TCP close → the request in flight is sent again on a new connection, once', async () => {
  const s = await setup()
  s.up.onRequest = (r) => {
    if (r.conn.index === 1) {
      r.conn.goaway(0, ERROR.INTERNAL_ERROR, 'going down')
      setTimeout(() => r.conn.close(), 20)
    } else r.conn.respond(r.id, `new:${pathOf(r)}`)
  }
  const a = await h1(s.port, '/up/again')
  assert.equal(a.status, 200)
  assert.equal(a.body.toString(), 'new:/again')
  assert.deepEqual(
    s.up.requests.map((r) => [r.conn.index, pathOf(r)]),
    [
      [1, '/again'],
      [2, '/again'],
    ],
  )
})

test('RFC 9113 §8.7: RST_STREAM REFUSED_STREAM before any response → replayed once; refused again → 502', async () => {
  const s = await setup()
  let refusals = 0
  s.up.onRequest = (r) => {
    if (pathOf(r) === '/once' && refusals++ === 0) r.conn.reset(r.id, ERROR.REFUSED_STREAM)
    else if (pathOf(r) === '/always') r.conn.reset(r.id, ERROR.REFUSED_STREAM)
    else r.conn.respond(r.id, 'second try')
  }
  const a = await h1(s.port, '/up/once')
  assert.equal(a.status, 200)
  assert.equal(a.body.toString(), 'second try')
  assert.equal(s.up.requests.filter((r) => pathOf(r) === '/once').length, 2)
  // §8.7 lets it go on the same connection (a refused stream is not a broken connection); it does.
  assert.equal(s.up.connections.length, 1)
  const b = await h1(s.port, '/up/always')
  assert.equal(b.status, 502)
  assert.equal(s.up.requests.filter((r) => pathOf(r) === '/always').length, 2, 'one replay, no more')
})

test('RFC 9113 §8.1 / §6.4: RST_STREAM INTERNAL_ERROR mid-body → the client sees the response cut, never complete', async () => {
  const s = await setup()
  s.up.onRequest = (r) => {
    r.conn.headers(r.id, [[':status', '200']])
    r.conn.data(r.id, 'x'.repeat(20_000))
    void handedOn(s, r).then(() => r.conn.reset(r.id, ERROR.INTERNAL_ERROR))
  }
  const a = await h1(s.port, '/up/cut')
  assert.equal(a.status, 200)
  assert.equal(a.complete, false, 'an HTTP/1.1 body cut before its declared end')
  const c = await session(s.g)
  const b = await h2(c, '/up/cut')
  assert.equal(b.ended, false, 'the h2 stream must not end cleanly')
  assert.ok(b.rstCode !== undefined, 'the h2 client got RST_STREAM')
  await stillServes(s)
})

test('RFC 9113 §8.1 / §6.4: RST_STREAM NO_ERROR mid-body (before END_STREAM) → the client sees the response cut, never complete', async () => {
  const s = await setup()
  s.up.onRequest = (r) => {
    r.conn.headers(r.id, [[':status', '200']])
    r.conn.data(r.id, 'x'.repeat(20_000))
    // NO_ERROR ends a stream cleanly only after a complete response; here the response has no end.
    void handedOn(s, r).then(() => r.conn.reset(r.id, ERROR.NO_ERROR))
  }
  const a = await h1(s.port, '/up/cut0')
  assert.equal(a.status, 200)
  assert.equal(a.complete, false, 'an HTTP/1.1 body cut before its declared end')
  const c = await session(s.g)
  const b = await h2(c, '/up/cut0')
  assert.equal(b.ended, false, 'the h2 stream must not end cleanly')
  assert.ok(b.rstCode !== undefined, 'the h2 client got RST_STREAM')
  await stillServes(s)
})

test('RFC 9113 §8.7: RST_STREAM REFUSED_STREAM, then the replay never answered → 504 within the route timeout', async () => {
  const s = await setup({}, { timeout: '1s' })
  let refused = 0
  s.up.onRequest = (r) => {
    if (refused++ === 0) r.conn.reset(r.id, ERROR.REFUSED_STREAM)
    // The replay: never answered.
  }
  const started = performance.now()
  const answer = h1(s.port, '/up/refused-then-silent').catch((e: Error) => e)
  const inTime = await within(answer, 3000)
  const took = performance.now() - started
  assert.ok(inTime, `no answer ${took.toFixed(0)} ms after the request (route timeout 1 s)`)
  const a = await answer
  assert.ok(!(a instanceof Error), String(a))
  assert.equal(a.status, 504, `status ${a.status} after ${took.toFixed(0)} ms`)
  assert.equal(s.up.requests.length, 2, 'the refused request was replayed once')
})

test('RFC 9113 §8.1: the upstream closes TCP mid-response → HTTP/1.1 and h2 clients see a cut; the next request opens a new connection and succeeds', async () => {
  const s = await setup()
  s.up.onRequest = (r) => {
    r.conn.headers(r.id, [
      [':status', '200'],
      ['content-length', '30000'],
    ])
    r.conn.data(r.id, 'y'.repeat(20_000))
    // Both requests on the one connection, then it goes.
    if (r.conn.requests.size === 2)
      void Promise.all([...r.conn.requests.values()].map((x) => handedOn(s, x))).then(() => r.conn.close())
  }
  const c = await session(s.g)
  const [a, b] = await Promise.all([h1(s.port, '/up/gone'), h2(c, '/up/gone')])
  assert.equal(s.up.connections.length, 1)
  assert.equal(a.status, 200)
  assert.equal(a.headers['content-length'], '30000')
  assert.equal(a.body.length, 20_000)
  assert.equal(a.complete, false)
  assert.equal(b.status, 200)
  assert.equal(b.body.length, 20_000)
  assert.equal(b.ended, false)
  assert.ok(b.rstCode !== undefined, 'the h2 client got RST_STREAM')
  await stillServes(s)
  assert.equal(s.up.connections.length, 2)
  assert.deepEqual([...(s.up.connections[1]?.requests.values() ?? [])].map(pathOf), ['/after'])
})

test('RFC 9113 §5.1.2: SETTINGS_MAX_CONCURRENT_STREAMS 1 → 5 concurrent requests all answered, never 2 streams open at once', async () => {
  const s = await setup({ settings: [[SETTING.MAX_CONCURRENT_STREAMS, 1]] })
  s.up.onRequest = (r) => setTimeout(() => r.conn.respond(r.id, `answer ${pathOf(r)}`), 20)
  // The first request lets the upstream's SETTINGS arrive (before it, the limit is unknown: §5.1.2).
  assert.equal((await h1(s.port, '/up/warm')).status, 200)
  const answers = await Promise.all([1, 2, 3, 4, 5].map((i) => h1(s.port, `/up/${i}`)))
  assert.deepEqual(
    answers.map((a) => a.body.toString()),
    [1, 2, 3, 4, 5].map((i) => `answer /${i}`),
  )
  assert.equal(s.up.connections.length, 1)
  assert.equal(s.up.connections[0]?.maxOpen, 1)
})

test('RFC 9113 §5.1.2: streams opened before the SETTINGS that limits them, refused with REFUSED_STREAM → all answered', async () => {
  const s = await setup({ settings: [[SETTING.MAX_CONCURRENT_STREAMS, 1]] })
  s.up.onHeaders = (r) => {
    // What a server does with a stream past its limit.
    if (r.conn.open > 1) r.conn.reset(r.id, ERROR.REFUSED_STREAM)
  }
  s.up.onRequest = (r) => {
    if (r.resetCode === undefined && !r.answered)
      setTimeout(() => r.conn.respond(r.id, `answer ${pathOf(r)}`), 20)
  }
  const answers = await Promise.all([1, 2, 3, 4, 5].map((i) => h1(s.port, `/up/${i}`)))
  assert.deepEqual(
    answers.map((a) => `${a.status} ${a.body.toString()}`),
    [1, 2, 3, 4, 5].map((i) => `200 answer /${i}`),
  )
})

test('RFC 9113 §6.9.2: SETTINGS_INITIAL_WINDOW_SIZE 0 → no DATA of a 100 KB POST until WINDOW_UPDATE, then exactly the body', async () => {
  const s = await setup({ settings: [[SETTING.INITIAL_WINDOW_SIZE, 0]], grantData: false })
  const body = randomBytes(100 * 1024)
  let dataBeforeGrant = -1
  s.up.onHeaders = (r) => {
    if (pathOf(r) !== '/post') return
    setTimeout(() => {
      dataBeforeGrant = r.conn.framesOf(FRAME.DATA, r.id).length
      r.conn.write(Buffer.concat([windowUpdate(0, 200_000), windowUpdate(r.id, 200_000)]))
    }, 300)
  }
  s.up.onRequest = (r) => r.conn.respond(r.id, sha256(Buffer.concat(r.body)))
  assert.equal((await h1(s.port, '/up/warm')).status, 200)
  const a = await h1(s.port, '/up/post', { method: 'POST', body })
  assert.equal(dataBeforeGrant, 0, 'no DATA before the upstream opened the window')
  assert.equal(a.status, 200)
  assert.equal(a.body.toString(), sha256(body))
  const [, post] = s.up.requests
  assert.equal(Buffer.concat(post?.body ?? []).length, body.length)
  assert.ok((post?.conn.framesOf(FRAME.DATA, post.id) ?? []).every((f) => f.payload.length <= 16_384))
})

// A stream that closes while a SETTINGS_INITIAL_WINDOW_SIZE change is applied frees a slot; the request
// waiting for it opens a stream that starts with the new value, and the change must not be added to it
// a second time.
test('RFC 9113 §6.9.2: a stream opened while SETTINGS_INITIAL_WINDOW_SIZE changes gets the new window once: no DATA past it', async () => {
  const s = await setup({
    settings: [
      [SETTING.MAX_CONCURRENT_STREAMS, 1],
      [SETTING.INITIAL_WINDOW_SIZE, 0],
    ],
    grantData: false,
  })
  s.up.onHeaders = (r) => {
    // The first POST gets its whole answer at once; its body (10 bytes) waits for window.
    if (pathOf(r) === '/first') r.conn.headers(r.id, [[':status', '200']], true)
  }
  s.up.onRequest = (r) => {
    if (pathOf(r) === '/warm') r.conn.respond(r.id, 'warm')
  }
  assert.equal((await h1(s.port, '/up/warm')).status, 200)
  const first = h1(s.port, '/up/first', { method: 'POST', body: Buffer.alloc(10, 0x61) })
  await s.up.waitFor(() => s.up.requests.some((r) => pathOf(r) === '/first'))
  const body = randomBytes(2000)
  const second = h1(s.port, '/up/second', { method: 'POST', body })
  await sleep(200) // the second request waits for the only stream
  const conn = s.up.connections[0] as UpstreamConnection
  conn.write(settingsFrame([[SETTING.INITIAL_WINDOW_SIZE, 1000]]))
  assert.ok(await s.up.waitFor(() => s.up.requests.some((r) => pathOf(r) === '/second'), 3000))
  const r = s.up.requests.find((q) => pathOf(q) === '/second') as UpstreamRequest
  await sleep(300) // whatever the gateway sends within its window (and past it) is in
  const sent = conn.framesOf(FRAME.DATA, r.id).reduce((n, f) => n + f.payload.length, 0)
  assert.ok(sent <= 1000, `${sent} DATA bytes on a stream whose window is 1000`)
  // Now the window opens: the rest follows and the request completes.
  s.up.onRequest = (q) => q.conn.respond(q.id, sha256(Buffer.concat(q.body)))
  conn.write(Buffer.concat([windowUpdate(0, 100_000), windowUpdate(r.id, 100_000)]))
  const b = await second
  assert.equal(b.status, 200)
  assert.equal(b.body.toString(), sha256(body))
  assert.equal((await first).status, 200)
})

/**
 * The upstream answers `/flood` with 2 MiB of DATA without waiting for a single WINDOW_UPDATE (past the
 * stream's 65,535 and the connection's 1 MiB) to an h2 client whose own window is 0: the gateway cannot
 * pass the bytes on, so it grants none back. Resolves once the gateway said FLOW_CONTROL_ERROR (or 5 s).
 */
async function floodPastWindow() {
  const s = await setup()
  s.up.onRequest = (r) => {
    if (pathOf(r) !== '/flood') return
    r.conn.headers(r.id, [[':status', '200']])
    const chunk = Buffer.alloc(16_384, 0x7a)
    for (let i = 0; i < 128; i++) r.conn.data(r.id, chunk)
  }
  const c = await h2connect(s.g.url, { settings: { initialWindowSize: 0 } })
  closers.add(() => {
    c.destroy()
  })
  const answer = h2(c, '/up/flood')
  await s.up.waitFor(() => s.up.connections.length > 0)
  const conn = s.up.connections[0] as UpstreamConnection
  const resets = () => conn.framesOf(FRAME.RST_STREAM).map((f) => f.payload.readUInt32BE(0))
  const flagged = await s.up.waitFor(
    () =>
      conn.goawayReceived?.code === ERROR.FLOW_CONTROL_ERROR || resets().includes(ERROR.FLOW_CONTROL_ERROR),
    5000,
  )
  return { s, conn, answer, flagged, resets }
}

test('RFC 9113 §6.9.1: DATA past the window the gateway gave → FLOW_CONTROL_ERROR, the client gets a cut, the gateway stays up', async () => {
  const { s, answer, flagged } = await floodPastWindow()
  assert.ok(flagged, 'the gateway said FLOW_CONTROL_ERROR (RST_STREAM or GOAWAY)')
  const a = await answer
  assert.equal(a.ended, false)
  assert.ok(a.status === 502 || a.rstCode !== undefined, `status ${a.status}, reset ${a.rstCode}`)
  await stillServes(s)
})

test('RFC 9113 §5.1 / §5.4.2: after its RST_STREAM the gateway ignores the DATA still arriving on that stream (one RST_STREAM, not one per frame)', async () => {
  const { s, conn, flagged, resets } = await floodPastWindow()
  assert.ok(flagged)
  // A PING after the flood: its ACK comes after whatever the gateway answered to every frame before it.
  conn.write(frame(FRAME.PING, 0, 0, Buffer.from('afterall')))
  assert.ok(await s.up.waitFor(() => conn.framesOf(FRAME.PING).length > 0 || conn.closed))
  assert.deepEqual(resets(), [ERROR.FLOW_CONTROL_ERROR], `RST_STREAM codes sent: ${resets().length}`)
  await stillServes(s)
})

for (const [what, pick] of [
  ['an even stream id', () => 2],
  ['an odd stream id above the highest opened', (r: UpstreamRequest) => r.id + 10],
] as const) {
  test(`RFC 9113 §5.1.1 / §5.4.1: response HEADERS on ${what} → GOAWAY PROTOCOL_ERROR; the request in flight gets 502; the next works`, async () => {
    const s = await setup()
    s.up.onRequest = (r) => {
      const id = pick(r)
      r.conn.write(
        frame(FRAME.HEADERS, FLAG.END_HEADERS | FLAG.END_STREAM, id, r.conn.encode([[':status', '200']])),
      )
    }
    const a = await h1(s.port, '/up/stray')
    assert.equal(a.status, 502)
    assert.equal(s.up.connections[0]?.goawayReceived?.code, ERROR.PROTOCOL_ERROR)
    await stillServes(s)
  })
}

test('RFC 9113 §4.3: a header block that is not valid HPACK → GOAWAY COMPRESSION_ERROR, 502, the gateway stays up', async () => {
  const s = await setup()
  s.up.onRequest = (r) => {
    if (pathOf(r) !== '/bad') return r.conn.respond(r.id, 'fine')
    // An indexed field with index 0 (RFC 7541 §6.1: a decoding error).
    r.conn.write(frame(FRAME.HEADERS, FLAG.END_HEADERS | FLAG.END_STREAM, r.id, Buffer.from([0x80])))
  }
  const a = await h1(s.port, '/up/bad')
  assert.equal(a.status, 502)
  assert.equal(s.up.connections[0]?.goawayReceived?.code, 0x9 /* COMPRESSION_ERROR */)
  await stillServes(s)
})

test("RFC 9113 §4.2: a DATA frame over the gateway's SETTINGS_MAX_FRAME_SIZE (16,384) → GOAWAY FRAME_SIZE_ERROR, the response cut, the gateway stays up", async () => {
  const s = await setup()
  s.up.onRequest = (r) => {
    r.conn.headers(r.id, [
      [':status', '200'],
      ['content-length', '20000'],
    ])
    r.conn.write(frame(FRAME.DATA, FLAG.END_STREAM, r.id, Buffer.alloc(20_000, 0x61)))
  }
  const a = await h1(s.port, '/up/oversize')
  assert.ok(a.status === 502 || !a.complete, `status ${a.status}, complete ${a.complete}`)
  assert.equal(s.up.connections[0]?.goawayReceived?.code, 0x6 /* FRAME_SIZE_ERROR */)
  await stillServes(s)
})

const u32 = (value: number): Buffer => {
  const b = Buffer.alloc(4)
  b.writeUInt32BE(value, 0)
  return b
}
const setting = (id: number, value: number): Buffer => {
  const b = Buffer.alloc(6)
  b.writeUInt16BE(id, 0)
  b.writeUInt32BE(value, 2)
  return b
}

/** Frames an upstream sends in the middle of a request that are connection errors (§5.4.1), with their code. */
const CONNECTION_ERRORS: readonly (readonly [string, (id: number) => Buffer, number])[] = [
  [
    '§6.5.2: SETTINGS_ENABLE_PUSH 2',
    () => frame(FRAME.SETTINGS, 0, 0, setting(SETTING.ENABLE_PUSH, 2)),
    ERROR.PROTOCOL_ERROR,
  ],
  [
    '§6.5.2: SETTINGS_INITIAL_WINDOW_SIZE 2^31',
    () => frame(FRAME.SETTINGS, 0, 0, setting(SETTING.INITIAL_WINDOW_SIZE, 2 ** 31)),
    ERROR.FLOW_CONTROL_ERROR,
  ],
  [
    '§6.5.2: SETTINGS_MAX_FRAME_SIZE 16,383',
    () => frame(FRAME.SETTINGS, 0, 0, setting(SETTING.MAX_FRAME_SIZE, 16_383)),
    ERROR.PROTOCOL_ERROR,
  ],
  [
    '§6.5: SETTINGS of 5 bytes',
    () => frame(FRAME.SETTINGS, 0, 0, Buffer.alloc(5)),
    0x6 /* FRAME_SIZE_ERROR */,
  ],
  [
    '§6.6 / §8.4: PUSH_PROMISE with push off',
    (id) => frame(FRAME.PUSH_PROMISE, FLAG.END_HEADERS, id, u32(2)),
    ERROR.PROTOCOL_ERROR,
  ],
  ['§6.1: DATA on stream 0', () => frame(FRAME.DATA, 0, 0, Buffer.from('x')), ERROR.PROTOCOL_ERROR],
  [
    '§6.9: WINDOW_UPDATE of 0 on the connection',
    () => frame(FRAME.WINDOW_UPDATE, 0, 0, u32(0)),
    ERROR.PROTOCOL_ERROR,
  ],
  [
    '§6.9.1: WINDOW_UPDATE past 2^31-1 on the connection',
    () => frame(FRAME.WINDOW_UPDATE, 0, 0, u32(2 ** 31 - 1)),
    ERROR.FLOW_CONTROL_ERROR,
  ],
  ['§6.7: PING of 7 bytes', () => frame(FRAME.PING, 0, 0, Buffer.alloc(7)), 0x6 /* FRAME_SIZE_ERROR */],
  [
    '§6.10: a PING between HEADERS and its CONTINUATION',
    (id) =>
      Buffer.concat([
        frame(FRAME.HEADERS, 0, id, Buffer.from([0x88])),
        frame(FRAME.PING, 0, 0, Buffer.alloc(8)),
      ]),
    ERROR.PROTOCOL_ERROR,
  ],
]

for (const [what, bytes, code] of CONNECTION_ERRORS) {
  test(`RFC 9113 ${what} from the upstream → GOAWAY ${code}, 502, the gateway stays up`, async () => {
    const s = await setup()
    s.up.onRequest = (r) => r.conn.write(bytes(r.id))
    const a = await h1(s.port, '/up/conn-error')
    assert.equal(a.status, 502)
    assert.equal(s.up.connections[0]?.goawayReceived?.code, code)
    await stillServes(s)
  })
}

/** Frames an upstream may send that change nothing the client sees (§4.1, §5.3.2, §5.5, §6.5.2). */
const TOLERATED: readonly (readonly [string, (id: number) => Buffer])[] = [
  ['§4.1 / §5.5: a frame of an unknown type', (id) => frame(0x20, 0xff, id, Buffer.from('extension'))],
  ['§6.5.2: an unknown setting', () => frame(FRAME.SETTINGS, 0, 0, setting(0x99, 7))],
  ['§5.3.2: a PRIORITY frame', (id) => frame(FRAME.PRIORITY, 0, id, Buffer.from([0, 0, 0, 0, 16]))],
  ['§6.9: a WINDOW_UPDATE for the stream', (id) => frame(FRAME.WINDOW_UPDATE, 0, id, u32(1000))],
]

for (const [what, bytes] of TOLERATED) {
  test(`RFC 9113 ${what} from the upstream before its response → served exactly`, async () => {
    const s = await setup()
    s.up.onRequest = (r) => {
      r.conn.write(bytes(r.id))
      r.conn.respond(r.id, 'unchanged')
    }
    const a = await h1(s.port, '/up/tolerated')
    assert.equal(a.status, 200)
    assert.equal(a.body.toString(), 'unchanged')
    assert.equal(s.up.connections[0]?.goawayReceived, undefined)
  })
}

test('RFC 9113 §6.1 / §6.2: padded HEADERS and DATA → the client gets the body without the padding', async () => {
  const s = await setup()
  s.up.onRequest = (r) => {
    const block = r.conn.encode([
      [':status', '200'],
      ['content-length', '11'],
    ])
    const pad = (payload: Buffer, n: number) => Buffer.concat([Buffer.from([n]), payload, Buffer.alloc(n)])
    r.conn.write(frame(FRAME.HEADERS, FLAG.END_HEADERS | 0x8, r.id, pad(block, 7)))
    r.conn.write(frame(FRAME.DATA, 0x8, r.id, pad(Buffer.from('padded '), 200)))
    r.conn.write(frame(FRAME.DATA, 0x8 | FLAG.END_STREAM, r.id, pad(Buffer.from('body'), 0)))
  }
  const a = await h1(s.port, '/up/padded')
  assert.equal(a.status, 200)
  assert.equal(a.body.toString(), 'padded body')
  assert.ok(a.complete)
})

test('RFC 9113 §10.5.1 / §6.5.2: a small header block that decodes past 256 KiB (HPACK indexing bomb) → 502, the gateway stays up', async () => {
  const s = await setup()
  s.up.onRequest = (r) => {
    if (pathOf(r) !== '/bomb') return r.conn.respond(r.id, 'fine')
    // :status 200 (static 8), one 4,000-byte field entered into the dynamic table, then 100 references to it.
    const value = Buffer.alloc(4000, 0x61)
    const literal = Buffer.concat([
      Buffer.from([0x40, 6]),
      Buffer.from('x-bomb'),
      Buffer.from([0x7f, 0xa1, 0x1e]), // 4,000 as an integer with a 7-bit prefix (RFC 7541 §5.1)
      value,
    ])
    const block = Buffer.concat([Buffer.from([0x88]), literal, Buffer.alloc(100, 0xbe)])
    r.conn.write(frame(FRAME.HEADERS, FLAG.END_HEADERS | FLAG.END_STREAM, r.id, block))
  }
  const a = await h1(s.port, '/up/bomb')
  assert.equal(a.status, 502)
  // A stream error (§8.1.1): the block was decoded in full, so the HPACK state and the connection live on.
  const bomb = s.up.requests.find((r) => pathOf(r) === '/bomb') as UpstreamRequest
  assert.equal(bomb.resetCode, ERROR.PROTOCOL_ERROR)
  assert.equal(bomb.conn.goawayReceived, undefined)
  await stillServes(s)
})

test('RFC 9113 §8.1: a complete response before the request body, then RST_STREAM NO_ERROR → the client gets the whole response', async () => {
  // The upstream's window stays at 0, so no request DATA can come before it answers.
  const s = await setup({ settings: [[SETTING.INITIAL_WINDOW_SIZE, 0]], grantData: false })
  s.up.onHeaders = (r) => {
    if (pathOf(r) !== '/early') return
    r.conn.respond(r.id, 'answered early')
    r.conn.reset(r.id, ERROR.NO_ERROR)
  }
  s.up.onRequest = (r) => {
    if (pathOf(r) !== '/early') r.conn.respond(r.id, 'warm')
  }
  assert.equal((await h1(s.port, '/up/warm')).status, 200)
  const a = await h1(s.port, '/up/early', { method: 'POST', body: randomBytes(100 * 1024) })
  assert.equal(a.status, 200)
  assert.equal(a.body.toString(), 'answered early')
  assert.ok(a.complete)
  const early = s.up.requests.find((r) => pathOf(r) === '/early')
  assert.deepEqual(early?.conn.framesOf(FRAME.DATA, early.id), [], 'no request DATA after the reset')
})

test('RFC 9113 §6.10: a response header block in HEADERS + CONTINUATION frames is served', async () => {
  const s = await setup()
  s.up.onRequest = (r) => {
    const block = r.conn.encode([
      [':status', '200'],
      ['x-long', 'v'.repeat(3000)],
      ['content-length', '2'],
    ])
    const cuts = [0, 1000, 2000, block.length]
    r.conn.write(frame(FRAME.HEADERS, 0, r.id, block.subarray(0, 1000)))
    r.conn.write(frame(FRAME.CONTINUATION, 0, r.id, block.subarray(cuts[1], cuts[2])))
    r.conn.write(frame(FRAME.CONTINUATION, FLAG.END_HEADERS, r.id, block.subarray(cuts[2], cuts[3])))
    r.conn.data(r.id, 'ok', true)
  }
  const a = await h1(s.port, '/up/cont')
  assert.equal(a.status, 200)
  assert.equal(a.headers['x-long'], 'v'.repeat(3000))
  assert.equal(a.body.toString(), 'ok')
})

test('RFC 9113 §6.10 / §10.5: a CONTINUATION flood without END_HEADERS (> 64 KiB) → the gateway cuts the connection (ENHANCE_YOUR_CALM), 502', async () => {
  const s = await setup()
  s.up.onRequest = (r) => {
    if (pathOf(r) !== '/flood') return r.conn.respond(r.id, 'fine')
    r.conn.write(frame(FRAME.HEADERS, 0, r.id, r.conn.encode([[':status', '200']])))
    const piece = Buffer.alloc(16_000, 0x41)
    for (let i = 0; i < 8; i++) r.conn.write(frame(FRAME.CONTINUATION, 0, r.id, piece))
  }
  const a = await h1(s.port, '/up/flood')
  assert.equal(a.status, 502)
  const conn = s.up.connections[0]
  assert.equal(conn?.goawayReceived?.code, ERROR.ENHANCE_YOUR_CALM)
  assert.ok(await s.up.waitFor(() => conn?.closed === true, 3000), 'the connection was closed')
  await stillServes(s)
})

for (const [what, fields] of [
  ['an uppercase field name (§8.2.1)', [['X-Upper', 'yes']]],
  ['a connection field (§8.2.2)', [['connection', 'close']]],
  ['a transfer-encoding field (§8.2.2)', [['transfer-encoding', 'chunked']]],
  ['a CR LF in a field value (§8.2.1, response splitting)', [['x-a', 'ok\r\nset-cookie: pwn=1']]],
] as const) {
  test(`RFC 9113 §8.1.1: a response with ${what} is malformed → 502, not forwarded`, async () => {
    const s = await setup()
    s.up.onRequest = (r) => {
      r.conn.headers(r.id, [[':status', '200'], ...fields])
      r.conn.data(r.id, 'body', true)
    }
    const a = await h1(s.port, '/up/malformed')
    assert.equal(a.status, 502, `got ${a.status} ${JSON.stringify(a.headers)} ${a.body.toString()}`)
  })
}

test('RFC 9113 §8.1 / §8.1.1: DATA before the response HEADERS (malformed) → 502', async () => {
  const s = await setup()
  s.up.onRequest = (r) => {
    r.conn.data(r.id, 'body first')
    r.conn.headers(r.id, [[':status', '200']], true)
  }
  const a = await h1(s.port, '/up/data-first')
  assert.equal(a.status, 502, `got ${a.status} ${a.body.toString()}`)
})

test('RFC 9113 §8.1: a second header block without END_STREAM after the response (malformed trailers) → the response cut, never complete', async () => {
  const s = await setup()
  s.up.onRequest = (r) => {
    r.conn.headers(r.id, [
      [':status', '200'],
      ['content-length', '4'],
    ])
    r.conn.data(r.id, 'body')
    r.conn.headers(r.id, [['x-trailer', 'no end']])
    setTimeout(() => r.conn.data(r.id, '', true), 100)
  }
  const c = await session(s.g)
  const a = await h2(c, '/up/bad-trailers')
  assert.equal(a.ended, false, `ended cleanly with trailers ${JSON.stringify(a.trailers)}`)
})

test('RFC 9113 §8.1: a 103 interim response, then the final one → both reach an h2 client', async () => {
  const s = await setup()
  s.up.onRequest = (r) => {
    r.conn.headers(r.id, [
      [':status', '103'],
      ['link', '</style.css>; rel=preload'],
    ])
    r.conn.respond(r.id, 'final')
  }
  const c = await session(s.g)
  const stream = c.request({ ':method': 'GET', ':path': '/up/hints' })
  const interim: http2.IncomingHttpHeaders[] = []
  stream.on('headers', (h) => interim.push(h))
  const chunks: Buffer[] = []
  stream.on('data', (b: Buffer) => chunks.push(b))
  let status = 0
  stream.on('response', (h) => {
    status = Number(h[':status'])
  })
  await new Promise((resolve) => stream.on('close', resolve))
  assert.deepEqual(
    interim.map((h) => [h[':status'], h.link]),
    [[103, '</style.css>; rel=preload']],
  )
  assert.equal(status, 200)
  assert.equal(Buffer.concat(chunks).toString(), 'final')
})

// The last three are values Number() would read as 200.
for (const status of [undefined, '20', '2000', 'abc', '2e2', '0xC8', ' 200'] as const) {
  test(`RFC 9113 §8.3.2: :status ${status === undefined ? 'missing' : JSON.stringify(status)} → 502`, async () => {
    const s = await setup()
    s.up.onRequest = (r) => {
      r.conn.headers(r.id, [
        ...(status === undefined ? [] : [[':status', status] as [string, string]]),
        ['x-a', 'b'],
      ])
      r.conn.data(r.id, 'body', true)
    }
    const a = await h1(s.port, '/up/status')
    assert.equal(a.status, 502, `got ${a.status} ${a.body.toString()}`)
  })
}

/**
 * Requests on one keep-alive HTTP/1.1 connection, each `gapMs` after the previous; the responses as a
 * client parses them (content-length framing) from everything read until the gateway closed or went quiet.
 */
async function h1KeepAlive(
  port: number,
  paths: string[],
  gapMs = 150,
): Promise<{ bodies: string[]; closed: boolean }> {
  const socket = net.connect(port, '127.0.0.1')
  socket.on('error', () => {})
  const chunks: Buffer[] = []
  let closed = false
  socket.on('data', (c: Buffer) => chunks.push(c))
  socket.on('close', () => {
    closed = true
  })
  for (const path of paths) {
    if (!closed) socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`)
    await new Promise((r) => setTimeout(r, gapMs))
  }
  await new Promise((r) => setTimeout(r, 300))
  const closedByGateway = closed
  socket.destroy()
  // Complete responses, in order, as content-length frames them.
  let rest = Buffer.concat(chunks)
  const bodies: string[] = []
  for (;;) {
    const split = rest.indexOf('\r\n\r\n')
    if (split < 0) break
    const length = /\r\ncontent-length: *(\d+)/i.exec(rest.subarray(0, split).toString('latin1'))
    if (length === null) break
    const end = split + 4 + Number(length[1])
    if (rest.length < end) break
    bodies.push(rest.subarray(split + 4, end).toString('latin1'))
    rest = rest.subarray(end)
  }
  return { bodies, closed: closedByGateway }
}

/** Bytes that read as one more HTTP/1.1 response if a client takes them for the start of the next one. */
const SMUGGLED = 'HTTP/1.1 200 OK\r\ncontent-length: 4\r\n\r\nevil'
for (const [what, declared, sent] of [
  ['shorter', '10', 'abcde'],
  ['longer', '5', `abcde${SMUGGLED}`],
] as const) {
  test(`RFC 9113 §8.1.1: DATA ${what} than content-length (malformed) → HTTP/1.1: never a complete response, and the connection's next response is exactly its own`, async () => {
    const s = await setup()
    s.up.onRequest = (r) => {
      if (pathOf(r) !== '/bad-length') return r.conn.respond(r.id, 'next')
      r.conn.headers(r.id, [
        [':status', '200'],
        ['content-length', declared],
      ])
      r.conn.data(r.id, sent, true)
    }
    const { bodies, closed } = await h1KeepAlive(s.port, ['/up/bad-length', '/up/next'])
    // Whatever the gateway does (502, cut, close), every complete response a client reads is the upstream's
    // answer to /next; none is made of the malformed body or of the bytes smuggled in it.
    assert.ok(
      bodies.every((b) => b === 'next'),
      `responses read: ${JSON.stringify(bodies)}`,
    )
    assert.ok(closed || bodies.includes('next'), 'the connection was closed, or it served /next')
  })

  test(`RFC 9113 §8.1.1: DATA ${what} than content-length (malformed) → an h2 client gets RST_STREAM or 502, never a clean END_STREAM`, async () => {
    const s = await setup()
    s.up.onRequest = (r) => {
      r.conn.headers(r.id, [
        [':status', '200'],
        ['content-length', declared],
      ])
      r.conn.data(r.id, sent, true)
    }
    const client = await RawH2.connect(s.port)
    closers.add(() => client.close())
    client.write(requestHeaders(1, { path: '/up/bad-length', authority: `127.0.0.1:${s.port}` }))
    await client.waitFor(() => client.resets().has(1) || client.ended().has(1), 5000)
    const status = client.statuses().get(1)
    assert.ok(
      client.resets().has(1) || status === 502,
      `reset ${client.resets().get(1)}, status ${status}, ended ${client.ended().has(1)}`,
    )
  })
}

test('RFC 9113 §6.7: PING from the upstream → PING ACK with the same 8 bytes', async () => {
  const s = await setup()
  const opaque = Buffer.from('0123abcd')
  s.up.onRequest = (r) => {
    r.conn.write(frame(FRAME.PING, 0, 0, opaque))
    setTimeout(() => r.conn.respond(r.id, 'pong'), 50)
  }
  assert.equal((await h1(s.port, '/up/ping')).status, 200)
  const conn = s.up.connections[0]
  assert.ok(await s.up.waitFor(() => (conn?.framesOf(FRAME.PING) ?? []).length > 0))
  const acks = conn?.framesOf(FRAME.PING) ?? []
  assert.equal(acks.length, 1)
  assert.equal(acks[0]?.flags, FLAG.ACK)
  assert.deepEqual(acks[0]?.payload, opaque)
})

test('RFC 9113 §3.4: an upstream that never sends SETTINGS → 504 within the route timeout; the gateway closes promptly', async () => {
  const up = await RawUpstream.start({ settings: null })
  closers.add(() => up.close())
  const g = await startGateway({
    server: { drainTimeout: '1s' },
    routes: [{ path: '/up', timeout: '300ms', targets: [{ url: up.url }] }],
  } as Parameters<typeof startGateway>[0])
  const port = Number(new URL(g.url).port)
  const started = performance.now()
  const a = await h1(port, '/up/silent')
  const took = performance.now() - started
  assert.ok(a.status === 504 || a.status === 502, `status ${a.status}`)
  assert.ok(took < 3000, `answered after ${took.toFixed(0)} ms`)
  // The gateway's side of it: the preface and its SETTINGS (push off, §8.4).
  const conn = up.connections[0]
  assert.equal(conn?.prefaceOk, true)
  const settings = conn?.frames[0]
  assert.equal(settings?.type, FRAME.SETTINGS)
  assert.ok(settings?.payload.includes(Buffer.from([0x00, SETTING.ENABLE_PUSH, 0, 0, 0, 0])))
  const closing = performance.now()
  await g.close()
  assert.ok(performance.now() - closing < 2500)
})

/** A client that reads the first bytes of `/up/leaves` and goes: HTTP/1.1 (closing its socket) or h2 (CANCEL). */
const leavers = {
  'an HTTP/1.1 client (Connection: close)': (s: Setup) => leaveH1(s, 'close'),
  'an HTTP/1.1 keep-alive client': (s: Setup) => leaveH1(s, 'keep-alive'),
  'an h2 client (RST_STREAM CANCEL)': async (s: Setup) => {
    const c = await session(s.g)
    const stream = c.request({ ':method': 'GET', ':path': '/up/leaves' })
    stream.on('error', () => {})
    await new Promise<void>((resolve) =>
      stream.once('data', () => {
        stream.close(http2.constants.NGHTTP2_CANCEL)
        resolve()
      }),
    )
  },
}

function leaveH1(s: Setup, connection: string): Promise<void> {
  return new Promise<void>((resolve) => {
    const socket = net.connect(s.port, '127.0.0.1')
    socket.on('error', () => {})
    socket.once('data', () => {
      socket.destroy()
      resolve()
    })
    socket.write(`GET /up/leaves HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: ${connection}\r\n\r\n`)
  })
}

for (const [who, leave] of Object.entries(leavers)) {
  test(`RFC 9113 §8.1 / §6.4: ${who} that leaves mid-response → RST_STREAM CANCEL on its stream only; another client on the connection gets exactly its bytes`, async () => {
    const s = await setup()
    const staysBody = randomBytes(30_000)
    let leaving: UpstreamRequest | undefined
    s.up.onRequest = (r) => {
      if (pathOf(r) === '/leaves') {
        leaving = r
        r.conn.headers(r.id, [[':status', '200']])
        r.conn.data(r.id, 'first part')
        return
      }
      // /stays: part now, the rest once the other stream was cancelled (or given up on).
      r.conn.headers(r.id, [
        [':status', '200'],
        ['content-length', String(staysBody.length)],
      ])
      r.conn.data(r.id, staysBody.subarray(0, 10_000))
      void s.up
        .waitFor(() => leaving?.resetCode !== undefined, 2000)
        .then(() => {
          // DATA for the cancelled stream still in flight (§5.4.2 allows it): dropped, never anyone's.
          if (leaving !== undefined && leaving.resetCode !== undefined)
            r.conn.write(frame(FRAME.DATA, 0, leaving.id, Buffer.from('late bytes of the cancelled stream')))
          r.conn.data(r.id, staysBody.subarray(10_000), true)
        })
    }
    const c = await session(s.g)
    const stays = h2(c, '/up/stays')
    await s.up.waitFor(() => s.up.requests.length === 1)
    await leave(s)
    try {
      assert.ok(
        await s.up.waitFor(() => leaving?.resetCode !== undefined, 2000),
        'the gateway reset the stream',
      )
      assert.equal(leaving?.resetCode, ERROR.CANCEL)
      const b = await stays
      assert.ok(b.ended, `status ${b.status}, ${b.body.length} bytes, reset ${b.rstCode}`)
      assert.equal(sha256(b.body), sha256(staysBody))
      assert.equal(s.up.connections.length, 1)
      assert.equal(s.up.requests.find((r) => pathOf(r) === '/stays')?.resetCode, undefined)
    } finally {
      // A stream the gateway did not cancel is ended here, so closing the gateway is not held up.
      if (leaving !== undefined && leaving.resetCode === undefined) leaving.conn.data(leaving.id, '', true)
      await stays
    }
  })
}

test('RFC 9113 §8.2.2 / §8.2.1: connection-specific request fields are not sent upstream; field names go lower-case', async () => {
  const s = await setup()
  s.up.onRequest = (r) => r.conn.respond(r.id, sha256(Buffer.concat(r.body)))
  const body = Buffer.from('chunked request body, decoded on the way')
  const chunked = Buffer.concat([
    Buffer.from(`${(10).toString(16)}\r\n`),
    body.subarray(0, 10),
    Buffer.from(`\r\n${(body.length - 10).toString(16)}\r\n`),
    body.subarray(10),
    Buffer.from('\r\n0\r\n\r\n'),
  ])
  const a = await h1(s.port, '/up/hop', {
    method: 'POST',
    connection: 'close, X-Hop',
    headerLines: [
      'X-Hop: secret',
      'Keep-Alive: timeout=5',
      'Proxy-Connection: keep-alive',
      'TE: trailers',
      'X-Mixed-Case: Yes',
      'Transfer-Encoding: chunked',
    ],
    rawBody: chunked,
  })
  assert.equal(a.status, 200)
  assert.equal(a.body.toString(), sha256(body), 'the upstream got the body without its chunked framing')
  const [r] = s.up.requests
  const names = r?.fields.map(([n]) => n) ?? []
  assert.deepEqual(
    names.filter((n) => n !== n.toLowerCase()),
    [],
  )
  assert.deepEqual(
    names.filter((n) =>
      ['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'x-hop'].includes(n),
    ),
    [],
  )
  for (const [n, v] of r?.fields ?? []) if (n === 'te') assert.equal(v, 'trailers')
  assert.ok(r?.fields.some(([n, v]) => n === 'x-mixed-case' && v === 'Yes'))
})

test("RFC 9113 §4.3 / §6.10: a request header block past the upstream's frame size goes as HEADERS + CONTINUATION, each at most 16,384 bytes", async () => {
  const s = await setup()
  s.up.onRequest = (r) => r.conn.respond(r.id, 'ok')
  const big = 'x'.repeat(28_000)
  const c = await session(s.g)
  const stream = c.request({ ':method': 'GET', ':path': '/up/big', 'x-big': big })
  stream.resume()
  stream.end()
  await new Promise((resolve) => stream.on('close', resolve))
  const [r] = s.up.requests
  assert.equal(r?.fields.find(([n]) => n === 'x-big')?.[1], big)
  const conn = r?.conn as UpstreamConnection
  const head = conn.frames.filter(
    (f) => f.streamId === r?.id && (f.type === FRAME.HEADERS || f.type === FRAME.CONTINUATION),
  )
  assert.ok(head.length >= 2, `${head.length} frames`)
  assert.equal(head[0]?.type, FRAME.HEADERS)
  assert.equal((head[0]?.flags ?? 0) & FLAG.END_HEADERS, 0)
  assert.ok(head.slice(1).every((f) => f.type === FRAME.CONTINUATION))
  assert.equal((head.at(-1)?.flags ?? 0) & FLAG.END_HEADERS, FLAG.END_HEADERS)
  assert.ok(head.every((f) => f.payload.length <= 16_384))
})

test("RFC 7541 §4.2 / RFC 9113 §6.5.2: SETTINGS_HEADER_TABLE_SIZE 0 from the upstream → the gateway's header blocks follow it", async () => {
  const s = await setup({ settings: [[SETTING.HEADER_TABLE_SIZE, 0]] })
  s.up.onRequest = (r) => r.conn.respond(r.id, 'ok')
  for (let i = 0; i < 3; i++) {
    const a = await h1(s.port, `/up/table${i}`, { headerLines: ['X-Repeat: the same value each time'] })
    assert.equal(a.status, 200)
  }
  const conn = s.up.connections[0] as UpstreamConnection
  assert.equal(conn.hpackError, undefined)
  assert.equal(conn.requests.size, 3)
  for (const r of conn.requests.values())
    assert.ok(r.fields.some(([n, v]) => n === 'x-repeat' && v === 'the same value each time'))
})

test('gRPC over a raw upstream (RFC 9113 §8.1, trailers-only): HEADERS with END_STREAM carrying grpc-status 7 → PERMISSION_DENIED', async () => {
  const up = await RawUpstream.start()
  closers.add(() => up.close())
  up.onRequest = (r) =>
    r.conn.headers(
      r.id,
      [
        [':status', '200'],
        ['content-type', 'application/grpc'],
        ['grpc-status', '7'],
        ['grpc-message', 'not yours'],
      ],
      true,
    )
  const g = await startGateway({
    routes: [
      { path: '/sallyport.test.Echo', protocol: 'grpc', targets: [{ url: `http://127.0.0.1:${up.port}` }] },
    ],
  } as Parameters<typeof startGateway>[0])
  closers.add(() => g.close())
  const client = echoClient(new URL(g.url).host)
  closers.add(() => client.close())
  const result = await unary(client, { text: 'hi' })
  assert.equal(result.code, 7)
  assert.equal(result.details, 'not yours')
  const [req] = up.requests
  assert.equal(pathOf(req as UpstreamRequest), '/sallyport.test.Echo/Unary')
  assert.ok(req?.fields.some(([n, v]) => n === 'te' && v === 'trailers'))
})
