// RFC 9112 §9.6 (and RFC 9113 §8.1 for HTTP/2): an answer that goes out while the client is still
// uploading — a 413, a 401, a 429 — must reach it. The gateway stops writing, keeps reading and
// dropping the rest within bounds (LINGER_BYTES, LINGER_MS), and only then closes; on a kept-alive
// connection the unwanted rest is dropped and the next request is served.
import assert from 'node:assert/strict'
import { once } from 'node:events'
import http2 from 'node:http2'
import { describe, test } from 'node:test'
import { LINGER_BYTES, LINGER_MS } from '../../src/gateway/server/lingering-close.ts'
import {
  assertNothingUpstream,
  assertProblem,
  finalResponses,
  LANES,
  one,
  parseResponses,
  RawClient,
  rawRequest,
  show,
  sleep,
  startPair,
} from './raw.ts'

const SECRET = 'lingering-close-test-secret-0123456789'
const MiB = 1024 * 1024

/** One JWT-protected route (every request without a token gets a 401) and one open route. */
const config = (url: string) => ({
  routes: [
    { path: '/locked', targets: [{ url }], jwt: { secret: SECRET } },
    { path: '/', targets: [{ url }] },
  ],
})
const echoTarget = (req: { target: string }) =>
  `HTTP/1.1 200 OK\r\nContent-Length: ${req.target.length}\r\n\r\n${req.target}`

describe('closing in stages (RFC 9112 §9.6)', () => {
  test('RFC 9112 §9.6: an 8 MiB upload to the admin API gets its 413 every time, never EPIPE (fetch, 12 tries)', async (t) => {
    const { port } = await startPair(t, 'on', echoTarget, config)
    const body = JSON.stringify({
      path: '/big',
      targets: [{ url: 'http://127.0.0.1:9' }],
      pad: 'x'.repeat(8 * MiB),
    })
    const routes = async () => (await fetch(`http://127.0.0.1:${port}/gateway/api/routes`)).text()
    const before = await routes()
    const seen: string[] = []
    for (let i = 0; i < 12; i++) {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/gateway/api/routes`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        })
        await res.arrayBuffer()
        seen.push(String(res.status))
      } catch (err) {
        seen.push(String(((err as Error).cause as NodeJS.ErrnoException | undefined)?.code ?? err))
      }
    }
    assert.deepEqual(seen, Array(12).fill('413'))
    assert.equal(await routes(), before, 'a refused upload changed nothing')
  })

  test('RFC 9112 §9.6: a 413 that closes: the client reads all of it and a FIN, and may go on sending meanwhile (no reset)', async (t) => {
    const { port } = await startPair(t, 'on', echoTarget, config)
    const client = await RawClient.connect(port)
    t.after(() => client.close())
    let writeError: string | undefined
    client.socket.on('error', (err: NodeJS.ErrnoException) => {
      writeError ??= err.code
    })
    client.write(
      `POST /gateway/api/routes HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: ${8 * MiB}\r\n\r\n`,
    )
    client.write(Buffer.alloc(256 * 1024, 0x20))
    assert.ok(await client.waitFor(finalResponses(1), 4000), show(client.bytes))
    assert.equal(one(client.bytes).status, 413)
    assert.ok(await client.waitFor(() => client.closedByServer, 2000), 'the server stopped writing (FIN)')
    // Still being read and dropped: what the client sends now is not answered with a reset.
    for (let i = 0; i < 16; i++) {
      client.write(Buffer.alloc(64 * 1024, 0x20))
      await sleep(10)
    }
    await sleep(100)
    assert.equal(writeError, undefined)
  })

  test('RFC 9110 §10.1.1: Expect: 100-continue with a body the admin API will not take gets the 413 at once, no 100', async (t) => {
    const { port } = await startPair(t, 'on', echoTarget, config)
    const r = await rawRequest(
      port,
      `POST /gateway/api/routes HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: ${8 * MiB}\r\nExpect: 100-continue\r\n\r\n`,
      { until: finalResponses(1), maxMs: 4000 },
    )
    const [first, ...rest] = parseResponses(r.bytes)
    assert.equal(first?.status, 413, show(r.bytes))
    assert.equal(rest.length, 0, show(r.bytes))
  })

  for (const lane of LANES) {
    test(`RFC 9112 §9.6: a 401 to an upload on a kept-alive connection drops the unwanted body; the next request is served and never sees it (fast lane ${lane})`, async (t) => {
      const { up, port } = await startPair(t, lane, echoTarget, config)
      const r = await rawRequest(
        port,
        [
          `POST /locked HTTP/1.1\r\nHost: a\r\nContent-Length: ${MiB}\r\n\r\n`,
          Buffer.alloc(MiB, 0x47),
          'GET /next HTTP/1.1\r\nHost: a\r\n\r\n',
        ],
        { until: finalResponses(2), maxMs: 5000 },
      )
      const [locked, next] = parseResponses(r.bytes)
      assert.ok(locked && next, show(r.bytes))
      assertProblem(locked, 401)
      assert.equal(next.status, 200)
      assert.equal(next.body.toString(), '/next')
      assert.equal(r.closedByServer, false)
      assert.deepEqual(
        up.requests.map((q) => `${q.method} ${q.target} ${q.body.length}`),
        ['GET /next 0'],
      )
    })

    test(`RFC 9112 §9.6: a request pipelined after one the gateway refused is never served while the connection lingers (fast lane ${lane})`, async (t) => {
      const { up, port } = await startPair(t, lane, echoTarget, config)
      const r = await rawRequest(
        port,
        'GET /a HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n',
        { until: finalResponses(1), graceMs: 300, maxMs: 4000 },
      )
      assertProblem(one(r.bytes), 400)
      await sleep(100)
      assertNothingUpstream(up)
    })
  }

  test(`RFC 9112 §9.6: an unwanted upload that goes on for longer than ${LINGER_MS} ms is cut, in stages`, async (t) => {
    const { up, port } = await startPair(t, 'on', echoTarget, config)
    const client = await RawClient.connect(port)
    t.after(() => client.close())
    client.write(`POST /locked HTTP/1.1\r\nHost: a\r\nContent-Length: ${100 * MiB}\r\n\r\n`)
    let answeredAt = 0
    const until = Date.now() + LINGER_MS + 4000
    for (let i = 0; i < 1000 && !client.serverGone && Date.now() < until; i++) {
      client.write(Buffer.alloc(8 * 1024, 0x47))
      await sleep(50)
      if (answeredAt === 0 && finalResponses(1)(client.bytes)) answeredAt = Date.now()
    }
    assert.ok(answeredAt > 0, show(client.bytes))
    assertProblem(one(client.bytes), 401)
    assert.ok(client.serverGone, 'the connection was closed')
    const closedAfter = (client.closedAt ?? Date.now()) - answeredAt
    assert.ok(closedAfter >= LINGER_MS - 500, `closed ${closedAfter} ms after the answer: too soon`)
    assertNothingUpstream(up)
  })
})

describe('HTTP/2: dropping an unwanted upload within bounds (RFC 9113 §8.1)', () => {
  test(`RFC 9113 §8.1: a 401 to an h2 upload arrives whole; past ${LINGER_BYTES} bytes the stream is reset with NO_ERROR`, async (t) => {
    const { up, port } = await startPair(t, 'on', echoTarget, config)
    const session = http2.connect(`http://127.0.0.1:${port}`)
    t.after(() => session.destroy())
    const stream = session.request({ ':method': 'POST', ':path': '/locked' })
    const [head] = (await once(stream, 'response')) as [http2.IncomingHttpHeaders]
    assert.equal(head[':status'], 401)
    let body = ''
    stream.setEncoding('utf8')
    stream.on('data', (d: string) => {
      body += d
    })
    const closed = once(stream, 'close')
    const chunk = Buffer.alloc(256 * 1024, 0x47)
    for (
      let sent = 0;
      sent <= LINGER_BYTES + MiB && !stream.destroyed && !stream.closed;
      sent += chunk.length
    ) {
      if (!stream.write(chunk)) await Promise.race([once(stream, 'drain'), closed])
    }
    await closed
    assert.equal(stream.rstCode, http2.constants.NGHTTP2_NO_ERROR)
    assert.equal((JSON.parse(body) as { status: number }).status, 401)
    assertNothingUpstream(up)
  })
})
