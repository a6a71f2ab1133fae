import assert from 'node:assert/strict'
import { once } from 'node:events'
import { createServer as createHttp1Server } from 'node:http'
import {
  createServer as createH2Server,
  type Http2Server,
  type IncomingHttpHeaders,
  type ServerHttp2Stream,
} from 'node:http2'
import { type AddressInfo, createServer as createNetServer, type Socket } from 'node:net'
import { after, describe, test } from 'node:test'
import * as grpc from '@grpc/grpc-js'
import { loadTestProtos, startEchoServer } from '../../../e2e/fixtures/grpc/echo-server.ts'
import { encodeFrame } from '../http/grpc.ts'
import { HEALTH_CHECK_PATH, probeGrpcHealth } from './grpc-health-probe.ts'
import { selfSignedCertificate } from '../../../e2e/fixtures/certificates.ts'

const FAST = { timeoutMs: 2000 }

async function freePort(): Promise<number> {
  const s = createNetServer()
  s.listen(0, '127.0.0.1')
  await once(s, 'listening')
  const { port } = s.address() as AddressInfo
  await new Promise((r) => s.close(r))
  return port
}

/** A plain node:http2 server that answers every stream with `answer` (for exact wire cases). */
async function rawH2(
  answer: (stream: ServerHttp2Stream, headers: IncomingHttpHeaders, body: Buffer) => void,
) {
  const server: Http2Server = createH2Server()
  const seen: { headers: IncomingHttpHeaders; body: Buffer }[] = []
  server.on('stream', (stream, headers) => {
    const chunks: Buffer[] = []
    stream.on('error', () => {})
    stream.on('data', (c: Buffer) => chunks.push(c))
    stream.on('end', () => {
      const body = Buffer.concat(chunks)
      seen.push({ headers, body })
      answer(stream, headers, body)
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
      }),
  }
}

const grpcOk = (stream: ServerHttp2Stream, body: Buffer, trailers: Record<string, string>) => {
  stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true })
  stream.on('wantTrailers', () => stream.sendTrailers(trailers))
  stream.end(body)
}

describe('gRPC health probe against @grpc/grpc-js', () => {
  test('SERVING is healthy, for the server and for a named service', async (t) => {
    const server = await startEchoServer()
    t.after(() => server.close())
    const whole = await probeGrpcHealth(server.url, FAST)
    assert.equal(whole.healthy, true)
    assert.equal(whole.status, 'SERVING')
    assert.equal(whole.detail, 'SERVING')
    assert.ok(whole.latencyMs >= 0)
    const named = await probeGrpcHealth(server.url, { ...FAST, service: 'sallyport.test.Echo' })
    assert.deepEqual([named.healthy, named.status], [true, 'SERVING'])
    assert.equal(server.calls, 0, 'health checks are not Echo calls')
  })

  test('NOT_SERVING and UNKNOWN are unhealthy and say so', async (t) => {
    const server = await startEchoServer({ health: { '': 'NOT_SERVING' } })
    t.after(() => server.close())
    const r = await probeGrpcHealth(server.url, FAST)
    assert.deepEqual([r.healthy, r.status, r.detail], [false, 'NOT_SERVING', 'NOT_SERVING'])
    server.setHealth('', 'UNKNOWN')
    const u = await probeGrpcHealth(server.url, FAST)
    assert.deepEqual([u.healthy, u.status], [false, 'UNKNOWN'])
    server.setHealth('', 'SERVING')
    assert.equal((await probeGrpcHealth(server.url, FAST)).healthy, true)
  })

  test('an unknown service is NOT_FOUND', async (t) => {
    const server = await startEchoServer()
    t.after(() => server.close())
    const r = await probeGrpcHealth(server.url, { ...FAST, service: 'no.Such' })
    assert.equal(r.healthy, false)
    assert.equal(r.status, undefined)
    assert.match(r.detail, /does not know the service.*grpc-status 5 \(NOT_FOUND\): unknown service/)
  })

  test('a server without the health service is unhealthy: UNIMPLEMENTED', async (t) => {
    const server = await startEchoServer({ health: false })
    t.after(() => server.close())
    const r = await probeGrpcHealth(server.url, FAST)
    assert.equal(r.healthy, false)
    assert.match(r.detail, /no grpc\.health\.v1\.Health service, grpc-status 12 \(UNIMPLEMENTED\)/)
    // It did answer: the server is up (what the /health report's ping asks).
    assert.equal(r.answered, true)
  })

  test('a server that never answers times out with the timeout in the detail', async (t) => {
    const root = loadTestProtos() as unknown as {
      grpc: { health: { v1: { Health: grpc.ServiceClientConstructor } } }
    }
    const server = new grpc.Server()
    server.addService(root.grpc.health.v1.Health.service, { Check() {} })
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) =>
        e ? reject(e) : resolve(p),
      ),
    )
    t.after(() => server.forceShutdown())
    const started = performance.now()
    const r = await probeGrpcHealth(`http://127.0.0.1:${port}`, { timeoutMs: 300 })
    const took = performance.now() - started
    assert.equal(r.healthy, false)
    // Our timer or the server's deadline (we send grpc-timeout), whichever is first.
    assert.match(r.detail, /^timed out: /)
    assert.ok(took >= 250 && took < 2000, `took ${took} ms`)
  })
})

describe('gRPC health probe: connection failures', () => {
  test('a refused port names the reason', async () => {
    const port = await freePort()
    const r = await probeGrpcHealth(`http://127.0.0.1:${port}`, FAST)
    assert.equal(r.healthy, false)
    assert.match(r.detail, new RegExp(`cannot connect to http://127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`))
  })

  test('a TCP server that accepts and stays silent times out', async (t) => {
    const sockets = new Set<Socket>()
    const silent = createNetServer((s) => {
      sockets.add(s)
      s.on('close', () => sockets.delete(s))
    })
    silent.listen(0, '127.0.0.1')
    await once(silent, 'listening')
    t.after(() => {
      for (const s of sockets) s.destroy()
      silent.close()
    })
    const r = await probeGrpcHealth(`http://127.0.0.1:${(silent.address() as AddressInfo).port}`, {
      timeoutMs: 200,
    })
    assert.deepEqual(r.healthy, false)
    assert.equal(r.detail, 'timed out: no answer within 200 ms')
  })

  test('an HTTP/1.1-only server is unhealthy', async (t) => {
    const h1 = createHttp1Server((_req, res) => res.end('hello'))
    h1.listen(0, '127.0.0.1')
    await once(h1, 'listening')
    t.after(() => {
      h1.closeAllConnections()
      h1.close()
    })
    const r = await probeGrpcHealth(`http://127.0.0.1:${(h1.address() as AddressInfo).port}`, FAST)
    assert.equal(r.healthy, false)
    assert.match(r.detail, /does not speak HTTP\/2 \(Protocol error\); gRPC needs h2 or h2c$/)
  })

  test('an invalid origin and an aborted probe resolve, never throw', async () => {
    assert.match((await probeGrpcHealth('not a url', FAST)).detail, /^invalid origin "not a url"/)
    assert.match((await probeGrpcHealth('ftp://127.0.0.1:1', FAST)).detail, /^invalid origin/)
    const aborted = AbortSignal.abort()
    assert.deepEqual(
      { ...(await probeGrpcHealth('http://127.0.0.1:1', { ...FAST, signal: aborted })), latencyMs: 0 },
      { healthy: false, detail: 'aborted', answered: false, latencyMs: 0 },
    )
  })
})

describe('gRPC health probe: the wire', () => {
  test('the request: POST, path, content-type, te, grpc-timeout, authority, one framed message', async (t) => {
    const h2 = await rawH2((stream) =>
      grpcOk(stream, encodeFrame(Buffer.from([0x08, 1])), { 'grpc-status': '0' }),
    )
    t.after(() => h2.close())
    const r = await probeGrpcHealth(h2.url, {
      timeoutMs: 1500,
      service: 'a.B',
      authority: 'svc.internal:50051',
    })
    assert.equal(r.healthy, true)
    const [seen] = h2.seen
    assert.ok(seen)
    assert.equal(seen.headers[':method'], 'POST')
    assert.equal(seen.headers[':path'], HEALTH_CHECK_PATH)
    assert.equal(seen.headers[':authority'], 'svc.internal:50051')
    assert.equal(seen.headers['content-type'], 'application/grpc')
    assert.equal(seen.headers.te, 'trailers')
    assert.equal(seen.headers['grpc-timeout'], '1500m')
    assert.deepEqual(seen.body, Buffer.from([0, 0, 0, 0, 5, 0x0a, 3, 0x61, 0x2e, 0x42]))
  })

  test('a trailers-only answer carries its status in the headers', async (t) => {
    const h2 = await rawH2((stream) =>
      stream.respond(
        {
          ':status': 200,
          'content-type': 'application/grpc',
          'grpc-status': '14',
          'grpc-message': 'going%20away',
        },
        { endStream: true },
      ),
    )
    t.after(() => h2.close())
    const r = await probeGrpcHealth(h2.url, FAST)
    assert.deepEqual([r.healthy, r.detail], [false, 'grpc-status 14 (UNAVAILABLE): going away'])
  })

  test('answers that are not gRPC, or are broken, are unhealthy with a reason', async (t) => {
    const cases: [string, (s: ServerHttp2Stream) => void, RegExp][] = [
      [
        'http 404',
        (s) => s.respond({ ':status': 404 }, { endStream: true }),
        /^answered HTTP 404, not gRPC$/,
      ],
      [
        'json',
        (s) => {
          s.respond({ ':status': 200, 'content-type': 'application/json' })
          s.end('{}')
        },
        /^answered content-type application\/json, not gRPC$/,
      ],
      ['no status', (s) => grpcOk(s, encodeFrame(Buffer.from([0x08, 1])), {}), /ended without grpc-status/],
      [
        'no message',
        (s) => grpcOk(s, Buffer.alloc(0), { 'grpc-status': '0' }),
        /without a HealthCheckResponse/,
      ],
      [
        'bad protobuf',
        (s) => grpcOk(s, encodeFrame(Buffer.from([0x08])), { 'grpc-status': '0' }),
        /malformed HealthCheckResponse: truncated varint/,
      ],
      [
        'compressed',
        (s) => grpcOk(s, encodeFrame(Buffer.from([0x08, 1]), true), { 'grpc-status': '0' }),
        /compressed/,
      ],
      [
        'too long',
        (s) => grpcOk(s, Buffer.from([0, 0, 1, 0, 1]), { 'grpc-status': '0' }),
        /malformed answer: message of 65537 bytes exceeds the limit/,
      ],
      ['reset', (s) => s.close(0x2), /^the server reset the stream: .*(INTERNAL_ERROR|code 2)/],
      [
        'status 3',
        (s) => grpcOk(s, Buffer.alloc(0), { 'grpc-status': '3', 'grpc-message': 'bad name' }),
        /^grpc-status 3 \(INVALID_ARGUMENT\): bad name$/,
      ],
    ]
    let current: (s: ServerHttp2Stream) => void = () => {}
    const h2 = await rawH2((stream) => current(stream))
    t.after(() => h2.close())
    for (const [name, answer, detail] of cases) {
      current = answer
      const r = await probeGrpcHealth(h2.url, FAST)
      assert.equal(r.healthy, false, name)
      assert.match(r.detail, detail, name)
    }
  })
})

const tls = selfSignedCertificate()

describe('gRPC health probe over TLS (h2)', { skip: tls ? false : 'openssl is not available' }, () => {
  const servers: { close(): Promise<void> }[] = []
  after(() => Promise.all(servers.map((s) => s.close())))

  test('trusted with ca: healthy; untrusted: unhealthy with the TLS reason', async () => {
    const { key, cert } = tls ?? { key: '', cert: '' }
    const server = await startEchoServer({ tls: { key, cert } })
    servers.push(server)
    assert.match(server.url, /^https:/)
    const ok = await probeGrpcHealth(server.url, { ...FAST, ca: cert })
    assert.deepEqual([ok.healthy, ok.status], [true, 'SERVING'])
    const insecure = await probeGrpcHealth(server.url, { ...FAST, rejectUnauthorized: false })
    assert.equal(insecure.healthy, true)
    const untrusted = await probeGrpcHealth(server.url, FAST)
    assert.equal(untrusted.healthy, false)
    assert.match(untrusted.detail, /^cannot connect to https:\/\/127\.0\.0\.1:\d+: .*self[- ]signed/)
  })
})
