// What the gateway makes of the bytes an upstream sends back (RFC 9112 §6, RFC 9110 §15): exactly one
// well-framed response per client request, nothing left behind on a connection that is reused, nothing
// of one client's exchange ever reaching another client.
import assert from 'node:assert/strict'
import { gzipSync } from 'node:zlib'
import { describe, test } from 'node:test'
import {
  type AfterHook,
  answer,
  printResponses as describeResponses,
  finalResponses,
  headerOf,
  headerValues,
  LANES,
  type Lane,
  ok,
  parseResponses,
  RawClient,
  rawRequest,
  type RawUpstream,
  show,
  sleep,
  startPair,
  type UpstreamScript,
} from './raw.ts'

/** An upstream with `script`, and a gateway routing everything to it (closed when the test ends). */
function setup(t: AfterHook, lane: Lane, script: UpstreamScript, extra: Record<string, unknown> = {}) {
  const { route, ...rest } = extra as { route?: Record<string, unknown> }
  return startPair(t, lane, script, (url) => ({
    ...rest,
    routes: [{ path: '/', targets: [{ url }], ...route }],
  }))
}

const get = (path: string, extra = '') => `GET ${path} HTTP/1.1\r\nHost: gw.test\r\n${extra}\r\n`

function assertProblem(r: { headers: [string, string][]; body: Buffer }, status: number): void {
  assert.equal(headerOf(r, 'content-type'), 'application/problem+json')
  const problem = JSON.parse(r.body.toString('utf8')) as { status?: number }
  assert.equal(problem.status, status)
}

/** Waits (bounded) for an upstream connection to be closed. */
async function closedSoon(up: RawUpstream, connId: number, ms: number): Promise<boolean> {
  const until = Date.now() + ms
  while (Date.now() < until) {
    if (up.connections[connId]?.closed) return true
    await sleep(20)
  }
  return up.connections[connId]?.closed === true
}

const EXTRA = 'HTTP/1.1 200 OK\r\nContent-Length: 4\r\nSet-Cookie: stolen=1\r\n\r\nEVIL'

const LEAK_CASES = [
  {
    name: 'HEAD answered with Content-Length: 5 (no body)',
    method: 'HEAD',
    request: 'HEAD /h HTTP/1.1\r\nHost: gw.test\r\n\r\n',
    first: 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n',
    status: 200,
  },
  {
    name: '204',
    method: 'GET',
    request: get('/h'),
    first: 'HTTP/1.1 204 No Content\r\n\r\n',
    status: 204,
  },
  {
    name: '304 to If-None-Match',
    method: 'GET',
    request: get('/h', 'If-None-Match: "v1"\r\n'),
    first: 'HTTP/1.1 304 Not Modified\r\nETag: "v1"\r\n\r\n',
    status: 304,
  },
  {
    name: 'Content-Length: 0',
    method: 'GET',
    request: get('/h'),
    first: 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n',
    status: 200,
  },
] as const

for (const lane of LANES) {
  describe(`upstream response framing (fast lane ${lane})`, () => {
    for (const c of LEAK_CASES) {
      for (const cap of [1, undefined]) {
        test(`RFC 9112 §6.3: bytes after a bodiless response (${c.name}) reach no other client; that upstream connection is not reused (connections: ${cap ?? 'no cap'})`, async (t) => {
          const { up, port } = await setup(
            t,
            lane,
            (req) => (req.target === '/h' ? `${c.first}${EXTRA}` : ok(req.target)),
            cap === undefined ? {} : { defaults: { connections: cap } },
          )
          const a = await rawRequest(port, c.request, { until: finalResponses(1, { methods: [c.method] }) })
          const b = await rawRequest(port, get('/victim', 'Cookie: session=secret\r\n'), {
            until: finalResponses(1),
          })
          const third = await rawRequest(port, get('/third'), { until: finalResponses(1) })
          for (const [who, r] of [
            ['A', a],
            ['B', b],
            ['C', third],
          ] as const) {
            const text = r.bytes.toString('latin1')
            assert.ok(
              !text.includes('EVIL') && !text.includes('stolen'),
              `client ${who} got:\n${show(r.bytes)}`,
            )
          }
          const ra = parseResponses(a.bytes, { methods: [c.method] })
          assert.equal(ra.length, 1, describeResponses(ra))
          assert.equal(ra[0]?.status, c.status)
          assert.equal(ra[0]?.body.length, 0)
          const rb = parseResponses(b.bytes)
          assert.equal(rb.length, 1, describeResponses(rb))
          assert.equal(rb[0]?.status, 200)
          assert.equal(rb[0]?.body.toString('latin1'), '/victim')
          const rc = parseResponses(third.bytes)
          assert.equal(rc.length, 1, describeResponses(rc))
          assert.equal(rc[0]?.body.toString('latin1'), '/third')

          const dirty = up.requests.find((r) => r.target === '/h')
          assert.ok(dirty, 'the upstream saw the first request')
          const conn = up.connections[dirty.connId]
          assert.deepEqual(
            conn?.requests.map((r) => r.target),
            ['/h'],
            'the connection that carried the extra bytes was used again',
          )
          assert.ok(await closedSoon(up, dirty.connId, 1000), 'the gateway closed that upstream connection')
        })
      }
    }

    test('RFC 9112 §6.3: Content-Length with Transfer-Encoding: chunked — chunked wins, the client gets no content-length, the next pipelined response is intact', async (t) => {
      const { port } = await setup(t, lane, (req) =>
        req.target === '/clte'
          ? 'HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n'
          : ok(req.target),
      )
      const r = await rawRequest(port, get('/clte') + get('/second'), {
        until: finalResponses(2),
        quietMs: 500,
      })
      const rs = parseResponses(r.bytes)
      assert.equal(rs.length, 2, describeResponses(rs))
      assert.equal(rs[0]?.status, 200)
      assert.equal(rs[0]?.body.toString('latin1'), 'hello')
      assert.deepEqual(headerValues(rs[0] as { headers: [string, string][] }, 'content-length'), [])
      assert.equal(rs[1]?.status, 200)
      assert.equal(rs[1]?.body.toString('latin1'), '/second')
    })

    // A transfer coding the gateway does not decode cannot be handed on without its label (transfer
    // codings are hop-by-hop): the response is an error, answered 502 like any unreadable response.
    test('RFC 9112 §6.1/§6.3: Content-Length with Transfer-Encoding: gzip — a coding the gateway does not decode → 502, no content-length leaks', async (t) => {
      const coded = gzipSync(Buffer.from('hello, hello, hello'))
      const { port } = await setup(t, lane, (_req, conn) => {
        conn.write(
          Buffer.concat([
            Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: gzip\r\n\r\n', 'latin1'),
            coded,
          ]),
        )
        conn.socket.end()
        return undefined
      })
      const r = await rawRequest(port, get('/gz'), { quietMs: 600 })
      const rs = parseResponses(r.bytes)
      assert.equal(rs.length, 1, describeResponses(rs))
      assert.equal(rs[0]?.status, 502)
      assert.ok(!r.bytes.includes(coded), 'none of the coded body reached the client')
      assert.match(rs[0]?.body.toString('utf8') ?? '', /unsupported transfer coding/)
    })

    for (const [name, lines] of [
      ['Content-Length: 5, 5', 'Content-Length: 5, 5\r\n'],
      ['two Content-Length: 5 lines', 'Content-Length: 5\r\nContent-Length: 5\r\n'],
    ] as const) {
      test(`RFC 9110 §8.6: ${name} from the upstream reaches the client as one content-length: 5`, async (t) => {
        const { port } = await setup(t, lane, () => `HTTP/1.1 200 OK\r\n${lines}\r\nhello`)
        const r = await rawRequest(port, get('/len'), { until: finalResponses(1) })
        const rs = parseResponses(r.bytes)
        assert.equal(rs.length, 1, describeResponses(rs))
        assert.equal(rs[0]?.status, 200)
        assert.deepEqual(headerValues(rs[0] as { headers: [string, string][] }, 'content-length'), ['5'])
        assert.equal(rs[0]?.body.toString('latin1'), 'hello')
      })
    }

    test('RFC 9112 §6.3: conflicting Content-Length: 5, 6 from the upstream → 502', async (t) => {
      const { port } = await setup(t, lane, () => 'HTTP/1.1 200 OK\r\nContent-Length: 5, 6\r\n\r\nhello!')
      const r = await rawRequest(port, get('/len'), { until: finalResponses(1) })
      const rs = parseResponses(r.bytes)
      assert.equal(rs.length, 1, describeResponses(rs))
      assert.equal(rs[0]?.status, 502)
      assertProblem(rs[0] as Parameters<typeof assertProblem>[0], 502)
    })

    test('RFC 9110 §8.6: a 204 with Content-Length: 5 reaches the client without content-length or body; the next pipelined response is intact', async (t) => {
      const { port } = await setup(t, lane, (req) =>
        req.target === '/nc' ? 'HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n' : ok(req.target),
      )
      const r = await rawRequest(port, get('/nc') + get('/next'), { until: finalResponses(2), quietMs: 500 })
      const rs = parseResponses(r.bytes)
      assert.equal(rs.length, 2, describeResponses(rs))
      assert.equal(rs[0]?.status, 204)
      assert.deepEqual(headerValues(rs[0] as { headers: [string, string][] }, 'content-length'), [])
      assert.equal(rs[1]?.status, 200)
      assert.equal(rs[1]?.body.toString('latin1'), '/next')
    })

    test('RFC 9110 §15.2: a 103 Early Hints from the upstream reaches the client, with its Link, before the 200', async (t) => {
      const { port } = await setup(
        t,
        lane,
        () =>
          `HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n${ok('done').toString('latin1')}`,
      )
      const r = await rawRequest(port, get('/hints'), { until: finalResponses(1) })
      const rs = parseResponses(r.bytes)
      assert.deepEqual(
        rs.map((x) => x.status),
        [103, 200],
        describeResponses(rs),
      )
      assert.deepEqual(headerValues(rs[0] as { headers: [string, string][] }, 'link'), [
        '</a.css>; rel=preload',
      ])
      assert.equal(rs[1]?.body.toString('latin1'), 'done')
    })

    test('RFC 9110 §10.1.1: Expect: 100-continue — the client gets 100 Continue, sends the body, then gets the upstream’s 200 echoing it', async (t) => {
      const { port } = await setup(t, lane, (req) => ok(req.body))
      const client = await RawClient.connect(port)
      try {
        client.write(
          'POST /echo HTTP/1.1\r\nHost: gw.test\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n',
        )
        const got100 = await client.waitFor(
          (b) => b.toString('latin1').startsWith('HTTP/1.1 100 Continue\r\n') && b.includes('\r\n\r\n'),
          2000,
        )
        assert.ok(got100, `no 100 Continue within 2 s; got:\n${show(client.bytes)}`)
        client.write('hello')
        await client.collect(500, 3000, finalResponses(1))
        const rs = parseResponses(client.bytes, { methods: ['POST'] })
        assert.deepEqual(
          rs.map((x) => x.status),
          [100, 200],
          describeResponses(rs),
        )
        assert.equal(rs[1]?.body.toString('latin1'), 'hello')
      } finally {
        client.close()
      }
    })

    test('RFC 9110 §15.2.1: a 100 Continue the client did not ask for (no Expect) is not forwarded', async (t) => {
      const { port } = await setup(
        t,
        lane,
        () => `HTTP/1.1 100 Continue\r\n\r\n${ok('fine').toString('latin1')}`,
      )
      const r = await rawRequest(port, get('/unasked'), { until: finalResponses(1) })
      const rs = parseResponses(r.bytes)
      assert.deepEqual(
        rs.map((x) => x.status),
        [200],
        describeResponses(rs),
      )
      assert.equal(rs[0]?.body.toString('latin1'), 'fine')
    })

    for (const line of ['HTTP/1.1 099 Odd', 'HTTP/1.1 000 Zero']) {
      test(`RFC 9110 §15: upstream status line "${line}" → 502`, async (t) => {
        const { port } = await setup(t, lane, () => answer(line, ['Content-Length: 2'], 'hi'))
        const r = await rawRequest(port, get('/odd'), { until: finalResponses(1) })
        const rs = parseResponses(r.bytes)
        assert.equal(rs.length, 1, describeResponses(rs))
        assert.equal(rs[0]?.status, 502, describeResponses(rs))
        assertProblem(rs[0] as Parameters<typeof assertProblem>[0], 502)
      })
    }

    test('RFC 9110 §5.5: an upstream header value with byte 0x01 → exactly "HTTP/1.1 502 Bad Gateway" with a problem+json body', async (t) => {
      const { port } = await setup(
        t,
        lane,
        () => 'HTTP/1.1 200 OK\r\nX-Bad: a\x01b\r\nContent-Length: 2\r\n\r\nhi',
      )
      const r = await rawRequest(port, get('/ctl'), { until: finalResponses(1) })
      const rs = parseResponses(r.bytes)
      assert.equal(rs.length, 1, describeResponses(rs))
      assert.equal(rs[0]?.statusLine, 'HTTP/1.1 502 Bad Gateway')
      assertProblem(rs[0] as Parameters<typeof assertProblem>[0], 502)
    })

    test('RFC 9110 §9.2.2: a request that timed out is not replayed — one DELETE upstream, 504 in well under 2× the timeout', async (t) => {
      const { up, port } = await setup(t, lane, (req) => (req.target === '/warm' ? ok('warm') : undefined), {
        defaults: { connections: 1 },
        route: { timeout: 500 },
      })
      const client = await RawClient.connect(port)
      try {
        client.write(get('/warm'))
        assert.ok(await client.waitFor(finalResponses(1), 2000), `no answer to /warm:\n${show(client.bytes)}`)
        const sent = Date.now()
        client.write('DELETE /x HTTP/1.1\r\nHost: gw.test\r\n\r\n')
        const answered = await client.waitFor(finalResponses(2, { methods: ['GET', 'DELETE'] }), 3000)
        const elapsed = Date.now() - sent
        assert.ok(answered, `no answer to DELETE within 3 s:\n${show(client.bytes)}`)
        const rs = parseResponses(client.bytes, { methods: ['GET', 'DELETE'] })
        assert.equal(rs[1]?.status, 504, describeResponses(rs))
        await sleep(200)
        const deletes = up.requests.filter((r) => r.method === 'DELETE')
        assert.equal(deletes.length, 1, `the upstream saw ${deletes.length} DELETEs`)
        assert.ok(elapsed >= 450 && elapsed < 1200, `504 after ${elapsed} ms (timeout 500 ms)`)
      } finally {
        client.close()
      }
    })
  })
}
