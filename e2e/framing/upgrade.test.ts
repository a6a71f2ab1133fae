// HTTP/1.1 Upgrade through the gateway (RFC 9110 §7.8, RFC 9112 §9): an upgrade request is a request
// like any other for the route's policies, a non-101 answer is one well-framed response, and an
// upgraded upstream connection never carries anything else. Fast lane on and off.
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { describe, test } from 'node:test'
import { WebSocket, WebSocketServer } from 'ws'
import {
  type AfterHook,
  assertNothingUpstream,
  assertProblem,
  one,
  finalResponses,
  headerValues,
  LANES,
  type Lane,
  parseResponses,
  RawClient,
  rawRequest,
  show,
  sleep,
  startLaneGateway,
  startPair,
} from './raw.ts'

const SECRET = 'a-very-secret-secret-of-32-bytes!!'
const SWITCH = 'HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: foo\r\n\r\n'

const upgrade = (method: string, path: string, extra = '') =>
  `${method} ${path} HTTP/1.1\r\nHost: gw.test\r\nConnection: Upgrade\r\nUpgrade: foo\r\n${extra}\r\n`

/**
 * Upstream: `/tunnel*` upgrade → 101 then echo; `/refused*` → a keep-alive 403; `/nope*` → a chunked
 * 403; anything else → 200 with the target as body.
 */
function setup(t: AfterHook, lane: Lane, config: (url: string) => Record<string, unknown>) {
  return startPair(
    t,
    lane,
    (req, conn) => {
      if (
        req.target.startsWith('/tunnel') ||
        req.target.startsWith('/secure') ||
        req.target.startsWith('/limited')
      ) {
        conn.write(SWITCH)
        conn.takeOver((chunk) => conn.write(chunk))
        return undefined
      }
      if (req.target.startsWith('/refused')) return 'HTTP/1.1 403 Forbidden\r\nContent-Length: 5\r\n\r\nnope!'
      if (req.target.startsWith('/nope'))
        return 'HTTP/1.1 403 Forbidden\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nnope!\r\n0\r\n\r\n'
      return `HTTP/1.1 200 OK\r\nContent-Length: ${req.target.length}\r\n\r\n${req.target}`
    },
    config,
  )
}

const plainRoute = (url: string) => ({ routes: [{ path: '/', targets: [{ url }] }] })

for (const lane of LANES) {
  describe(`upgrade (fast lane ${lane})`, () => {
    test('RFC 9110 §7.8: an upgrade request passes the route’s JWT policy — no token, 401 for GET and DELETE, nothing upstream', async (t) => {
      const { up, port } = await setup(t, lane, (url) => ({
        routes: [{ path: '/secure/*', targets: [{ url }], jwt: { secret: SECRET } }],
      }))
      for (const method of ['GET', 'DELETE']) {
        const r = await rawRequest(port, upgrade(method, '/secure/data'), { until: finalResponses(1) })
        assertProblem(one(r.bytes), 401)
      }
      assertNothingUpstream(up)
    })

    test('RFC 9110 §7.8: an upgrade request passes the route’s rate limit — the second quick one gets 429', async (t) => {
      const { up, port } = await setup(t, lane, (url) => ({
        routes: [{ path: '/limited/*', targets: [{ url }], rateLimit: { requestsPerSec: 1, burst: 1 } }],
      }))
      const first = await rawRequest(port, upgrade('GET', '/limited/a'), { until: finalResponses(1) })
      assert.equal(parseResponses(first.bytes)[0]?.status, 101, show(first.bytes))
      const second = await rawRequest(port, upgrade('GET', '/limited/b'), { until: finalResponses(1) })
      assertProblem(one(second.bytes), 429)
      assert.deepEqual(
        up.requests.map((q) => q.target),
        ['/limited/a'],
      )
    })

    test('RFC 9110 §7.8: an upgrade request with a body (Content-Length: 5) → 400 and close, nothing upstream', async (t) => {
      const { up, port } = await setup(t, lane, plainRoute)
      const r = await rawRequest(port, `${upgrade('GET', '/tunnel/body', 'Content-Length: 5\r\n')}hello`, {
        until: finalResponses(1),
        quietMs: 600,
      })
      assertNothingUpstream(up)
      assertProblem(one(r.bytes), 400)
      assert.ok(r.closedByServer, 'the gateway closed the connection')
    })

    test('RFC 9112 §6.3: a non-101 answer to an upgrade (chunked 403) reaches the client as one well-framed response, then close', async (t) => {
      const { port } = await setup(t, lane, plainRoute)
      const r = await rawRequest(port, upgrade('GET', '/nope'), { quietMs: 600 })
      const res = one(r.bytes)
      assert.equal(res.status, 403)
      assert.equal(res.body.toString('latin1'), 'nope!')
      assert.ok(
        !(
          headerValues(res, 'content-length').length > 0 && headerValues(res, 'transfer-encoding').length > 0
        ),
        `both content-length and transfer-encoding:\n${show(res.raw)}`,
      )
      assert.ok(r.closedByServer, 'the gateway closed the connection')
    })

    test('RFC 9110 §7.8: an upgraded upstream connection is never reused (connections: 1) — the tunnel echoes both ways, the next GET goes on a new connection', async (t) => {
      const { up, port } = await setup(t, lane, (url) => ({
        ...plainRoute(url),
        defaults: { connections: 1 },
      }))
      const client = await RawClient.connect(port)
      let headEnd = -1
      try {
        client.write(upgrade('GET', '/tunnel'))
        const switched = await client.waitFor((b) => {
          headEnd = b.indexOf('\r\n\r\n')
          return headEnd >= 0
        }, 2000)
        assert.ok(switched, `no answer to the upgrade:\n${show(client.bytes)}`)
        assert.ok(client.bytes.toString('latin1').startsWith('HTTP/1.1 101 '), show(client.bytes))
        client.write('ping-123')
        const echoed = await client.waitFor(
          (b) => b.subarray(headEnd + 4).toString('latin1') === 'ping-123',
          2000,
        )
        assert.ok(echoed, `no echo through the tunnel:\n${show(client.bytes)}`)
      } finally {
        client.close()
      }
      await sleep(100)
      const tunnelConn = up.requests.find((q) => q.target === '/tunnel')?.connId
      assert.notEqual(tunnelConn, undefined)
      const r = await rawRequest(port, 'GET /plain HTTP/1.1\r\nHost: gw.test\r\n\r\n', {
        until: finalResponses(1),
        quietMs: 1000,
      })
      const res = one(r.bytes)
      assert.equal(res.status, 200, show(res.raw))
      assert.equal(res.body.toString('latin1'), '/plain')
      const plain = up.requests.find((q) => q.target === '/plain')
      assert.ok(plain, 'the GET reached the upstream')
      assert.notEqual(plain.connId, tunnelConn, 'the GET went on the tunnel’s connection')
      const tunnelBytes = up.connections[tunnelConn as number]?.received.toString('latin1') ?? ''
      assert.ok(!tunnelBytes.includes('/plain'), `the tunnel's upstream connection carried:\n${tunnelBytes}`)
    })

    test('RFC 9110 §7.8: after a non-101 answer to an upgrade, that upstream connection is not reused (connections: 1)', async (t) => {
      const { up, port } = await setup(t, lane, (url) => ({
        ...plainRoute(url),
        defaults: { connections: 1 },
      }))
      const refused = await rawRequest(port, upgrade('GET', '/refused'), { until: finalResponses(1) })
      assert.equal(parseResponses(refused.bytes)[0]?.status, 403, show(refused.bytes))
      const r = await rawRequest(port, 'GET /plain HTTP/1.1\r\nHost: gw.test\r\n\r\n', {
        until: finalResponses(1),
        quietMs: 1000,
      })
      const res = one(r.bytes)
      assert.equal(res.status, 200, show(res.raw))
      const first = up.requests.find((q) => q.target === '/refused')?.connId
      const plain = up.requests.find((q) => q.target === '/plain')
      assert.ok(plain, 'the GET reached the upstream')
      assert.notEqual(plain.connId, first, 'the GET went on the upgrade request’s connection')
    })
  })
}

for (const lane of LANES) {
  test(`RFC 6455: a real WebSocket through the gateway still echoes (fast lane ${lane})`, async (t) => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 })
    await once(wss, 'listening')
    wss.on('connection', (socket) => {
      socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }))
    })
    const wsPort = (wss.address() as { port: number }).port
    const gw = await startLaneGateway(lane, {
      routes: [{ path: '/ws/*', targets: [{ url: `http://127.0.0.1:${wsPort}` }] }],
    })
    t.after(async () => {
      for (const c of wss.clients) c.terminate()
      await new Promise<void>((resolve) => wss.close(() => resolve()))
      await gw.close()
    })
    const ws = new WebSocket(`ws://127.0.0.1:${gw.port}/ws/echo`)
    try {
      await Promise.race([
        once(ws, 'open'),
        sleep(3000).then(() => {
          throw new Error('no WebSocket open within 3 s')
        }),
      ])
      const received: string[] = []
      const got = new Promise<void>((resolve) => {
        ws.on('message', (data, isBinary) => {
          received.push(`${isBinary ? 'bin' : 'text'}:${(data as Buffer).toString('latin1')}`)
          if (received.length === 2) resolve()
        })
      })
      ws.send('hello')
      ws.send(Buffer.from([1, 2, 3]))
      await Promise.race([got, sleep(3000)])
      assert.deepEqual(received, ['text:hello', 'bin:\x01\x02\x03'])
    } finally {
      ws.terminate()
    }
  })
}
