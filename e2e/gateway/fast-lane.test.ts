// The fast lane (src/gateway/server/fast-lane.ts) answers plain GETs itself and hands everything else
// to node:http on the same connection. These tests talk raw HTTP/1.1 over one socket to see both sides.
// Both write the same bytes, so the lane's diagnostics channel tells which one took a request.
import assert from 'node:assert/strict'
import { subscribe } from 'node:diagnostics_channel'
import { once } from 'node:events'
import net from 'node:net'
import { after, before, describe, test } from 'node:test'
import { startGateway, startUpstream, type Upstream } from './helpers.ts'

interface RawResponse {
  readonly head: string
  readonly status: number
  readonly headers: Record<string, string>
  readonly body: string
}

/** One client connection that reads whole responses (sized or chunked) in order. */
class RawClient {
  readonly socket: net.Socket
  private data = ''
  private waiters: (() => void)[] = []
  closed = false

  constructor(port: number) {
    this.socket = net.connect(port, '127.0.0.1')
    this.socket.on('data', (d: Buffer) => {
      this.data += d.toString('latin1')
      for (const w of this.waiters.splice(0)) w()
    })
    this.socket.on('close', () => {
      this.closed = true
      for (const w of this.waiters.splice(0)) w()
    })
  }

  send(text: string): void {
    this.socket.write(text, 'latin1')
  }

  private take(): RawResponse | undefined {
    const end = this.data.indexOf('\r\n\r\n')
    if (end < 0) return undefined
    const head = this.data.slice(0, end)
    const lines = head.split('\r\n')
    const headers: Record<string, string> = {}
    for (const line of lines.slice(1)) {
      const c = line.indexOf(':')
      headers[line.slice(0, c).toLowerCase()] = line.slice(c + 1).trim()
    }
    let at = end + 4
    let body = ''
    if (headers['transfer-encoding'] === 'chunked') {
      for (;;) {
        const nl = this.data.indexOf('\r\n', at)
        if (nl < 0) return undefined
        const size = Number.parseInt(this.data.slice(at, nl), 16)
        if (this.data.length < nl + 2 + size + 2) return undefined
        body += this.data.slice(nl + 2, nl + 2 + size)
        at = nl + 2 + size + 2
        if (size === 0) break
      }
    } else {
      const len = Number(headers['content-length'] ?? 0)
      if (this.data.length < at + len) return undefined
      body = this.data.slice(at, at + len)
      at += len
    }
    this.data = this.data.slice(at)
    return { head, status: Number(lines[0]?.split(' ')[1]), headers, body }
  }

  /** The next whole response; rejects if none arrives within 5 s. */
  async next(): Promise<RawResponse> {
    const deadline = Date.now() + 5000
    for (;;) {
      const r = this.take()
      if (r) return r
      if (this.closed) throw new Error(`connection closed; unread: ${JSON.stringify(this.data)}`)
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`no whole response in 5 s; have ${JSON.stringify(this.data)}`)
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left)
        this.waiters.push(() => {
          clearTimeout(t)
          resolve()
        })
      })
    }
  }

  close(): void {
    this.socket.destroy()
  }
}

const get = (path: string, extra = '') => `GET ${path} HTTP/1.1\r\nhost: gw.test\r\n${extra}\r\n`
/** What the lane did with each client connection, by the client's local port. */
const lane = new Map<number, { taken: number; handedOver: boolean }>()
subscribe('sallyport:fast-lane', (m) => {
  const { event, socket } = m as { event: string; socket: net.Socket }
  const port = socket.remotePort as number
  const seen = lane.get(port) ?? { taken: 0, handedOver: false }
  if (event === 'request') seen.taken++
  else seen.handedOver = true
  lane.set(port, seen)
})
const laneOf = (c: RawClient) => lane.get(c.socket.localPort as number) ?? { taken: 0, handedOver: false }
/** Every request so far on this connection was the lane's. */
const byLane = (c: RawClient) => laneOf(c).taken > 0 && !laneOf(c).handedOver
/** node:http has the connection. */
const byNodeHttp = (c: RawClient) => laneOf(c).handedOver

describe('fast lane', () => {
  let echo: Upstream
  let chunky: Upstream
  let slow: Upstream
  let forged: net.Server
  let gw: Awaited<ReturnType<typeof startGateway>>
  let port: number
  const slowClosed: string[] = []

  before(async () => {
    echo = await startUpstream('echo', (req, res) => {
      let body = ''
      req.setEncoding('latin1')
      req.on('data', (c: string) => {
        body += c
      })
      req.on('end', () => {
        res.setHeader('content-type', 'application/json')
        res.end(JSON.stringify({ method: req.method, url: req.url, body, headers: req.headers }))
      })
    })
    chunky = await startUpstream('chunky', (_req, res) => {
      res.write('first,')
      setTimeout(() => res.end('second'), 20)
    })
    slow = await startUpstream('slow', (req, res) => {
      res.on('close', () => slowClosed.push(req.url ?? ''))
      setTimeout(() => res.end('late'), 800).unref()
    })
    // An upstream whose header value carries a bare LF, which would otherwise become a header of its own.
    forged = net.createServer((s) => {
      s.on('data', () =>
        s.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\nx-note: a\nset-cookie: evil=1\r\n\r\nok'),
      )
    })
    forged.listen(0, '127.0.0.1')
    await once(forged, 'listening')
    const forgedPort = (forged.address() as net.AddressInfo).port
    gw = await startGateway({
      routes: [
        { path: '/forged', targets: [{ url: `http://127.0.0.1:${forgedPort}` }] },
        { path: '/echo/*', targets: [{ url: echo.url }] },
        { path: '/chunky', targets: [{ url: chunky.url }] },
        { path: '/slow/*', targets: [{ url: slow.url }] },
        { path: '/down', targets: [{ url: 'http://127.0.0.1:1' }] },
      ],
    })
    port = Number(new URL(gw.base).port)
  })

  after(async () => {
    await gw.close()
    forged.close()
    await Promise.all([echo.close(), chunky.close(), slow.close()])
  })

  test('a keep-alive connection moves to node:http at a request boundary and keeps serving', async () => {
    const c = new RawClient(port)
    c.send(get('/echo/one', 'x-trace-me: 1\r\n'))
    const first = await c.next()
    assert.equal(first.status, 200)
    assert.ok(byLane(c), first.head)
    const seen = JSON.parse(first.body)
    assert.equal(seen.url, '/echo/one')
    assert.equal(seen.headers['x-trace-me'], '1')
    assert.equal(seen.headers['x-forwarded-host'], 'gw.test')
    assert.match(seen.headers.traceparent, /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/)

    c.send('POST /echo/two HTTP/1.1\r\nhost: gw.test\r\ncontent-length: 5\r\n\r\nhello')
    const second = await c.next()
    assert.ok(byNodeHttp(c), second.head)
    assert.deepEqual([JSON.parse(second.body).method, JSON.parse(second.body).body], ['POST', 'hello'])

    c.send(get('/echo/three'))
    const third = await c.next()
    assert.ok(byNodeHttp(c) && laneOf(c).taken === 1, 'after the hand-over node:http keeps the connection')
    assert.equal(JSON.parse(third.body).url, '/echo/three')
    c.close()
  })

  test('pipelined GETs are answered in order on one connection', async () => {
    const c = new RawClient(port)
    c.send(get('/slow/a') + get('/echo/b') + get('/echo/c'))
    const urls = []
    for (let i = 0; i < 3; i++) {
      const r = await c.next()
      assert.equal(r.status, 200)
      urls.push(r.body === 'late' ? '/slow/a' : JSON.parse(r.body).url)
    }
    assert.deepEqual(urls, ['/slow/a', '/echo/b', '/echo/c'])
    c.close()
  })

  test('an unsized upstream body reaches the client chunked and whole', async () => {
    const c = new RawClient(port)
    c.send(get('/chunky'))
    const r = await c.next()
    assert.ok(byLane(c), r.head)
    assert.equal(r.headers['transfer-encoding'], 'chunked')
    assert.equal(r.body, 'first,second')
    c.close()
  })

  test('a failed upstream gets a problem response and the connection stays usable', async () => {
    const c = new RawClient(port)
    c.send(get('/down'))
    const r = await c.next()
    assert.equal(r.status, 502)
    assert.equal(r.headers['content-type'], 'application/problem+json')
    const problem = JSON.parse(r.body)
    assert.equal(problem.status, 502)
    assert.match(problem.detail, /refused/)
    assert.match(problem.traceId, /^[0-9a-f]{32}$/)
    c.send(get('/echo/after'))
    assert.equal(JSON.parse((await c.next()).body).url, '/echo/after')
    c.close()
  })

  test('a response header with a stray line break becomes a 502, never a header line of its own', async () => {
    const c = new RawClient(port)
    c.send(get('/forged'))
    const r = await c.next()
    assert.equal(r.status, 502)
    assert.equal(r.headers['set-cookie'], undefined)
    assert.match(JSON.parse(r.body).detail, /invalid value in header "x-note"/)
    assert.equal(r.head.split('\r\n')[0], 'HTTP/1.1 502 Bad Gateway')
    c.close()
  })

  test('requests the lane does not take get node:http’s answer, not a guess', async () => {
    const hitsBefore = echo.hits.length
    const bad = new RawClient(port)
    bad.send('GET /echo/x HTTP/1.1\r\nhost: a\r\nx-bad : 1\r\n\r\n') // space before the colon
    assert.equal((await bad.next()).status, 400)
    assert.equal(echo.hits.length, hitsBefore, 'nothing reached the upstream')
    bad.close()
    const twice = new RawClient(port)
    twice.send('GET /echo/y HTTP/1.1\r\nhost: a\r\nx-dup: 1\r\nx-dup: 2\r\n\r\n')
    const joined = await twice.next()
    assert.ok(byNodeHttp(twice), 'a repeated header is node:http’s to join')
    assert.equal(JSON.parse(joined.body).headers['x-dup'], '1, 2')
    twice.close()
    const own = new RawClient(port)
    own.send(get('/live'))
    const live = await own.next()
    assert.equal(live.status, 200)
    assert.ok(byNodeHttp(own), 'the gateway’s own paths are node:http’s')
    own.close()
  })

  test('a client that leaves mid-request cancels the upstream request', async () => {
    const c = new RawClient(port)
    c.send(get('/slow/gone'))
    await new Promise((r) => setTimeout(r, 150))
    c.close()
    const deadline = Date.now() + 2000
    while (!slowClosed.includes('/slow/gone') && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20))
    assert.ok(slowClosed.includes('/slow/gone'), 'the upstream saw its request closed before it answered')
  })
})

test('closing the gateway ends idle lane connections at once and lets a request in flight finish', async () => {
  const slow = await startUpstream('slow', (_req, res) => {
    setTimeout(() => res.end('done'), 400).unref()
  })
  const gw = await startGateway({ routes: [{ path: '/', pathType: 'prefix', targets: [{ url: slow.url }] }] })
  const port = Number(new URL(gw.base).port)
  const idle = new RawClient(port)
  idle.send(get('/warm'))
  await idle.next()
  const busy = new RawClient(port)
  busy.send(get('/in-flight'))
  await new Promise((r) => setTimeout(r, 100))
  const started = Date.now()
  const closing = gw.close()
  const r = await busy.next()
  assert.equal(r.body, 'done')
  assert.equal(r.headers.connection, 'close')
  await closing
  assert.ok(Date.now() - started < 3000, `close took ${Date.now() - started} ms (keep-alive is 65 s)`)
  if (!idle.closed) await once(idle.socket, 'close')
  assert.ok(idle.closed)
  await slow.close()
})

test('a lane connection the client ends is closed by the gateway, after answering what was sent', async () => {
  const echo = await startUpstream('echo')
  const gw = await startGateway({ routes: [{ path: '/', pathType: 'prefix', targets: [{ url: echo.url }] }] })
  const port = Number(new URL(gw.base).port)
  // idle keep-alive connection, then FIN from the client: the gateway must end its side too (keep-alive is 65 s)
  const idle = new RawClient(port)
  idle.send(get('/warm'))
  assert.equal((await idle.next()).status, 200)
  assert.ok(byLane(idle))
  const serverEnded = once(idle.socket, 'end')
  idle.socket.end()
  await serverEnded
  // a request followed at once by FIN (half-close) still gets its answer, then the connection ends
  const half = new RawClient(port)
  half.socket.end(get('/half'), 'latin1')
  const r = await half.next()
  assert.equal(r.status, 200)
  assert.equal(JSON.parse(r.body).url, '/half')
  if (!half.closed) await once(half.socket, 'close')
  await gw.close()
  await echo.close()
})

test('SALLYPORT_FAST_LANE=off sends every request through node:http', async () => {
  const echo = await startUpstream('echo')
  process.env.SALLYPORT_FAST_LANE = 'off'
  const gw = await startGateway({ routes: [{ path: '/', pathType: 'prefix', targets: [{ url: echo.url }] }] })
  delete process.env.SALLYPORT_FAST_LANE
  const c = new RawClient(Number(new URL(gw.base).port))
  c.send(get('/plain'))
  const r = await c.next()
  assert.equal(r.status, 200)
  assert.equal(laneOf(c).taken, 0, r.head)
  assert.equal(laneOf(c).handedOver, false, 'no lane in front of node:http')
  c.close()
  await gw.close()
  await echo.close()
})

test('RFC 9112 §9.6: a lane client that closes its socket mid-response cancels the upstream request (the upstream sees its connection close)', async () => {
  let upstreamSawClose: (() => void) | undefined
  const closed = new Promise<void>((resolve) => {
    upstreamSawClose = resolve
  })
  const up = net.createServer((socket) => {
    socket.once('data', () => {
      // The head and part of the body, then nothing: the rest would come much later.
      socket.write('HTTP/1.1 200 OK\r\ncontent-length: 100000\r\n\r\nfirst part')
    })
    socket.on('error', () => {})
    socket.once('close', () => upstreamSawClose?.())
  })
  await new Promise<void>((resolve) => up.listen(0, '127.0.0.1', resolve))
  const upPort = (up.address() as net.AddressInfo).port
  const gw = await startGateway({
    routes: [{ path: '/', pathType: 'prefix', targets: [{ url: `http://127.0.0.1:${upPort}` }] }],
  })
  const port = Number(new URL(gw.base).port)
  const c = new RawClient(port)
  c.send(get('/leaves'))
  // The first bytes of the answer, then the client goes (FIN).
  await once(c.socket, 'data')
  assert.ok(byLane(c), 'the lane took the request')
  c.socket.end()
  const seen = await Promise.race([
    closed.then(() => true),
    new Promise<boolean>((r) => setTimeout(() => r(false), 3000)),
  ])
  assert.ok(seen, 'the upstream connection was closed within 3 s')
  await gw.close()
  await new Promise<void>((resolve) => up.close(() => resolve()))
})
