// What an HTTP/2 client may not do to the gateway: the limits it advertises (RFC 9113 §6.5.2), flow
// control that keeps a slow reader from filling the gateway's memory, the concurrent-stream limit
// (§5.1.2), rapid reset (CVE-2023-44487), extended CONNECT it did not enable (RFC 8441), and a Host
// field that contradicts :authority (§8.3.1).
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { createServer, type ServerResponse } from 'node:http'
import http2 from 'node:http2'
import { type AddressInfo, connect, type Socket } from 'node:net'
import { after, test } from 'node:test'
import { type TestGateway, startGateway } from '../fixtures/gateway.ts'
import { echo, startFixture } from '../fixtures/upstreams.ts'
import {
  ERROR,
  FLAG,
  FRAME,
  frame,
  PREFACE,
  RawH2,
  requestHeaders,
  rstStream,
  SETTING,
  settingsFrame,
  settingsOf,
  windowUpdate,
} from './frames.ts'
import { Closers, h2connect, h2get, h2request, sha256, sleep, within } from './helpers.ts'

const closers = new Closers()
after(() => closers.run())

type Seen = { headers: Record<string, string> }

const portOf = (g: TestGateway): number => Number(new URL(g.url).port)

/** A raw connection whose SETTINGS exchange is done, closed after the file. */
async function rawSession(port: number): Promise<RawH2> {
  const c = await RawH2.session(port)
  closers.add(() => c.close())
  return c
}

test('SETTINGS advertise SETTINGS_MAX_CONCURRENT_STREAMS 128 and no extended CONNECT (RFC 9113 §6.5.2, RFC 8441 §3)', async () => {
  const g = await startGateway({ routes: [] })
  closers.add(() => g.close())
  // As node:http2 reads them.
  const session = http2.connect(g.url)
  session.on('error', () => {})
  closers.add(() => session.destroy())
  const [remote] = (await once(session, 'remoteSettings')) as [http2.Settings]
  assert.equal(remote.maxConcurrentStreams, 128)
  assert.equal(remote.enableConnectProtocol, false)
  assert.equal(remote.initialWindowSize, 65535, "node's default stream window")
  // As the bytes say: the first frame is SETTINGS, with 0x3 = 128 and 0x8 absent or 0.
  const c = await rawSession(portOf(g))
  const first = c.frames[0]
  assert.equal(first?.type, FRAME.SETTINGS, 'the server preface is a SETTINGS frame (RFC 9113 §3.4)')
  const settings = new Map(settingsOf(first))
  assert.equal(settings.get(0x3), 128)
  assert.ok(
    settings.get(0x8) === undefined || settings.get(0x8) === 0,
    `ENABLE_CONNECT_PROTOCOL ${settings.get(0x8)}`,
  )
  assert.ok(
    settings.get(0x4) === undefined || settings.get(0x4) === 65535,
    `INITIAL_WINDOW_SIZE ${settings.get(0x4)}`,
  )
})

test('a client that stops reading a 64 MiB response: flow control bounds what the upstream can write; the session stays usable', async () => {
  const TOTAL = 64 * 1024 * 1024
  const chunk = Buffer.alloc(64 * 1024, 0x5a)
  let written = 0
  let finished = false
  let aborted = false
  const sockets = new Set<Socket>()
  const up = createServer((req, res: ServerResponse) => {
    if (req.url !== '/big') {
      res.writeHead(200, { 'content-type': 'text/plain' })
      res.end(`small ${req.url}`)
      return
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(TOTAL) })
    // Writes only as fast as the gateway takes it: every false from write() waits for 'drain'.
    const pump = () => {
      while (written < TOTAL) {
        written += chunk.length
        if (!res.write(chunk)) {
          res.once('drain', pump)
          return
        }
      }
      res.end()
      finished = true
    }
    res.on('close', () => {
      if (!finished) aborted = true
    })
    pump()
  })
  up.on('connection', (s) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  await new Promise<void>((resolve) => up.listen(0, '127.0.0.1', resolve))
  closers.add(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy()
        up.close(() => resolve())
      }),
  )
  const upUrl = `http://127.0.0.1:${(up.address() as AddressInfo).port}`
  const g = await startGateway({ routes: [{ path: '/', targets: [{ url: upUrl }] }] })
  closers.add(() => g.close())
  const session = await h2connect(g.url)
  closers.add(() => session.destroy())

  const big = session.request({ ':path': '/big' })
  big.on('error', () => {})
  const [head] = (await once(big, 'response')) as [http2.IncomingHttpHeaders]
  assert.equal(head[':status'], 200)
  assert.equal(head['content-length'], String(TOTAL))
  big.pause()
  // The upstream's writes stop: the amount accepted levels off.
  let last = -1
  let steady = 0
  for (let i = 0; i < 60 && steady < 5; i++) {
    await sleep(100)
    steady = written === last ? steady + 1 : 0
    last = written
  }
  assert.ok(steady >= 5, `the upstream kept writing (${written} bytes after ${60 * 100} ms)`)
  assert.ok(
    written < 8 * 1024 * 1024,
    `the upstream could write ${(written / 1048576).toFixed(1)} MiB of 64 MiB`,
  )
  assert.equal(finished, false)

  // The session is not blocked by the stalled stream.
  const small = await h2request(session, '/small', { timeoutMs: 5000 })
  assert.equal(small.status, 200)
  assert.equal(small.text, 'small /small')

  // Reading again brings every byte, in order and complete.
  let got = 0
  let wrong = 0
  big.on('data', (c: Buffer) => {
    got += c.length
    if (c.some((b) => b !== 0x5a)) wrong++
  })
  big.resume()
  assert.equal(await within(once(big, 'end'), 30_000), true, `the download ended (${got} bytes so far)`)
  assert.equal(got, TOTAL)
  assert.equal(wrong, 0)
  assert.equal(finished, true)
  assert.equal(aborted, false)
})

// The gateway sends a chunk the HTTP/1.1 upstream connection read as 16,384-byte DATA frames by reference
// (no copy) and the rest copied; the read buffer may be reused only once every piece reached the socket.
// A client that reads nothing for a while makes the pieces wait; 17,000-byte writes split in two pieces,
// 16,000-byte ones (the control) do not.
test('RFC 9113 §6.1: an HTTP/1.1 upstream writing 17,000-byte chunks to a client that reads late → the body arrives byte-exact (sha256); 16,000-byte chunks too', async (t) => {
  const COUNT = 400
  const chunkOf = (size: number, k: number): Buffer => Buffer.alloc(size, (k % 251) + 1)
  const up = await startFixture((req, res) => {
    const size = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('size'))
    res.writeHead(200, { 'content-type': 'application/octet-stream' }) // chunked
    let k = 0
    // One write every 2 ms: each reaches the gateway as its own read.
    const next = (): void => {
      if (k >= COUNT) return void res.end()
      const ok = res.write(chunkOf(size, k++))
      if (ok) setTimeout(next, 2)
      else res.once('drain', () => setTimeout(next, 2))
    }
    next()
  })
  closers.add(() => up.close())
  const g = await startGateway({ routes: [{ path: '/big', targets: [{ url: up.url }] }] })
  closers.add(() => g.close())
  const port = portOf(g)
  for (const size of [17_000, 16_000]) {
    // Windows as large as allowed: only the client's socket holds the gateway back.
    const c = await RawH2.session(port, [[SETTING.INITIAL_WINDOW_SIZE, 0x7fffffff - 1]])
    closers.add(() => c.close())
    c.write(windowUpdate(0, 0x7fffffff - 65535))
    c.socket.pause()
    c.write(requestHeaders(1, { path: `/big?size=${size}`, authority: `127.0.0.1:${port}` }))
    await sleep(1500)
    c.socket.resume()
    assert.ok(await c.waitFor(() => c.ended().has(1), 20_000), `${size}: the response did not end`)
    const body = c.body(1)
    const expected = Buffer.concat(Array.from({ length: COUNT }, (_, k) => chunkOf(size, k)))
    let firstWrong = -1
    for (let i = 0; i < Math.min(body.length, expected.length) && firstWrong < 0; i++)
      if (body[i] !== expected[i]) firstWrong = i
    t.diagnostic(`${size}-byte writes: ${body.length} bytes, first wrong byte at ${firstWrong}`)
    assert.equal(
      sha256(body),
      sha256(expected),
      `${size}-byte writes: ${body.length} of ${expected.length} bytes, the first that differs at offset ${firstWrong}`,
    )
    c.close()
  }
})

test('cancelling a stalled h2 stream (RST_STREAM CANCEL) aborts its upstream request; other streams carry on', async () => {
  let open = 0
  let closed = 0
  const up = await startFixture((req, res) => {
    if (req.url === '/s/ok') {
      res.end('ok')
      return
    }
    open++
    res.writeHead(200, { 'content-type': 'text/plain' })
    res.write('started\n')
    const t = setInterval(() => res.write('.'), 50)
    res.on('close', () => {
      clearInterval(t)
      closed++
    })
  })
  closers.add(() => up.close())
  const g = await startGateway({ routes: [{ path: '/s', targets: [{ url: up.url }] }] })
  closers.add(() => g.close())
  const session = await h2connect(g.url)
  closers.add(() => session.destroy())
  const streams = Array.from({ length: 20 }, (_, i) => {
    const s = session.request({ ':path': `/s/stream-${i}` })
    s.on('error', () => {})
    s.resume()
    return s
  })
  await Promise.all(streams.map((s) => once(s, 'response')))
  assert.equal(open, 20)
  for (const s of streams) s.close(http2.constants.NGHTTP2_CANCEL)
  const allClosed = await within(
    (async () => {
      for (let i = 0; i < 300 && closed < 20; i++) await sleep(10)
    })(),
    5000,
  )
  assert.ok(allClosed && closed === 20, `${closed} of 20 upstream requests were aborted`)
  // 20 cancellations are what a browser does on navigation: no GOAWAY, the session still works.
  const ok = await h2request(session, '/s/ok')
  assert.equal(ok.status, 200)
  assert.equal(ok.text, 'ok')
  assert.equal(session.closed, false)
})

test('RFC 9113 §6.4: a client RST_STREAM NO_ERROR before the response is complete cancels the upstream request (an event stream closes within 2 s)', async () => {
  let opened = 0
  let closedAt: number | undefined
  const up = await startFixture((_req, res) => {
    opened++
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    let n = 0
    const timer = setInterval(() => res.write(`data: ${++n}\n\n`), 100)
    res.on('close', () => {
      clearInterval(timer)
      closedAt = performance.now()
    })
  })
  closers.add(() => up.close())
  const g = await startGateway({ routes: [{ path: '/sse', targets: [{ url: up.url }] }] })
  closers.add(() => g.close())
  const port = portOf(g)
  const c = await rawSession(port)
  c.write(requestHeaders(1, { path: '/sse/events', authority: `127.0.0.1:${port}` }))
  assert.ok(await c.waitFor(() => c.body(1).includes('data: 2'), 5000), 'the events flow')
  const resetAt = performance.now()
  c.write(rstStream(1, ERROR.NO_ERROR))
  await within(
    (async () => {
      while (closedAt === undefined) await sleep(20)
    })(),
    2000,
  )
  assert.equal(opened, 1)
  assert.ok(
    closedAt !== undefined,
    'the upstream request still runs 2 s after the client reset its stream with NO_ERROR',
  )
  assert.ok((closedAt as number) - resetAt < 2000)
  // Only that stream went: the connection serves on.
  assert.equal(c.goaway, undefined)
  assert.equal(c.closed, false)
})

// RFC 9113 §5.1.2: a stream past the limit the client acknowledged is a stream error, PROTOCOL_ERROR or
// REFUSED_STREAM; the gateway says REFUSED_STREAM (nothing was processed: the client may send it again).
test('RFC 9113 §5.1.2: the 129th concurrent stream gets RST_STREAM REFUSED_STREAM and never reaches the upstream; the 128 others are answered', async () => {
  const held: (() => void)[] = []
  const up = await startFixture((req, res) => {
    held.push(() => {
      res.writeHead(200, { 'content-type': 'text/plain' })
      res.end(`ok ${req.url}`)
    })
  })
  closers.add(() => {
    for (const h of held.splice(0)) h()
    return up.close()
  })
  const g = await startGateway({ routes: [{ path: '/h', targets: [{ url: up.url }] }] })
  closers.add(() => g.close())
  const port = portOf(g)
  const c = await rawSession(port)
  const authority = `127.0.0.1:${port}`
  const frames: Buffer[] = []
  for (let i = 0; i < 129; i++) frames.push(requestHeaders(1 + 2 * i, { path: `/h/${i}`, authority }))
  c.write(Buffer.concat(frames))
  const extra = 1 + 2 * 128
  await c.waitFor(() => (up.hits >= 128 && c.resets().has(extra)) || c.goaway !== undefined || c.closed, 5000)
  assert.equal(c.resets().get(extra), ERROR.REFUSED_STREAM, 'the 129th stream is refused')
  assert.equal(up.hits, 128, 'the refused stream never reached the upstream')
  // Now let the upstream answer all it holds.
  for (const h of held.splice(0)) h()
  await c.waitFor(() => c.ended().size >= 128 || c.closed, 5000)
  const statuses = c.statuses()
  const answered = [...statuses.entries()].filter(([id, st]) => id !== extra && st === 200).length
  assert.deepEqual(
    { goaways: c.goaways().length, closedByGateway: c.closed, answered200: answered },
    { goaways: 0, closedByGateway: false, answered200: 128 },
  )
})

/** Sends `n` HEADERS+RST_STREAM(CANCEL) pairs, `perWrite` pairs per write, `pauseMs` apart. */
async function rapidReset(
  c: RawH2,
  port: number,
  n: number,
  perWrite: number,
  pauseMs: number,
): Promise<number> {
  const authority = `127.0.0.1:${port}`
  let sent = 0
  for (let batch = 0; batch * perWrite < n && !c.closed; batch++) {
    const parts: Buffer[] = []
    for (let i = 0; i < perWrite && sent < n; i++, sent++) {
      const id = 1 + 2 * sent
      parts.push(requestHeaders(id, { path: `/rr/${id}`, authority }), rstStream(id, ERROR.CANCEL))
    }
    c.write(Buffer.concat(parts))
    await c.drained()
    if (pauseMs > 0) await sleep(pauseMs)
    else await new Promise((r) => setImmediate(r))
  }
  return sent
}

async function rapidResetUpstream() {
  const up = await startFixture((_req, res) => {
    const t = setTimeout(() => res.end('late'), 500)
    res.on('close', () => clearTimeout(t))
  })
  closers.add(() => up.close())
  return up
}

// In bursts: the gateway counts streams cancelled before their answer (200 within a second), then
// sends GOAWAY ENHANCE_YOUR_CALM and cuts the connection.
test('CVE-2023-44487 rapid reset, in bursts: 2000 HEADERS+RST_STREAM → one GOAWAY (RFC 9113 §6.8), the connection cut, far fewer upstream requests', async () => {
  const up = await rapidResetUpstream()
  const g = await startGateway({ routes: [{ path: '/rr', targets: [{ url: up.url }] }] })
  closers.add(() => g.close())
  const port = portOf(g)
  const c = await rawSession(port)
  const sent = await rapidReset(c, port, 2000, 100, 0)
  const cut = await c.waitFor(() => c.closed, 5000)
  await sleep(300)
  const all = c.goaways()
  assert.ok(all.length > 0, `no GOAWAY after ${sent} cancelled streams`)
  assert.ok(
    all[0]?.code === ERROR.ENHANCE_YOUR_CALM || all[0]?.code === ERROR.INTERNAL_ERROR,
    `GOAWAY frames received: ${JSON.stringify(all)} after ${sent} streams`,
  )
  assert.equal(cut, true, 'the gateway closed the connection')
  for (let i = 1; i < all.length; i++)
    assert.ok(
      (all[i] as { lastStreamId: number }).lastStreamId <=
        (all[i - 1] as { lastStreamId: number }).lastStreamId,
      `a later GOAWAY must not raise the last stream id (RFC 9113 §6.8): ${JSON.stringify(all)}`,
    )
  assert.ok(sent < 2000 || cut, 'the gateway stopped the flood')
  assert.ok(up.hits < 250, `the upstream saw ${up.hits} of ${sent} cancelled requests`)
})

test('CVE-2023-44487 rapid reset, one pair at a time: GOAWAY ENHANCE_YOUR_CALM after about 200 within a second', async () => {
  const up = await rapidResetUpstream()
  const g = await startGateway({ routes: [{ path: '/rr', targets: [{ url: up.url }] }] })
  closers.add(() => g.close())
  const port = portOf(g)
  const c = await rawSession(port)
  const sent = await rapidReset(c, port, 2000, 1, 1)
  const cut = await c.waitFor(() => c.closed, 5000)
  const all = c.goaways()
  assert.deepEqual(
    { firstGoawayCode: all[0]?.code, closedByGateway: cut },
    { firstGoawayCode: ERROR.ENHANCE_YOUR_CALM, closedByGateway: true },
    `GOAWAY frames received: ${JSON.stringify(all)} after ${sent} streams`,
  )
  assert.ok(sent < 2000, `all ${sent} streams were sent before the gateway reacted`)
  assert.ok(
    sent >= 200,
    `cut off after only ${sent} cancelled streams (more than 200 within a second is the limit)`,
  )
  assert.ok(up.hits < 250, `the upstream saw ${up.hits} of ${sent} cancelled requests`)
})

// MadeYouReset: the client never sends RST_STREAM; a frame of its makes the gateway reset the stream
// after the request went upstream. Each such reset costs the upstream a request, as a rapid reset does.
for (const [what, kill] of [
  ['WINDOW_UPDATE 0 on the stream (§6.9)', (id: number) => windowUpdate(id, 0)],
  [
    'PRIORITY depending on its own stream (§5.3.1)',
    (id: number) => {
      const p = Buffer.alloc(5)
      p.writeUInt32BE(id, 0)
      return frame(FRAME.PRIORITY, 0, id, p)
    },
  ],
] as const) {
  test(`CVE-2025-8671 MadeYouReset: 1000 streams each reset by the gateway for a ${what} → GOAWAY ENHANCE_YOUR_CALM, far fewer upstream requests`, async (t) => {
    const up = await startFixture(() => {}) // never answers
    closers.add(() => up.close())
    const g = await startGateway({ routes: [{ path: '/myr', targets: [{ url: up.url }] }] })
    closers.add(() => g.close())
    const port = portOf(g)
    const c = await rawSession(port)
    const authority = `127.0.0.1:${port}`
    let sent = 0
    // 100 streams at a time (under the 128 concurrent), each killed once its request went upstream.
    for (let round = 0; round < 10 && !c.closed; round++) {
      const ids = Array.from({ length: 100 }, (_, i) => 1 + 2 * (sent + i))
      c.write(Buffer.concat(ids.map((id) => requestHeaders(id, { path: `/myr/${id}`, authority }))))
      sent += ids.length
      await within(
        (async () => {
          while (up.hits < sent && !c.closed) await sleep(10)
        })(),
        1000,
      )
      c.write(Buffer.concat(ids.map(kill)))
      await sleep(20)
    }
    await c.waitFor(() => c.closed, 3000)
    t.diagnostic(`${sent} streams sent, ${up.hits} upstream requests, GOAWAY ${JSON.stringify(c.goaways())}`)
    assert.equal(c.goaway?.code, ERROR.ENHANCE_YOUR_CALM, `GOAWAY frames: ${JSON.stringify(c.goaways())}`)
    assert.ok(up.hits < 500, `the upstream saw ${up.hits} of ${sent} requests`)
  })
}

test('RFC 8441: extended CONNECT (:protocol) is refused when SETTINGS_ENABLE_CONNECT_PROTOCOL was not sent; the session goes on', async () => {
  const up = await echo()
  closers.add(() => up.close())
  const g = await startGateway({ routes: [{ path: '/ws', targets: [{ url: up.url }] }] })
  closers.add(() => g.close())
  const port = portOf(g)
  const c = await rawSession(port)
  const authority = `127.0.0.1:${port}`
  c.write(
    requestHeaders(1, {
      method: 'CONNECT',
      path: '/ws',
      authority,
      extra: [
        [':protocol', 'websocket'],
        ['sec-websocket-version', '13'],
      ],
      endStream: false,
    }),
  )
  await c.waitFor(() => c.resets().has(1) || c.statuses().has(1) || c.closed, 5000)
  const status = c.statuses().get(1)
  assert.ok(
    c.resets().get(1) === ERROR.PROTOCOL_ERROR || (status !== undefined && status >= 400 && status < 500),
    `stream 1: reset ${c.resets().get(1)}, status ${status}, goaway ${JSON.stringify(c.goaway)}`,
  )
  assert.equal(up.hits, 0, 'nothing reached the upstream')
  // A stream error only: the next request on the connection is answered.
  c.write(requestHeaders(3, { path: '/ws/plain', authority }))
  await c.waitFor(() => c.ended().has(3) || c.closed, 5000)
  assert.equal(c.statuses().get(3), 200, `goaway ${JSON.stringify(c.goaway)}`)
})

test('RFC 9113 §8.3.1: Host naming another host than :authority → 400 problem, nothing upstream', async () => {
  const up = await echo()
  closers.add(() => up.close())
  const g = await startGateway({ routes: [{ path: '/hx', targets: [{ url: up.url }] }] })
  closers.add(() => g.close())
  const authority = new URL(g.url).host
  const session = await h2connect(g.url)
  closers.add(() => session.destroy())
  const bad = await h2request(session, '/hx/a', { headers: { ':authority': authority, host: 'evil.test' } })
  assert.equal(bad.status, 400, bad.text)
  assert.equal(bad.headers['content-type'], 'application/problem+json')
  assert.equal(bad.json().status, 400)
  assert.equal(up.hits, 0)
  // Host equal to :authority is fine, and the session still works.
  const same = await h2request(session, '/hx/b', { headers: { ':authority': authority, host: authority } })
  assert.equal(same.status, 200, same.text)
  assert.equal(same.json<Seen>().headers.host, new URL(up.url).host)
  assert.equal(same.json<Seen>().headers['x-forwarded-host'], authority)
  const plain = await h2request(session, '/hx/c', { headers: { ':authority': 'app.test:8443' } })
  assert.equal(plain.status, 200)
  assert.equal(plain.json<Seen>().headers['x-forwarded-host'], 'app.test:8443')
  assert.equal(up.hits, 2)
})

// The bytes of a whole exchange in one packet: the stream is made and reset before the gateway's
// request handler runs, so it reaches the handler already destroyed. It must be dropped (and counted
// as an early reset), never take the gateway down.
for (const [what, tail] of [
  ['RST_STREAM', (id: number) => rstStream(id, ERROR.CANCEL)],
  [
    'DATA longer than its content-length',
    (id: number) => frame(FRAME.DATA, FLAG.END_STREAM, id, Buffer.alloc(10)),
  ],
] as const) {
  test(`HEADERS then ${what} in the connection's first packet: the stream is dropped, the gateway serves on`, async () => {
    const up = await echo()
    closers.add(() => up.close())
    const g = await startGateway({ routes: [{ path: '/one', targets: [{ url: up.url }] }] })
    closers.add(() => g.close())
    const port = portOf(g)
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = connect(port, '127.0.0.1', () => resolve(s))
      s.once('error', reject)
    })
    closers.add(() => {
      socket.destroy()
    })
    socket.on('error', () => {})
    const authority = `127.0.0.1:${port}`
    const head = requestHeaders(1, {
      method: 'POST',
      path: '/one/x',
      authority,
      endStream: false,
      extra: [['content-length', '5']],
    })
    socket.write(Buffer.concat([PREFACE, settingsFrame(), head, tail(1)]))
    await sleep(300)
    const r = await h2get(`http://${authority}`, '/one/after')
    assert.equal(r.status, 200)
    assert.equal(up.hits, 1, 'only the request after reached the upstream')
  })
}

test('a connection preface trickled a byte at a time is closed once server.headTimeout has passed since its first byte', async () => {
  const g = await startGateway({ server: { headTimeout: 1000 }, routes: [] })
  closers.add(() => g.close())
  const socket = await new Promise<Socket>((resolve, reject) => {
    const s = connect(portOf(g), '127.0.0.1', () => resolve(s))
    s.once('error', reject)
  })
  closers.add(() => {
    socket.destroy()
  })
  socket.on('error', () => {})
  let closedAt = 0
  socket.once('close', () => {
    closedAt = performance.now()
  })
  const started = performance.now()
  // 24 bytes, 250 ms apart, would take 6 s; each byte would restart an idle timer.
  for (const byte of PREFACE) {
    if (closedAt > 0) break
    socket.write(Buffer.from([byte]))
    await sleep(250)
  }
  assert.ok(closedAt > 0, 'the gateway kept the connection open')
  const after = closedAt - started
  assert.ok(after >= 900 && after < 2500, `closed after ${after.toFixed(0)} ms`)
})
