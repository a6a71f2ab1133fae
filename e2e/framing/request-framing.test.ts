// What the gateway accepts from a client (RFC 9112 §2–§3, §6, §9; RFC 9110 §2.5): a request it cannot
// read exactly is refused by the gateway itself (problem+json) and never reaches the upstream. Every
// case runs with the fast lane on and with SALLYPORT_FAST_LANE=off.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import {
  type AfterHook,
  assertNothingUpstream,
  assertProblem,
  one,
  finalResponses,
  headerOf,
  headerValues,
  LANES,
  type Lane,
  type ParsedResponse,
  type Part,
  parseResponses,
  RawClient,
  rawRequest,
  show,
  startPair,
} from './raw.ts'

/** Upstream answering `200` with the request target as the body; one catch-all route. */
function setup(t: AfterHook, lane: Lane, config: Record<string, unknown> = {}) {
  return startPair(
    t,
    lane,
    (req, conn) => {
      if (req.target === '/slow') {
        // Three chunks, 150 ms apart.
        conn.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\none-\r\n')
        setTimeout(() => conn.write('4\r\ntwo-\r\n'), 150)
        setTimeout(() => conn.write('5\r\nthree\r\n0\r\n\r\n'), 300)
        return undefined
      }
      const body = req.target
      return `HTTP/1.1 200 OK\r\nContent-Length: ${Buffer.byteLength(body, 'latin1')}\r\n\r\n${body}`
    },
    (url) => ({ ...config, routes: [{ path: '/', targets: [{ url }] }] }),
  )
}

const closeToken = (r: ParsedResponse) =>
  headerValues(r, 'connection').some((v) =>
    v
      .toLowerCase()
      .split(',')
      .some((t) => t.trim() === 'close'),
  )

const once = (port: number, parts: Part | Part[], quietMs = 400) =>
  rawRequest(port, parts, { until: finalResponses(1), quietMs, maxMs: 4000 })

for (const lane of LANES) {
  describe(`client request framing (fast lane ${lane})`, () => {
    // --- RFC 9112 §3.2 Host ------------------------------------------------------------------------
    for (const [name, head] of [
      ['HTTP/1.1 without Host', 'GET /a HTTP/1.1\r\n\r\n'],
      ['two Host lines', 'GET /a HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n'],
      ['an empty Host', 'GET /a HTTP/1.1\r\nHost: \r\n\r\n'],
      ['Host: a b', 'GET /a HTTP/1.1\r\nHost: a b\r\n\r\n'],
      ['Host: x:abc', 'GET /a HTTP/1.1\r\nHost: x:abc\r\n\r\n'],
    ] as const) {
      test(`RFC 9112 §3.2: ${name} → 400, nothing upstream`, async (t) => {
        const { up, port } = await setup(t, lane)
        const r = await once(port, head)
        assertProblem(one(r.bytes), 400)
        assertNothingUpstream(up)
      })
    }

    for (const [name, head] of [
      ['HTTP/1.0 without Host', 'GET /a HTTP/1.0\r\n\r\n'],
      ['Host: [::1]:8080', 'GET /a HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n'],
      ['Host: localhost:1', 'GET /a HTTP/1.1\r\nHost: localhost:1\r\n\r\n'],
    ] as const) {
      test(`RFC 9112 §3.2: ${name} is served`, async (t) => {
        const { up, port } = await setup(t, lane)
        const r = await once(port, head)
        const res = one(r.bytes)
        assert.equal(res.status, 200, show(res.raw))
        assert.equal(res.body.toString('latin1'), '/a')
        assert.equal(up.requests.length, 1)
      })
    }

    // --- RFC 9112 §3.2.2 / §3.2.4 request-target forms ----------------------------------------------
    test('RFC 9112 §3.2.2: absolute-form goes upstream in origin-form, its authority as x-forwarded-host', async (t) => {
      const { up, port } = await setup(t, lane)
      const r = await once(port, 'GET http://evil.example/abs?q=1 HTTP/1.1\r\nHost: good.example\r\n\r\n')
      const res = one(r.bytes)
      assert.equal(res.status, 200, show(res.raw))
      assert.equal(up.requests.length, 1)
      assert.equal(up.requests[0]?.requestLine, 'GET /abs?q=1 HTTP/1.1')
      assert.equal(up.requests[0]?.header('x-forwarded-host'), 'evil.example')
    })

    test('RFC 9112 §3.2.4: OPTIONS * is answered by the gateway (204 with Allow), nothing upstream', async (t) => {
      const { up, port } = await setup(t, lane)
      const r = await once(port, 'OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n')
      const res = one(r.bytes, ['OPTIONS'])
      assert.equal(res.status, 204, show(res.raw))
      assert.equal(headerValues(res, 'allow').length, 1, show(res.raw))
      assertNothingUpstream(up)
    })

    test('RFC 9112 §3.2.4: GET * → 400, nothing upstream', async (t) => {
      const { up, port } = await setup(t, lane)
      const r = await once(port, 'GET * HTTP/1.1\r\nHost: x\r\n\r\n')
      assertProblem(one(r.bytes), 400)
      assertNothingUpstream(up)
    })

    // --- RFC 9112 §2.2 / §3 request line and line endings -------------------------------------------
    for (const [name, head] of [
      ['a raw tab in the request target', 'GET /a\tb HTTP/1.1\r\nHost: x\r\n\r\n'],
      ['byte 0xFF in the request target', 'GET /a\xffb HTTP/1.1\r\nHost: x\r\n\r\n'],
    ] as const) {
      test(`RFC 9112 §3.2: ${name} → 400, nothing upstream`, async (t) => {
        const { up, port } = await setup(t, lane)
        const r = await once(port, head)
        assertProblem(one(r.bytes), 400)
        assertNothingUpstream(up)
      })
    }

    test('RFC 9112 §2.2: a bare-LF request head → 400 within 1 s, not a hang', async (t) => {
      const { up, port } = await setup(t, lane)
      const r = await rawRequest(port, 'GET /a HTTP/1.1\nHost: x\n\n', {
        until: finalResponses(1),
        quietMs: 1500,
        maxMs: 2000,
      })
      assert.ok(r.firstByteMs !== undefined && r.firstByteMs < 1000, `first byte after ${r.firstByteMs} ms`)
      assertProblem(one(r.bytes), 400)
      assertNothingUpstream(up)
    })

    // --- head deadline -------------------------------------------------------------------------------
    test('RFC 9112 §9.5: a request head still incomplete after server.headTimeout (1 s) gets 408 and close, however it trickles', async (t) => {
      const { up, port } = await setup(t, lane, { server: { headTimeout: 1000 } })
      // One byte every 200 ms; bounded at 4 s (the 408 is due by 3 s).
      const parts: Part[] = ['GET /a HTTP/1.1\r\n']
      for (let i = 0; i < 20; i++) parts.push(200, 'X')
      // What completes the head after the 408 must not be read as a request either.
      parts.push(': 1\r\nHost: x\r\n\r\n')
      const r = await rawRequest(port, parts, { quietMs: 1000, maxMs: 4500 })
      assert.ok(r.bytes.length > 0, `no answer within ${4500} ms (closed by server: ${r.closedByServer})`)
      const res = one(r.bytes)
      assertProblem(res, 408)
      assert.ok(closeToken(res), `no Connection: close:\n${show(res.raw)}`)
      assert.ok(r.closedByServer, 'the gateway closed the connection')
      const at = r.firstByteMs ?? -1
      assert.ok(at >= 900 && at <= 3000, `408 after ${at} ms`)
      assertNothingUpstream(up)
    })

    // The deadline runs from a head's first byte. The lane holds new connections until then; node:http
    // alone (the SALLYPORT_FAST_LANE=off escape hatch) counts from the connection's start.
    test('RFC 9112 §9.5: an idle connection that sent nothing is not answered 408 within the head deadline window', {
      skip: lane === 'off' ? 'node:http counts the head deadline from the connection start' : false,
    }, async (t) => {
      const { port } = await setup(t, lane, { server: { headTimeout: 1000 } })
      const client = await RawClient.connect(port)
      try {
        await client.collect(3000, 3000)
        assert.equal(client.bytes.length, 0, show(client.bytes))
        assert.ok(!client.serverGone, 'the idle connection was closed')
      } finally {
        client.close()
      }
    })

    test('RFC 6585 §5: a request head with a 20000-byte header → 431 and close', async (t) => {
      const { up, port } = await setup(t, lane)
      const r = await once(port, `GET /a HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20000)}\r\n\r\n`, 600)
      assertProblem(one(r.bytes), 431)
      assert.ok(r.closedByServer, 'the gateway closed the connection')
      assertNothingUpstream(up)
    })

    // --- RFC 9110 §9.3.6 CONNECT: a 2xx would make the upstream connection a tunnel -----------------
    for (const target of ['example.com:443', '/x', 'http://gw.test/x']) {
      test(`RFC 9110 §9.3.6: CONNECT ${target} → 501 and close, nothing upstream`, async (t) => {
        const { up, port } = await setup(t, lane)
        const r = await once(port, `CONNECT ${target} HTTP/1.1\r\nHost: gw.test\r\n\r\n`)
        assertProblem(one(r.bytes), 501)
        assert.ok(r.closedByServer, 'the gateway closed the connection')
        assertNothingUpstream(up)
      })
    }

    // --- RFC 9110 §2.5 versions ----------------------------------------------------------------------
    test('RFC 9110 §2.5: GET / HTTP/2.0 → 505', async (t) => {
      const { up, port } = await setup(t, lane)
      const r = await once(port, 'GET / HTTP/2.0\r\nHost: x\r\n\r\n')
      assertProblem(one(r.bytes), 505)
      assertNothingUpstream(up)
    })

    test('RFC 9110 §2.5: GET / HTTP/1.2 → 505 (or 400), never served', async (t) => {
      const { up, port } = await setup(t, lane)
      const r = await once(port, 'GET / HTTP/1.2\r\nHost: x\r\n\r\n')
      const res = one(r.bytes)
      assert.ok(res.status === 505 || res.status === 400, show(res.raw))
      assertProblem(res, res.status)
      assertNothingUpstream(up)
    })

    // --- RFC 9112 §6.1 / §6.3 request Transfer-Encoding ----------------------------------------------
    test('RFC 9112 §6.3: Transfer-Encoding: xchunked → 400 and close, nothing upstream', async (t) => {
      const { up, port } = await setup(t, lane)
      const r = await once(
        port,
        'POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n',
        600,
      )
      assertProblem(one(r.bytes), 400)
      assert.ok(r.closedByServer, 'the gateway closed the connection')
      assertNothingUpstream(up)
    })

    test('RFC 9112 §6.1: Transfer-Encoding: gzip, chunked → 501, nothing upstream', async (t) => {
      const { up, port } = await setup(t, lane)
      const r = await once(
        port,
        'POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n',
        600,
      )
      assertProblem(one(r.bytes), 501)
      assertNothingUpstream(up)
    })

    const SMUGGLING = [
      [
        'CL.TE (Content-Length then Transfer-Encoding: chunked)',
        'POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nG',
      ],
      [
        'TE.CL (Transfer-Encoding: chunked then Content-Length)',
        'POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n8\r\nSMUGGLED\r\n0\r\n\r\n',
      ],
      [
        'conflicting Content-Length lines',
        'POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!',
      ],
    ] as const
    for (const [name, bytes] of SMUGGLING) {
      test(`RFC 9112 §6.3: ${name} stays refused — 400 and close, nothing upstream`, async (t) => {
        const { up, port } = await setup(t, lane)
        const r = await once(port, bytes, 600)
        const res = one(r.bytes)
        assert.equal(res.status, 400, show(res.raw))
        assert.ok(r.closedByServer, 'the gateway closed the connection')
        assertNothingUpstream(up)
      })
    }

    test('RFC 9112 §6.3: the 400s for smuggling attempts are the gateway’s problem+json', async (t) => {
      const { port } = await setup(t, lane)
      for (const [name, bytes] of SMUGGLING) {
        const r = await once(port, bytes, 600)
        const res = one(r.bytes)
        assert.equal(headerOf(res, 'content-type'), 'application/problem+json', `${name}:\n${show(res.raw)}`)
      }
    })

    // --- RFC 9112 §9.6 closing -----------------------------------------------------------------------
    test('RFC 9112 §9.6: Connection: keep-alive, close → the response says Connection: close and the gateway closes', async (t) => {
      const { port } = await setup(t, lane)
      const r = await once(port, 'GET /a HTTP/1.1\r\nHost: x\r\nConnection: keep-alive, close\r\n\r\n', 600)
      const res = one(r.bytes)
      assert.equal(res.status, 200)
      assert.ok(closeToken(res), `no Connection: close:\n${show(res.raw)}`)
      assert.ok(r.closedByServer, 'the gateway kept the connection open')
    })

    test('RFC 9112 §9.6: garbage sent while a response streams is answered 400 after that response, never inside it', async (t) => {
      const { port } = await setup(t, lane)
      const r = await rawRequest(
        port,
        ['GET /slow HTTP/1.1\r\nHost: x\r\n\r\n', 50, '\x00\x01garbage\r\n\r\n'],
        {
          quietMs: 600,
          maxMs: 3000,
        },
      )
      const all = parseResponses(r.bytes)
      assert.deepEqual(
        all.map((x) => x.status),
        [200, 400],
        `the complete 200, then the 400 for the garbage:\n${show(r.bytes)}`,
      )
      assert.equal(all[0]?.body.toString('latin1'), 'one-two-three')
      assertProblem(all[1] as ParsedResponse, 400)
      assert.ok(r.closedByServer, 'the gateway closed the connection')
    })

    for (const [name, first] of [
      ['HTTP/1.0 without keep-alive', 'GET /a HTTP/1.0\r\nHost: x\r\n\r\n'],
      ['Connection: close', 'GET /a HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'],
    ] as const) {
      test(`RFC 9112 §9.6: a request pipelined after ${name} is not answered (nor forwarded); the connection closes`, async (t) => {
        const { up, port } = await setup(t, lane)
        const r = await rawRequest(port, `${first}GET /b HTTP/1.1\r\nHost: x\r\n\r\n`, { quietMs: 600 })
        const res = one(r.bytes)
        assert.equal(res.status, 200)
        assert.equal(res.body.toString('latin1'), '/a')
        assert.ok(r.closedByServer, 'the gateway closed the connection')
        assert.deepEqual(
          up.requests.map((q) => q.target),
          ['/a'],
          'what the upstream received',
        )
      })
    }
  })
}
