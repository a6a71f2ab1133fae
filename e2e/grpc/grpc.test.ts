// gRPC through the gateway: real @grpc/grpc-js upstreams and clients, h2c on both sides.
import assert from 'node:assert/strict'
import { after, describe, test } from 'node:test'
import * as grpc from '@grpc/grpc-js'
import { SignJWT } from 'jose'
import { call, startGateway, type TestGateway } from '../fixtures/gateway.ts'
import {
  type EchoServer,
  echoClient,
  FAILED_ON_PURPOSE,
  healthClient,
  startEchoServer,
} from '../fixtures/grpc/echo-server.ts'
import { refusingUrl } from '../fixtures/upstreams.ts'
import {
  bidi,
  type CallResult,
  clientStream,
  decodeEcho,
  encodeEcho,
  firstValue,
  frame,
  openBidi,
  parseFrames,
  type RawReply,
  rawGrpc,
  rawStatus,
  serverStream,
  sleep,
  startControlledEcho,
  startRawH2Echo,
  unary,
  until,
} from './helpers.ts'

const closers: (() => Promise<void> | void)[] = []
after(async () => {
  for (const c of closers.reverse()) await c()
})

const SERVICE = '/sallyport.test.Echo'

function grpcRoute(targets: string[], extra: Record<string, unknown> = {}) {
  return { id: 'echo', path: SERVICE, protocol: 'grpc', targets: targets.map((url) => ({ url })), ...extra }
}

async function gateway(routes: unknown[]): Promise<TestGateway & { address: string }> {
  const g = await startGateway({ routes })
  closers.push(() => g.close())
  return { ...g, address: new URL(g.url).host }
}

async function echoServer(opts: Parameters<typeof startEchoServer>[0] = {}): Promise<EchoServer> {
  const up = await startEchoServer(opts)
  closers.push(() => up.close())
  return up
}

function client(address: string): grpc.Client {
  const c = echoClient(address)
  closers.push(() => c.close())
  return c
}

/** What a call amounts to, for comparing gateway and direct. */
function summary(r: CallResult) {
  return {
    code: r.code,
    details: r.details,
    messages: r.messages.map((m) => ({ text: m.text, count: m.count })),
    header: firstValue(r.headers, 'x-echo-server'),
    trailer: firstValue(r.trailers, 'x-echo-trailer'),
  }
}

/** A gateway-made error: HTTP 200, application/grpc, grpc-status in the headers, no body, no problem+json. */
function assertTrailersOnly(r: RawReply, code: number, what: string): void {
  assert.equal(r.status, 200, `${what}: HTTP status`)
  assert.match(String(r.headers['content-type']), /^application\/grpc/, `${what}: content-type`)
  assert.doesNotMatch(String(r.headers['content-type']), /problem/, `${what}: not problem+json`)
  assert.equal(r.trailersOnly, true, `${what}: trailers-only (grpc-status in the response headers)`)
  assert.equal(
    Number(r.headers['grpc-status']),
    code,
    `${what}: grpc-status (message: ${r.headers['grpc-message']})`,
  )
  assert.equal(r.body.length, 0, `${what}: no body`)
}

async function upstreamViews(
  g: TestGateway,
): Promise<{ url: string; routeId: string; healthy: boolean; circuitState: string }[]> {
  const r = await call(`${g.url}/gateway/api/upstreams`)
  assert.equal(r.status, 200, r.text)
  return r.json()
}

async function targetHealthy(g: TestGateway, url: string): Promise<boolean | undefined> {
  return (await upstreamViews(g)).find((v) => v.url === url)?.healthy
}

function bigText(bytes: number, seed: string): string {
  return seed.repeat(Math.ceil(bytes / seed.length)).slice(0, bytes)
}

describe('calls through the gateway', () => {
  test('unary, server stream, client stream and bidi give the same results as direct', async () => {
    const up = await echoServer()
    const g = await gateway([grpcRoute([up.url])])
    const results = []
    for (const c of [client(up.address), client(g.address)]) {
      results.push({
        unary: summary(await unary(c, { text: 'héllo wörld ✓', count: 7 })),
        serverStream: summary(await serverStream(c, { text: 's', count: 5 })),
        emptyServerStream: summary(await serverStream(c, { text: 'none', count: 0 })),
        clientStream: summary(await clientStream(c, [{ text: 'a' }, { text: 'b' }, { text: 'c' }])),
        bidi: summary(
          await bidi(c, [
            { text: 'x', count: 1 },
            { text: 'y', count: 2 },
            { text: 'z', count: 3 },
          ]),
        ),
      })
    }
    const [direct, via] = results
    assert.equal(direct?.unary.code, grpc.status.OK)
    assert.equal(direct?.serverStream.messages.length, 5)
    assert.equal(direct?.clientStream.messages[0]?.text, 'a b c')
    assert.equal(direct?.bidi.messages.length, 3)
    assert.deepEqual(via, direct)
    assert.equal(up.calls, 10, 'every call reached the upstream once')
  })

  test('metadata both ways: request metadata (text and -bin) reaches the upstream; initial and trailing metadata come back', async () => {
    const up = await echoServer()
    const g = await gateway([grpcRoute([up.url])])
    const c = client(g.address)
    const bin = Buffer.from([0, 1, 2, 0xfe, 0xff])
    const r = await unary(c, { text: 'md' }, { 'x-client-meta': 'hello there', 'x-blob-bin': bin })
    assert.equal(r.code, grpc.status.OK, r.details)
    assert.deepEqual(up.lastMetadata?.['x-client-meta'], ['hello there'])
    const seenBin = up.lastMetadata?.['x-blob-bin']?.[0]
    assert.ok(Buffer.isBuffer(seenBin), 'binary metadata arrives as binary')
    assert.deepEqual(seenBin, bin)
    assert.equal(firstValue(r.headers, 'x-echo-server'), 'echo', 'initial metadata relayed')
    assert.equal(firstValue(r.trailers, 'x-echo-trailer'), 'done', 'trailing metadata relayed')
    const s = await serverStream(c, { text: 'md', count: 2 }, { 'x-client-meta': 'stream' })
    assert.equal(s.code, grpc.status.OK, s.details)
    assert.deepEqual(up.lastMetadata?.['x-client-meta'], ['stream'])
    assert.equal(firstValue(s.headers, 'x-echo-server'), 'echo')
    assert.equal(firstValue(s.trailers, 'x-echo-trailer'), 'done')
  })

  test('custom trailing metadata (text and -bin) is relayed as trailers', async () => {
    const up = await startControlledEcho()
    closers.push(() => up.close())
    const g = await gateway([grpcRoute([up.url])])
    const bin = Buffer.from('trailing bytes \u0000\u0001', 'latin1')
    const md = { 'x-trailer-custom': 'abc 123', 'x-trailer-data-bin': bin }
    const direct = await unary(client(up.address), { text: 't' }, md)
    const via = await unary(client(g.address), { text: 't' }, md)
    for (const [name, r] of [
      ['direct', direct],
      ['via gateway', via],
    ] as const) {
      assert.equal(r.code, grpc.status.OK, `${name}: ${r.details}`)
      assert.deepEqual(r.trailers.get('x-trailer-custom'), ['abc 123'], name)
      assert.deepEqual(r.trailers.get('x-trailer-data-bin'), [bin], name)
    }
    // Over the wire: the trailers come as an HTTP/2 trailer block after the message.
    const raw = await rawGrpc(`http://${g.address}`, `${SERVICE}/Unary`, {
      headers: { 'x-trailer-raw': 'yes' },
      body: frame(encodeEcho({ text: 'raw' })),
    })
    assert.equal(raw.status, 200)
    assert.equal(raw.trailers?.['grpc-status'], '0')
    assert.equal(raw.trailers?.['x-trailer-raw'], 'yes')
    const frames = parseFrames(raw.body)
    assert.equal(frames.messages.length, 1)
    assert.equal(decodeEcho(frames.messages[0] as Buffer).text, 'raw')
  })

  test('an upstream error status and message are relayed (trailers-only and after messages)', async () => {
    const up = await echoServer()
    const g = await gateway([grpcRoute([up.url])])
    const runs = []
    for (const c of [client(up.address), client(g.address)]) {
      runs.push({
        unary: summary(await unary(c, { text: 'u' }, { 'x-fail': '9' })),
        serverStream: summary(await serverStream(c, { text: 's', count: 2 }, { 'x-fail': '7' })),
        clientStream: summary(await clientStream(c, [{ text: 'a' }], { 'x-fail': '10' })),
        bidi: summary(await bidi(c, [{ text: 'b' }], { 'x-fail': '3' })),
      })
    }
    const [direct, via] = runs
    assert.equal(direct?.unary.code, grpc.status.FAILED_PRECONDITION)
    assert.equal(direct?.unary.details, FAILED_ON_PURPOSE)
    assert.equal(direct?.serverStream.messages.length, 2)
    assert.deepEqual(via, direct)
  })

  test('a grpc-message with non-ASCII text and % is relayed unchanged', async () => {
    const details = 'nicht gefunden: Größe 100% — ✗'
    const up = await startControlledEcho({ fail: { code: grpc.status.NOT_FOUND, details } })
    closers.push(() => up.close())
    const g = await gateway([grpcRoute([up.url])])
    const r = await unary(client(g.address), { text: 'x' })
    assert.equal(r.code, grpc.status.NOT_FOUND)
    assert.equal(r.details, details)
  })

  test('large messages (about 4 MiB) both ways', async () => {
    const up = await echoServer()
    const g = await gateway([grpcRoute([up.url])])
    const c = client(g.address)
    // A 4 MiB message (grpc-js's default limit) less the protobuf and frame overhead.
    const big = bigText(4 * 1024 * 1024 - 16, 'abcdefghijklmnopqrstuvwxyz0123456789')
    const r = await unary(c, { text: big, count: 1 })
    assert.equal(r.code, grpc.status.OK, r.details)
    assert.equal(r.messages[0]?.text.length, big.length)
    assert.equal(r.messages[0]?.text, big)
    const parts = [0, 1, 2, 3].map((i) => bigText(1024 * 1024 - 8, String(i)))
    const cs = await clientStream(
      c,
      parts.map((text) => ({ text })),
    )
    assert.equal(cs.code, grpc.status.OK, cs.details)
    assert.equal(cs.messages[0]?.text, parts.join(' '))
    const ss = await serverStream(c, { text: big, count: 3 })
    assert.equal(ss.code, grpc.status.OK, ss.details)
    assert.equal(ss.messages.length, 3)
    assert.ok(ss.messages.every((m) => m.text === big))
  })

  test('many concurrent calls on one channel', async () => {
    const up = await echoServer()
    const g = await gateway([grpcRoute([up.url])])
    const c = client(g.address)
    const calls: Promise<[string, CallResult]>[] = []
    for (let i = 0; i < 150; i++) calls.push(unary(c, { text: `u${i}`, count: i }).then((r) => [`u${i}`, r]))
    for (let i = 0; i < 30; i++)
      calls.push(serverStream(c, { text: `s${i}`, count: 3 }).then((r) => [`s${i}`, r]))
    for (let i = 0; i < 20; i++)
      calls.push(
        bidi(c, [{ text: `b${i}-1` }, { text: `b${i}-2` }, { text: `b${i}-3` }]).then((r) => [`b${i}`, r]),
      )
    const results = await Promise.all(calls)
    for (const [name, r] of results) {
      assert.equal(r.code, grpc.status.OK, `${name}: ${r.code} ${r.details}`)
      if (name.startsWith('u')) assert.equal(r.messages[0]?.text, name)
      else if (name.startsWith('s'))
        assert.deepEqual(
          r.messages.map((m) => `${m.text}:${m.count}`),
          [1, 2, 3].map((n) => `${name}:${n}`),
        )
      else
        assert.deepEqual(
          r.messages.map((m) => m.text),
          [1, 2, 3].map((n) => `${name}-${n}`),
        )
    }
    assert.equal(up.calls, 200)
  })
})

describe('statuses the gateway makes', () => {
  test('no route → UNIMPLEMENTED (trailers-only), nothing reaches the upstream', async () => {
    const up = await echoServer()
    const g = await gateway([grpcRoute([up.url])])
    const health = healthClient(g.address)
    closers.push(() => health.close())
    const code = await new Promise<number>((resolve) => {
      ;(health as unknown as { Check: (r: object, cb: (e: grpc.ServiceError | null) => void) => void }).Check(
        { service: '' },
        (err) => resolve(err?.code ?? 0),
      )
    })
    assert.equal(code, grpc.status.UNIMPLEMENTED)
    const raw = await rawGrpc(g.url, '/sallyport.test.Nope/Unary')
    assertTrailersOnly(raw, grpc.status.UNIMPLEMENTED, 'no route')
    assert.equal(up.calls, 0)
  })

  test('target refused → UNAVAILABLE (trailers-only)', async () => {
    const g = await gateway([grpcRoute([await refusingUrl()])])
    const r = await unary(client(g.address), { text: 'x' })
    assert.equal(r.code, grpc.status.UNAVAILABLE, r.details)
    const raw = await rawGrpc(g.url, `${SERVICE}/Unary`)
    assertTrailersOnly(raw, grpc.status.UNAVAILABLE, 'refused')
  })

  test('no healthy target → UNAVAILABLE without an upstream call', async () => {
    const up = await echoServer({ health: { '': 'NOT_SERVING', 'sallyport.test.Echo': 'NOT_SERVING' } })
    const g = await gateway([grpcRoute([up.url], { healthCheck: { enabled: true, interval: '200ms' } })])
    await until(async () => (await targetHealthy(g, up.url)) === false, 10_000, 'target marked unhealthy')
    const r = await unary(client(g.address), { text: 'x' })
    assert.equal(r.code, grpc.status.UNAVAILABLE, r.details)
    const raw = await rawGrpc(g.url, `${SERVICE}/Unary`)
    assertTrailersOnly(raw, grpc.status.UNAVAILABLE, 'no healthy target')
    assert.equal(up.calls, 0)
  })

  test('circuit open → UNAVAILABLE without an upstream call', async () => {
    const dead = await refusingUrl()
    const g = await gateway([grpcRoute([dead], { circuitBreaker: { maxFailures: 2, openTimeout: '1h' } })])
    const c = client(g.address)
    for (let i = 0; i < 2; i++) assert.equal((await unary(c, { text: 'x' })).code, grpc.status.UNAVAILABLE)
    const target = g.gw.core.watcher.current.routes[0]?.targets[0]?.id as string
    assert.equal(g.gw.core.targetStates.peek(target)?.circuitState, 'open')
    // Something listens there now: an open circuit must still not reach it.
    const up = await startControlledEcho({ port: Number(new URL(dead).port) })
    closers.push(() => up.close())
    const r = await unary(c, { text: 'x' })
    assert.equal(r.code, grpc.status.UNAVAILABLE, r.details)
    const raw = await rawGrpc(g.url, `${SERVICE}/Unary`)
    assertTrailersOnly(raw, grpc.status.UNAVAILABLE, 'circuit open')
    assert.equal(up.calls, 0)
  })

  test('by default 5 calls a server answers UNAVAILABLE open its circuit; NOT_FOUND is the call’s own', async () => {
    const down = await startControlledEcho({ fail: { code: grpc.status.UNAVAILABLE, details: 'overloaded' } })
    const missing = await startControlledEcho({ fail: { code: grpc.status.NOT_FOUND, details: 'no such' } })
    closers.push(
      () => down.close(),
      () => missing.close(),
    )
    const g = await gateway([grpcRoute([down.url])])
    const c = client(g.address)
    for (let i = 0; i < 5; i++) assert.equal((await unary(c, { text: 'x' })).details, 'overloaded')
    const r = await unary(c, { text: 'x' })
    assert.equal(r.code, grpc.status.UNAVAILABLE)
    assert.match(r.details, /no healthy upstream target .*answered gRPC status UNAVAILABLE/)
    assert.equal(down.calls, 5, 'the open circuit keeps the sixth call away from the server')
    const m = client((await gateway([grpcRoute([missing.url])])).address)
    for (let i = 0; i < 8; i++) assert.equal((await unary(m, { text: 'x' })).code, grpc.status.NOT_FOUND)
    assert.equal(missing.calls, 8)
  })

  test('client deadline 300 ms, upstream slow → DEADLINE_EXCEEDED in about that time; the upstream sees the cancel', async () => {
    const up = await startControlledEcho()
    closers.push(() => up.close())
    const g = await gateway([grpcRoute([up.url])])
    const r = await unary(
      client(g.address),
      { text: 'slow' },
      { 'x-delay-ms': '2000' },
      { deadline: Date.now() + 300 },
    )
    assert.equal(r.code, grpc.status.DEADLINE_EXCEEDED, r.details)
    assert.ok(r.ms < 1000, `took ${r.ms.toFixed(0)} ms`)
    await until(() => up.cancelled >= 1, 1500, 'upstream call cancelled')
    // The gateway's own answer for an expired grpc-timeout, seen raw.
    const raw = await rawGrpc(g.url, `${SERVICE}/Unary`, {
      headers: { 'grpc-timeout': '300m', 'x-delay-ms': '2000' },
    })
    assert.equal(raw.status, 200)
    assert.match(String(raw.headers['content-type']), /^application\/grpc/)
    assert.equal(rawStatus(raw), grpc.status.DEADLINE_EXCEEDED)
    assert.ok(raw.ms < 1000, `raw took ${raw.ms.toFixed(0)} ms`)
    await until(() => up.cancelled >= 2, 1500, 'second upstream call cancelled')
    assert.equal(up.calls, 2, 'both calls reached the upstream')
  })

  test('route timeout exceeded → DEADLINE_EXCEEDED; the upstream call is cancelled', async () => {
    const up = await startControlledEcho()
    closers.push(() => up.close())
    const g = await gateway([grpcRoute([up.url], { timeout: '300ms' })])
    const r = await unary(client(g.address), { text: 'slow' }, { 'x-delay-ms': '2000' })
    assert.equal(r.code, grpc.status.DEADLINE_EXCEEDED, r.details)
    assert.ok(r.ms < 1000, `took ${r.ms.toFixed(0)} ms`)
    await until(() => up.cancelled >= 1, 1500, 'upstream call cancelled')
    const raw = await rawGrpc(g.url, `${SERVICE}/Unary`, { headers: { 'x-delay-ms': '2000' } })
    assert.equal(raw.status, 200)
    assert.match(String(raw.headers['content-type']), /^application\/grpc/)
    assert.equal(rawStatus(raw), grpc.status.DEADLINE_EXCEEDED)
    assert.ok(raw.ms < 1000, `raw took ${raw.ms.toFixed(0)} ms`)
    await until(() => up.cancelled >= 2, 1500, 'second upstream call cancelled')
    assert.equal(up.calls, 2, 'both calls reached the upstream')
  })

  test('the gateway itself cancels the upstream call at the deadline (an upstream that ignores grpc-timeout)', async () => {
    const up = await startRawH2Echo({ hang: true })
    closers.push(() => up.close())
    const byClient = await gateway([grpcRoute([up.url])])
    const r = await rawGrpc(byClient.url, `${SERVICE}/Unary`, { headers: { 'grpc-timeout': '300m' } })
    assert.equal(r.status, 200)
    assert.match(String(r.headers['content-type']), /^application\/grpc/)
    assert.equal(rawStatus(r), grpc.status.DEADLINE_EXCEEDED)
    assert.ok(r.ms < 1000, `client deadline: took ${r.ms.toFixed(0)} ms`)
    await until(() => up.abandoned >= 1, 1500, 'upstream stream reset by the gateway (client deadline)')
    const byRoute = await gateway([grpcRoute([up.url], { timeout: '300ms' })])
    const t = await rawGrpc(byRoute.url, `${SERVICE}/Unary`)
    assert.equal(rawStatus(t), grpc.status.DEADLINE_EXCEEDED)
    assert.ok(t.ms < 1000, `route timeout: took ${t.ms.toFixed(0)} ms`)
    await until(() => up.abandoned >= 2, 1500, 'upstream stream reset by the gateway (route timeout)')
    assert.equal(up.streams, 2)
  })

  test('without grpc-timeout and route timeout the deadline is 5 s', async () => {
    const up = await startControlledEcho()
    closers.push(() => up.close())
    const g = await gateway([grpcRoute([up.url])])
    const raw = await rawGrpc(g.url, `${SERVICE}/Unary`, {
      headers: { 'x-delay-ms': '8000' },
      timeoutMs: 9000,
    })
    assert.equal(raw.status, 200)
    assert.equal(rawStatus(raw), grpc.status.DEADLINE_EXCEEDED)
    assert.ok(raw.ms > 4500 && raw.ms < 6500, `took ${raw.ms.toFixed(0)} ms`)
    await until(() => up.cancelled >= 1, 1500, 'upstream call cancelled')
    assert.equal(up.calls, 1)
  })

  test('grpc-timeout 0 has already passed (DEADLINE_EXCEEDED at once); one past the longest timer is capped, not 1 ms', async () => {
    const up = await startControlledEcho()
    closers.push(() => up.close())
    const g = await gateway([grpcRoute([up.url])])
    const zero = await rawGrpc(g.url, `${SERVICE}/Unary`, { headers: { 'grpc-timeout': '0m' } })
    assert.equal(rawStatus(zero), grpc.status.DEADLINE_EXCEEDED)
    assert.ok(zero.ms < 500, `took ${zero.ms.toFixed(0)} ms`)
    // 30 days: past setTimeout's 24.8-day limit, which would otherwise fire after 1 ms.
    const long = await rawGrpc(g.url, `${SERVICE}/Unary`, { headers: { 'grpc-timeout': '2592000S' } })
    assert.equal(rawStatus(long), grpc.status.OK)
  })

  test("retry keeps a named call's message to resend; one over 4 MiB gets RESOURCE_EXHAUSTED, never a cut message upstream", async () => {
    const up = await echoServer()
    const g = await gateway([
      grpcRoute([up.url], { retry: { maxAttempts: 2, methods: ['/sallyport.test.Echo/Unary'] } }),
    ])
    const c = client(g.address)
    const fits = await unary(c, { text: 'x'.repeat(3 * 1024 * 1024) })
    assert.equal(fits.code, grpc.status.OK)
    assert.equal(fits.messages[0]?.text.length, 3 * 1024 * 1024)
    const before = up.calls
    const big = await unary(c, { text: 'x'.repeat(5 * 1024 * 1024) })
    assert.equal(big.code, grpc.status.RESOURCE_EXHAUSTED, big.details)
    assert.equal(up.calls, before, 'nothing of it went upstream')
  })

  test('rate limit → RESOURCE_EXHAUSTED (trailers-only), not sent upstream', async () => {
    const up = await echoServer()
    const g = await gateway([grpcRoute([up.url], { rateLimit: { requestsPerSec: 0.5, burst: 1 } })])
    const c = client(g.address)
    assert.equal((await unary(c, { text: 'first' })).code, grpc.status.OK)
    const r = await unary(c, { text: 'second' })
    assert.equal(r.code, grpc.status.RESOURCE_EXHAUSTED, r.details)
    const raw = await rawGrpc(g.url, `${SERVICE}/Unary`)
    assertTrailersOnly(raw, grpc.status.RESOURCE_EXHAUSTED, 'rate limited')
    assert.equal(up.calls, 1)
  })

  test('JWT missing or invalid → UNAUTHENTICATED (trailers-only); a valid token passes', async () => {
    const secret = 'a-very-long-test-secret-of-32-bytes!!'
    const up = await echoServer()
    const g = await gateway([grpcRoute([up.url], { jwt: { secret } })])
    const c = client(g.address)
    const sign = (key: string) =>
      new SignJWT({ sub: 'u' })
        .setProtectedHeader({ alg: 'HS256' })
        .setExpirationTime('5m')
        .sign(new TextEncoder().encode(key))
    const missing = await unary(c, { text: 'x' })
    assert.equal(missing.code, grpc.status.UNAUTHENTICATED, missing.details)
    const wrong = await unary(
      c,
      { text: 'x' },
      { authorization: `Bearer ${await sign('wrong-secret-wrong-secret-wrong!!')}` },
    )
    assert.equal(wrong.code, grpc.status.UNAUTHENTICATED, wrong.details)
    const garbage = await unary(c, { text: 'x' }, { authorization: 'Bearer not.a.token' })
    assert.equal(garbage.code, grpc.status.UNAUTHENTICATED, garbage.details)
    assertTrailersOnly(await rawGrpc(g.url, `${SERVICE}/Unary`), grpc.status.UNAUTHENTICATED, 'no token')
    assert.equal(up.calls, 0)
    const ok = await unary(c, { text: 'x' }, { authorization: `Bearer ${await sign(secret)}` })
    assert.equal(ok.code, grpc.status.OK, ok.details)
    assert.equal(up.calls, 1)
  })
})

describe('targets', () => {
  test('active gRPC health checks: NOT_SERVING and a stopped target are marked unhealthy (admin API) and skipped', async () => {
    const a = await echoServer()
    const b = await echoServer()
    const g = await gateway([
      grpcRoute([a.url, b.url], { healthCheck: { enabled: true, interval: '200ms' } }),
    ])
    const c = client(g.address)
    await sleep(500)
    assert.equal(await targetHealthy(g, a.url), true)
    assert.equal(await targetHealthy(g, b.url), true)
    a.setHealth('', 'NOT_SERVING')
    a.setHealth('sallyport.test.Echo', 'NOT_SERVING')
    await until(
      async () => (await targetHealthy(g, a.url)) === false,
      10_000,
      'NOT_SERVING target marked unhealthy',
    )
    const before = a.calls
    for (let i = 0; i < 6; i++) assert.equal((await unary(c, { text: `${i}` })).code, grpc.status.OK)
    assert.equal(a.calls, before, 'no call to the NOT_SERVING target')
    a.setHealth('', 'SERVING')
    a.setHealth('sallyport.test.Echo', 'SERVING')
    await until(async () => (await targetHealthy(g, a.url)) === true, 10_000, 'target back to healthy')
    await b.close()
    await until(
      async () => (await targetHealthy(g, b.url)) === false,
      10_000,
      'stopped target marked unhealthy',
    )
    const aBefore = a.calls
    for (let i = 0; i < 4; i++) assert.equal((await unary(c, { text: `${i}` })).code, grpc.status.OK)
    assert.equal(a.calls, aBefore + 4, 'every call went to the one healthy target')
  })

  test('retry: a refused target is retried on another when the route names the method, not for POST alone', async () => {
    const dead = await refusingUrl()
    const good = await echoServer()
    const retry = { maxAttempts: 2, baseDelay: 1, budgetPercent: 100 }
    const allowed = await gateway([
      grpcRoute([dead, good.url], { retry: { ...retry, methods: ['/sallyport.test.Echo/Unary'] } }),
    ])
    // POST does not stand for gRPC methods: a streaming call must never be held back to be kept.
    const notAllowed = await gateway([
      grpcRoute([dead, good.url], { retry: { ...retry, methods: ['POST'] } }),
    ])
    const a = client(allowed.address)
    for (let i = 0; i < 4; i++) {
      const r = await unary(a, { text: `${i}` })
      assert.equal(r.code, grpc.status.OK, `allowed #${i}: ${r.details}`)
    }
    assert.equal(good.calls, 4)
    // Without the method named, the refused attempt stands.
    const n = client(notAllowed.address)
    const codes: number[] = []
    for (let i = 0; i < 4; i++) codes.push((await unary(n, { text: `${i}` })).code)
    const ok = codes.filter((c) => c === grpc.status.OK).length
    const unavailable = codes.filter((c) => c === grpc.status.UNAVAILABLE).length
    assert.ok(unavailable >= 1, `codes ${codes}`)
    assert.equal(ok + unavailable, 4, `codes ${codes}`)
    assert.equal(good.calls, 4 + ok)
  })

  test('retry: a trailers-only UNAVAILABLE from one target is retried on another when allowed, relayed otherwise', async () => {
    const down = await startControlledEcho({
      fail: { code: grpc.status.UNAVAILABLE, details: 'down on purpose' },
    })
    closers.push(() => down.close())
    const good = await echoServer()
    const retry = { maxAttempts: 2, baseDelay: 1, budgetPercent: 100 }
    const allowed = await gateway([
      grpcRoute([down.url, good.url], { retry: { ...retry, methods: ['/sallyport.test.Echo'] } }),
    ])
    const notAllowed = await gateway([grpcRoute([down.url, good.url], { retry })])
    const a = client(allowed.address)
    for (let i = 0; i < 4; i++) {
      const r = await unary(a, { text: `${i}` })
      assert.equal(r.code, grpc.status.OK, `allowed #${i}: ${r.details}`)
    }
    assert.ok(down.calls >= 1, 'the failing target was tried')
    assert.equal(good.calls, 4)
    const downBefore = down.calls
    const n = client(notAllowed.address)
    const results: CallResult[] = []
    for (let i = 0; i < 4; i++) results.push(await unary(n, { text: `${i}` }))
    const failed = results.filter((r) => r.code !== grpc.status.OK)
    assert.ok(failed.length >= 1, 'some calls went to the failing target')
    for (const r of failed) {
      assert.equal(r.code, grpc.status.UNAVAILABLE)
      assert.equal(r.details, 'down on purpose', 'the upstream’s own status is relayed')
    }
    assert.equal(down.calls - downBefore, failed.length, 'no retry')
    assert.equal(good.calls, 4 + results.length - failed.length)
  })

  test('one pooled HTTP/2 session per origin, however many client channels and concurrent calls', async () => {
    const up = await startRawH2Echo()
    closers.push(() => up.close())
    const g = await gateway([grpcRoute([up.url])])
    const channels = [client(g.address), client(g.address), client(g.address)]
    const calls: Promise<CallResult>[] = []
    for (let i = 0; i < 60; i++)
      calls.push(unary(channels[i % 3] as grpc.Client, { text: `p${i}`, count: i }))
    const results = await Promise.all(calls)
    results.forEach((r, i) => {
      assert.equal(r.code, grpc.status.OK, `#${i}: ${r.details}`)
      assert.equal(r.messages[0]?.text, `p${i}`)
    })
    assert.equal(up.streams, 60)
    assert.equal(up.sessions, 1, 'one upstream session carried every call')
  })

  test('h2c:// and { http2: true } targets carry gRPC on a route without protocol grpc', async () => {
    const up = await echoServer()
    const port = new URL(up.url).port
    for (const target of [{ url: `h2c://127.0.0.1:${port}` }, { url: up.url, http2: true }]) {
      const g = await gateway([{ path: SERVICE, targets: [target] }])
      const c = client(g.address)
      const u = await unary(c, { text: 'plain route', count: 2 })
      assert.equal(u.code, grpc.status.OK, `${JSON.stringify(target)}: ${u.details}`)
      assert.equal(u.messages[0]?.text, 'plain route')
      assert.equal(firstValue(u.trailers, 'x-echo-trailer'), 'done', 'trailers relayed')
      const b = await bidi(c, [{ text: '1' }, { text: '2' }])
      assert.equal(b.code, grpc.status.OK, b.details)
      assert.equal(b.messages.length, 2)
      const f = await unary(c, { text: 'x' }, { 'x-fail': '6' })
      assert.equal(f.code, grpc.status.ALREADY_EXISTS)
      assert.equal(f.details, FAILED_ON_PURPOSE)
    }
    assert.equal(up.calls, 6)
  })

  test('an upstream that restarts on the same port is reached again (new session)', async () => {
    const first = await startControlledEcho()
    closers.push(() => first.close())
    const g = await gateway([grpcRoute([first.url])])
    const c = client(g.address)
    assert.equal((await unary(c, { text: 'before' })).code, grpc.status.OK)
    assert.equal(first.calls, 1)
    await first.close()
    const second = await startControlledEcho({ port: first.port })
    closers.push(() => second.close())
    const r = await unary(c, { text: 'after' })
    assert.equal(r.code, grpc.status.OK, `after restart: ${r.code} ${r.details}`)
    assert.equal(r.messages[0]?.text, 'after')
    assert.equal(second.calls, 1)
    const s = await serverStream(c, { text: 'again', count: 3 })
    assert.equal(s.code, grpc.status.OK, s.details)
    assert.equal(s.messages.length, 3)
  })

  test('GOAWAY from the upstream: the running call finishes, the next call goes to a new session', async () => {
    const first = await startControlledEcho()
    closers.push(() => first.close())
    const g = await gateway([grpcRoute([first.url])])
    const c = client(g.address)
    const running = openBidi(c)
    await running.roundTrip('one')
    // tryShutdown: the listener closes, every session gets GOAWAY, running streams may finish.
    let shutDown = false
    const shutting = first.shutdown().then(() => {
      shutDown = true
    })
    const second = await startControlledEcho({ port: first.port })
    closers.push(() => second.close())
    await running.roundTrip('two')
    assert.equal(shutDown, false, 'the old session still carries the running call after GOAWAY')
    const end = await running.end()
    assert.equal(end.code, grpc.status.OK, `running call: ${end.code} ${end.details}`)
    assert.deepEqual(
      end.messages.map((m) => m.text),
      ['one', 'two'],
    )
    await Promise.race([shutting, sleep(5000)])
    assert.equal(shutDown, true, 'the old server shut down once its last stream ended')
    const r = await unary(c, { text: 'next' })
    assert.equal(r.code, grpc.status.OK, `next call: ${r.code} ${r.details}`)
    assert.equal(second.calls, 1)
    assert.equal(first.calls, 1)
  })
})
