// gRPC-Web through the gateway: @improbable-eng/grpc-web over node:http (HTTP/1.1) and raw fetch, to a
// gRPC route whose upstream speaks only gRPC (the shared grpc-js Echo fixture).
import assert from 'node:assert/strict'
import { after, describe, test } from 'node:test'
import grpcWeb from '@improbable-eng/grpc-web'
import nodeTransport from '@improbable-eng/grpc-web-node-http-transport'
import { SignJWT } from 'jose'
import { startGateway, type TestGateway } from '../fixtures/gateway.ts'
import { type EchoServer, FAILED_ON_PURPOSE, startEchoServer } from '../fixtures/grpc/echo-server.ts'
import { refusingUrl } from '../fixtures/upstreams.ts'
import {
  decodeBase64Pieces,
  decodeEcho,
  type EchoMessage,
  encodeEcho,
  frame,
  parseFrames,
} from './helpers.ts'

const { grpc } = grpcWeb
const { NodeHttpTransport } = nodeTransport
type Metadata = InstanceType<typeof grpc.Metadata>

const closers: (() => Promise<void> | void)[] = []
after(async () => {
  for (const c of closers.reverse()) await c()
})

const SERVICE = '/sallyport.test.Echo'
const ORIGIN = 'http://app.test'

/** EchoMessage for @improbable-eng/grpc-web, encoded by hand (helpers.ts). */
class EchoMsg {
  text = ''
  count = 0
  static of(m: Partial<EchoMessage>): EchoMsg {
    return Object.assign(new EchoMsg(), m)
  }
  static deserializeBinary(bytes: Uint8Array): EchoMsg {
    return EchoMsg.of(decodeEcho(bytes))
  }
  serializeBinary(): Uint8Array {
    return new Uint8Array(encodeEcho(this))
  }
  toObject(): EchoMessage {
    return { text: this.text, count: this.count }
  }
}

const Echo = { serviceName: 'sallyport.test.Echo' }
const method = (methodName: string, responseStream: boolean) => ({
  methodName,
  service: Echo,
  requestStream: false,
  responseStream,
  requestType: EchoMsg,
  responseType: EchoMsg,
})
const UnaryMethod = {
  ...method('Unary', false),
  responseStream: false as const,
  requestStream: false as const,
}
const ServerStreamMethod = method('ServerStream', true)
const NoSuchMethod = {
  ...method('Unary', false),
  service: { serviceName: 'sallyport.test.Nope' },
  responseStream: false as const,
  requestStream: false as const,
}

interface WebResult {
  readonly code: number
  readonly message: string
  readonly headers: Metadata | undefined
  readonly trailers: Metadata
  readonly messages: EchoMessage[]
}

/** One call with @improbable-eng/grpc-web's invoke over node:http, bounded by `timeoutMs`. */
function webInvoke(
  host: string,
  m: typeof UnaryMethod | typeof ServerStreamMethod | typeof NoSuchMethod,
  req: Partial<EchoMessage>,
  metadata: Record<string, string> = {},
  timeoutMs = 10_000,
): Promise<WebResult> {
  return new Promise((resolve, reject) => {
    const messages: EchoMessage[] = []
    let headers: Metadata | undefined
    const call = grpc.invoke(m, {
      host,
      request: EchoMsg.of(req),
      metadata,
      transport: NodeHttpTransport(),
      onHeaders: (h) => {
        headers = h
      },
      onMessage: (msg) => messages.push((msg as EchoMsg).toObject()),
      onEnd: (code, message, trailers) => {
        clearTimeout(timer)
        resolve({ code, message, headers, trailers, messages })
      },
    })
    const timer = setTimeout(() => {
      call.close()
      reject(new Error(`grpc-web call ${m.methodName} did not end within ${timeoutMs} ms`))
    }, timeoutMs)
  })
}

function webUnary(
  host: string,
  req: Partial<EchoMessage>,
  metadata: Record<string, string> = {},
): Promise<{
  status: number
  statusMessage: string
  message: EchoMessage | null
  headers: Metadata
  trailers: Metadata
}> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('grpc-web unary did not end within 10 s')), 10_000)
    grpc.unary(UnaryMethod, {
      host,
      request: EchoMsg.of(req),
      metadata,
      transport: NodeHttpTransport(),
      onEnd: (out) => {
        clearTimeout(timer)
        resolve({
          status: out.status,
          statusMessage: out.statusMessage,
          message: out.message ? (out.message as EchoMsg).toObject() : null,
          headers: out.headers,
          trailers: out.trailers,
        })
      },
    })
  })
}

async function echoServer(): Promise<EchoServer> {
  const up = await startEchoServer()
  closers.push(() => up.close())
  return up
}

async function gateway(targets: string[], extra: Record<string, unknown> = {}): Promise<TestGateway> {
  const g = await startGateway({
    routes: [
      { id: 'echo', path: SERVICE, protocol: 'grpc', targets: targets.map((url) => ({ url })), ...extra },
    ],
  })
  closers.push(() => g.close())
  return g
}

interface WebReply {
  readonly status: number
  readonly headers: Headers
  readonly body: Buffer
}

/** A raw gRPC-Web POST with fetch; `text` sends base64 (application/grpc-web-text). */
async function webFetch(
  url: string,
  body: Buffer,
  opts: { text?: boolean; headers?: Record<string, string> } = {},
): Promise<WebReply> {
  const type = opts.text ? 'application/grpc-web-text' : 'application/grpc-web+proto'
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': type,
      accept: type,
      'x-grpc-web': '1',
      'x-user-agent': 'grpc-web-javascript/0.1',
      ...opts.headers,
    },
    body: opts.text ? body.toString('base64') : body,
    signal: AbortSignal.timeout(10_000),
  })
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) }
}

/** The gRPC status of a gRPC-Web answer: the response headers (trailers-only) or the trailer frame. */
function webStatus(r: WebReply, frames: ReturnType<typeof parseFrames>): { code: number; message: string } {
  const code = r.headers.get('grpc-status') ?? frames.trailers?.['grpc-status']
  const message = r.headers.get('grpc-message') ?? frames.trailers?.['grpc-message'] ?? ''
  assert.notEqual(code, undefined, 'grpc-status in the headers or the trailer frame')
  return { code: Number(code), message: decodeURIComponent(message) }
}

describe('gRPC-Web to a gRPC upstream', () => {
  test('unary with application/grpc-web+proto (@improbable-eng/grpc-web): message, metadata both ways', async () => {
    const up = await echoServer()
    const g = await gateway([up.url])
    const r = await webUnary(
      g.url,
      { text: 'hello web ✓', count: 3 },
      { 'x-client-meta': 'from the browser' },
    )
    assert.equal(r.status, grpc.Code.OK, r.statusMessage)
    assert.deepEqual(r.message, { text: 'hello web ✓', count: 3 })
    assert.deepEqual(r.headers.get('x-echo-server'), ['echo'])
    assert.deepEqual(r.trailers.get('x-echo-trailer'), ['done'])
    assert.deepEqual(up.lastMetadata?.['x-client-meta'], ['from the browser'])
    assert.equal(up.lastMetadata?.['x-grpc-web'], undefined, 'x-grpc-web is not sent upstream')
    assert.equal(up.calls, 1)
  })

  test('server streaming with application/grpc-web+proto (@improbable-eng/grpc-web)', async () => {
    const up = await echoServer()
    const g = await gateway([up.url])
    const r = await webInvoke(g.url, ServerStreamMethod, { text: 'tick', count: 4 })
    assert.equal(r.code, grpc.Code.OK, r.message)
    assert.deepEqual(
      r.messages,
      [1, 2, 3, 4].map((count) => ({ text: 'tick', count })),
    )
    assert.deepEqual(r.trailers.get('x-echo-trailer'), ['done'])
  })

  test('an upstream error comes back as a gRPC-Web status (with @improbable-eng/grpc-web)', async () => {
    const up = await echoServer()
    const g = await gateway([up.url])
    const u = await webUnary(g.url, { text: 'x' }, { 'x-fail': '5' })
    assert.equal(u.status, grpc.Code.NotFound)
    assert.equal(u.statusMessage, FAILED_ON_PURPOSE)
    const s = await webInvoke(g.url, ServerStreamMethod, { text: 's', count: 2 }, { 'x-fail': '7' })
    assert.equal(s.messages.length, 2)
    assert.equal(s.code, grpc.Code.PermissionDenied)
    assert.equal(s.message, FAILED_ON_PURPOSE)
  })

  test('raw binary gRPC-Web: messages, then the trailers as the trailer frame (status and custom trailers)', async () => {
    const up = await echoServer()
    const g = await gateway([up.url])
    const r = await webFetch(`${g.url}${SERVICE}/ServerStream`, frame(encodeEcho({ text: 'raw', count: 2 })))
    assert.equal(r.status, 200)
    assert.match(String(r.headers.get('content-type')), /^application\/grpc-web(\+proto)?$/)
    assert.equal(r.headers.get('x-echo-server'), 'echo', 'initial metadata as response headers')
    const frames = parseFrames(r.body)
    assert.equal(frames.leftover, 0)
    assert.deepEqual(
      frames.messages.map((m) => decodeEcho(m)),
      [
        { text: 'raw', count: 1 },
        { text: 'raw', count: 2 },
      ],
    )
    assert.ok(frames.trailers, 'a trailer frame (flag 0x80) ends the body')
    assert.equal(frames.trailers['grpc-status'], '0')
    assert.equal(frames.trailers['x-echo-trailer'], 'done')
    assert.equal(frames.afterTrailers, 0, 'nothing after the trailer frame')
    // An error after messages: the status is in the trailer frame, not the headers.
    const failed = await webFetch(
      `${g.url}${SERVICE}/ServerStream`,
      frame(encodeEcho({ text: 'f', count: 1 })),
      {
        headers: { 'x-fail': '7' },
      },
    )
    const ff = parseFrames(failed.body)
    assert.equal(ff.messages.length, 1)
    assert.equal(ff.trailers?.['grpc-status'], '7')
    assert.equal(decodeURIComponent(ff.trailers?.['grpc-message'] ?? ''), FAILED_ON_PURPOSE)
  })

  test('raw fetch with application/grpc-web-text: base64 both ways', async () => {
    const up = await echoServer()
    const g = await gateway([up.url])
    const r = await webFetch(`${g.url}${SERVICE}/Unary`, frame(encodeEcho({ text: 'base64 ✓', count: 9 })), {
      text: true,
    })
    assert.equal(r.status, 200)
    assert.match(String(r.headers.get('content-type')), /^application\/grpc-web-text(\+proto)?$/)
    const text = r.body.toString('latin1')
    assert.match(text, /^[A-Za-z0-9+/=]*$/, 'the body is base64')
    const frames = parseFrames(decodeBase64Pieces(text))
    assert.equal(frames.leftover, 0)
    assert.deepEqual(
      frames.messages.map((m) => decodeEcho(m)),
      [{ text: 'base64 ✓', count: 9 }],
    )
    assert.equal(frames.trailers?.['grpc-status'], '0')
    assert.equal(frames.trailers?.['x-echo-trailer'], 'done')
    // Server streaming in text mode.
    const s = await webFetch(`${g.url}${SERVICE}/ServerStream`, frame(encodeEcho({ text: 't', count: 3 })), {
      text: true,
    })
    const sf = parseFrames(decodeBase64Pieces(s.body.toString('latin1')))
    assert.equal(sf.messages.length, 3)
    assert.equal(sf.trailers?.['grpc-status'], '0')
  })

  test('grpc-web-text request body of separately padded base64 pieces (two messages, client stream)', async () => {
    const up = await echoServer()
    const g = await gateway([up.url])
    // The "a" and "cde" frames are 8 and 10 bytes: each piece ends in padding.
    const body = [frame(encodeEcho({ text: 'a' })), frame(encodeEcho({ text: 'cde' }))]
      .map((f) => f.toString('base64'))
      .join('')
    assert.match(body, /=[A-Za-z0-9+/]/, 'padding inside the body')
    const res = await fetch(`${g.url}${SERVICE}/ClientStream`, {
      method: 'POST',
      headers: { 'content-type': 'application/grpc-web-text', 'x-grpc-web': '1' },
      body,
      signal: AbortSignal.timeout(10_000),
    })
    assert.equal(res.status, 200)
    const frames = parseFrames(decodeBase64Pieces(await res.text()))
    assert.equal(frames.trailers?.['grpc-status'], '0', JSON.stringify(frames.trailers))
    assert.deepEqual(
      frames.messages.map((m) => decodeEcho(m)),
      [{ text: 'a cde', count: 2 }],
    )
  })
})

describe('gateway-made errors in gRPC-Web form', () => {
  test('no route → UNIMPLEMENTED, HTTP 200, gRPC-Web content type, never problem+json', async () => {
    const up = await echoServer()
    const g = await gateway([up.url])
    const viaClient = await webInvoke(g.url, NoSuchMethod, { text: 'x' })
    assert.equal(viaClient.code, grpc.Code.Unimplemented, viaClient.message)
    for (const text of [false, true]) {
      const r = await webFetch(`${g.url}/sallyport.test.Nope/Unary`, frame(encodeEcho({ text: 'x' })), {
        text,
      })
      assert.equal(r.status, 200, `text=${text}`)
      const type = String(r.headers.get('content-type'))
      assert.match(type, text ? /^application\/grpc-web-text/ : /^application\/grpc-web(\+proto)?$/, type)
      const body = text ? decodeBase64Pieces(r.body.toString('latin1')) : r.body
      const frames = parseFrames(body)
      assert.equal(frames.messages.length, 0)
      assert.equal(webStatus(r, frames).code, grpc.Code.Unimplemented, `text=${text}`)
    }
    assert.equal(up.calls, 0)
  })

  test('refused target → UNAVAILABLE in gRPC-Web form', async () => {
    const g = await gateway([await refusingUrl()])
    const u = await webUnary(g.url, { text: 'x' })
    assert.equal(u.status, grpc.Code.Unavailable, u.statusMessage)
    const r = await webFetch(`${g.url}${SERVICE}/Unary`, frame(encodeEcho({ text: 'x' })))
    assert.equal(r.status, 200)
    assert.match(String(r.headers.get('content-type')), /^application\/grpc-web/)
    assert.equal(webStatus(r, parseFrames(r.body)).code, grpc.Code.Unavailable)
  })
})

describe('CORS for gRPC-Web', () => {
  const preflightHeaders = {
    origin: ORIGIN,
    'access-control-request-method': 'POST',
    'access-control-request-headers': 'content-type,x-grpc-web,x-user-agent,grpc-timeout,authorization',
  }

  test('a preflight from an allowed Origin is answered; grpc-status and grpc-message are exposed', async () => {
    const up = await echoServer()
    const g = await gateway([up.url], { cors: { origins: [ORIGIN] } })
    const pre = await fetch(`${g.url}${SERVICE}/Unary`, {
      method: 'OPTIONS',
      headers: preflightHeaders,
      signal: AbortSignal.timeout(10_000),
    })
    assert.ok(pre.status === 204 || pre.status === 200, `preflight status ${pre.status}`)
    assert.equal(pre.headers.get('access-control-allow-origin'), ORIGIN)
    assert.match(String(pre.headers.get('access-control-allow-methods')), /\bPOST\b/)
    const allowed = String(pre.headers.get('access-control-allow-headers')).toLowerCase()
    for (const h of ['content-type', 'x-grpc-web', 'x-user-agent', 'grpc-timeout'])
      assert.ok(allowed.split(/\s*,\s*/).includes(h), `${h} allowed (${allowed})`)
    assert.equal(up.calls, 0, 'the preflight is not sent upstream')

    const r = await webFetch(`${g.url}${SERVICE}/Unary`, frame(encodeEcho({ text: 'cors' })), {
      headers: { origin: ORIGIN },
    })
    assert.equal(r.status, 200)
    assert.equal(r.headers.get('access-control-allow-origin'), ORIGIN)
    const exposed = String(r.headers.get('access-control-expose-headers'))
      .toLowerCase()
      .split(/\s*,\s*/)
    assert.ok(exposed.includes('grpc-status'), `grpc-status exposed (${exposed})`)
    assert.ok(exposed.includes('grpc-message'), `grpc-message exposed (${exposed})`)
    assert.equal(parseFrames(r.body).trailers?.['grpc-status'], '0')

    // Another origin: no CORS grant.
    const other = await fetch(`${g.url}${SERVICE}/Unary`, {
      method: 'OPTIONS',
      headers: { ...preflightHeaders, origin: 'http://evil.test' },
      signal: AbortSignal.timeout(10_000),
    })
    assert.equal(other.headers.get('access-control-allow-origin'), null)
  })

  test('a gateway-made error (JWT missing) carries the CORS headers, so the browser can read its status', async () => {
    const secret = 'a-very-long-test-secret-of-32-bytes!!'
    const up = await echoServer()
    const g = await gateway([up.url], { cors: { origins: [ORIGIN] }, jwt: { secret } })
    const pre = await fetch(`${g.url}${SERVICE}/Unary`, {
      method: 'OPTIONS',
      headers: preflightHeaders,
      signal: AbortSignal.timeout(10_000),
    })
    assert.equal(pre.headers.get('access-control-allow-origin'), ORIGIN, 'the preflight needs no token')
    const r = await webFetch(`${g.url}${SERVICE}/Unary`, frame(encodeEcho({ text: 'x' })), {
      headers: { origin: ORIGIN },
    })
    assert.equal(r.status, 200)
    assert.match(String(r.headers.get('content-type')), /^application\/grpc-web/)
    assert.equal(webStatus(r, parseFrames(r.body)).code, grpc.Code.Unauthenticated)
    assert.equal(r.headers.get('access-control-allow-origin'), ORIGIN)
    assert.match(String(r.headers.get('access-control-expose-headers')).toLowerCase(), /grpc-status/)
    assert.equal(up.calls, 0)
    const token = await new SignJWT({ sub: 'u' })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(secret))
    const ok = await webUnary(g.url, { text: 'x' }, { authorization: `Bearer ${token}` })
    assert.equal(ok.status, grpc.Code.OK, ok.statusMessage)
    assert.equal(up.calls, 1)
  })
})
