// Helpers for the gRPC and gRPC-Web gateway tests: promise wrappers around @grpc/grpc-js calls, a raw
// HTTP/2 gRPC request (to see exactly what the gateway answers: trailers-only or not), hand-written
// protobuf encoding of EchoMessage, gRPC(-Web) frames, and a controllable grpc-js Echo upstream that
// the shared fixture does not cover (a fixed port for restarts, cancellations seen, GOAWAY by
// tryShutdown, a status every call fails with).
import http2 from 'node:http2'
import * as grpc from '@grpc/grpc-js'
import { type EchoMessage, loadTestProtos } from '../fixtures/grpc/echo-server.ts'

export type { EchoMessage }

export type Md = Record<string, string | Buffer>

export interface CallResult {
  readonly code: number
  readonly details: string
  /** Initial metadata (undefined when the answer was trailers-only or none came). */
  readonly headers: grpc.Metadata | undefined
  readonly trailers: grpc.Metadata
  readonly messages: EchoMessage[]
  /** Milliseconds from start to status. */
  readonly ms: number
}

interface EchoStub extends grpc.Client {
  Unary(
    req: EchoMessage,
    md: grpc.Metadata,
    opts: grpc.CallOptions,
    cb: grpc.requestCallback<EchoMessage>,
  ): grpc.ClientUnaryCall
  ServerStream(
    req: EchoMessage,
    md: grpc.Metadata,
    opts: grpc.CallOptions,
  ): grpc.ClientReadableStream<EchoMessage>
  ClientStream(
    md: grpc.Metadata,
    opts: grpc.CallOptions,
    cb: grpc.requestCallback<EchoMessage>,
  ): grpc.ClientWritableStream<EchoMessage>
  Bidi(md: grpc.Metadata, opts: grpc.CallOptions): grpc.ClientDuplexStream<EchoMessage, EchoMessage>
}

export function metadata(md: Md = {}): grpc.Metadata {
  const out = new grpc.Metadata()
  for (const [k, v] of Object.entries(md)) out.set(k, v)
  return out
}

const CALL_GUARD_MS = 20_000

/** Settles with the call's status, initial metadata and messages; never rejects on a gRPC error. */
function collect(
  call:
    | grpc.ClientUnaryCall
    | grpc.ClientReadableStream<EchoMessage>
    | grpc.ClientDuplexStream<EchoMessage, EchoMessage>,
  streaming: boolean,
  messages: EchoMessage[],
  started: number,
): Promise<CallResult> {
  const events = call as unknown as NodeJS.EventEmitter
  return new Promise((resolve) => {
    let headers: grpc.Metadata | undefined
    let status: grpc.StatusObject | undefined
    let ended = !streaming
    // No call outlives CALL_GUARD_MS: a hung call ends CANCELLED and the test says so.
    const guard = setTimeout(() => call.cancel(), CALL_GUARD_MS)
    const done = () => {
      if (status === undefined) return
      if (status.code === grpc.status.OK && !ended) return
      clearTimeout(guard)
      const s = status
      status = undefined
      resolve({
        code: s.code,
        details: s.details,
        headers,
        trailers: s.metadata,
        messages,
        ms: performance.now() - started,
      })
    }
    events.on('metadata', (m: grpc.Metadata) => {
      headers = m
    })
    if (streaming) {
      events.on('data', (m: EchoMessage) => messages.push(m))
      events.on('end', () => {
        ended = true
        done()
      })
    }
    events.on('error', () => {})
    events.on('status', (s: grpc.StatusObject) => {
      status = s
      // A stream's last messages may still be on their way to 'data'.
      setImmediate(done)
    })
  })
}

export function unary(
  client: grpc.Client,
  req: Partial<EchoMessage>,
  md: Md = {},
  opts: grpc.CallOptions = {},
): Promise<CallResult> {
  const messages: EchoMessage[] = []
  const started = performance.now()
  const call = (client as EchoStub).Unary(
    { text: '', count: 0, ...req },
    metadata(md),
    opts,
    (_err, value) => {
      if (value) messages.push(value)
    },
  )
  return collect(call, false, messages, started)
}

export function serverStream(
  client: grpc.Client,
  req: Partial<EchoMessage>,
  md: Md = {},
  opts: grpc.CallOptions = {},
): Promise<CallResult> {
  const started = performance.now()
  const call = (client as EchoStub).ServerStream({ text: '', count: 0, ...req }, metadata(md), opts)
  return collect(call, true, [], started)
}

export function clientStream(
  client: grpc.Client,
  reqs: Partial<EchoMessage>[],
  md: Md = {},
  opts: grpc.CallOptions = {},
): Promise<CallResult> {
  const messages: EchoMessage[] = []
  const started = performance.now()
  const call = (client as EchoStub).ClientStream(metadata(md), opts, (_err, value) => {
    if (value) messages.push(value)
  })
  const result = collect(call as unknown as grpc.ClientUnaryCall, false, messages, started)
  for (const r of reqs) call.write({ text: '', count: 0, ...r })
  call.end()
  return result
}

export function bidi(
  client: grpc.Client,
  reqs: Partial<EchoMessage>[],
  md: Md = {},
  opts: grpc.CallOptions = {},
): Promise<CallResult> {
  const started = performance.now()
  const call = (client as EchoStub).Bidi(metadata(md), opts)
  const result = collect(call, true, [], started)
  for (const r of reqs) call.write({ text: '', count: 0, ...r })
  call.end()
  return result
}

/** A bidi call driven step by step: send one message, wait for its echo. */
export function openBidi(client: grpc.Client, md: Md = {}, opts: grpc.CallOptions = {}) {
  const started = performance.now()
  const call = (client as EchoStub).Bidi(metadata(md), opts)
  const messages: EchoMessage[] = []
  const result = collect(call, true, messages, started)
  return {
    call,
    result,
    messages,
    /** Writes `text` and resolves once as many messages as written have come back (bounded). */
    async roundTrip(text: string, timeoutMs = 5000): Promise<void> {
      const want = messages.length + 1
      call.write({ text, count: want })
      await until(() => messages.length >= want, timeoutMs, `echo of ${JSON.stringify(text)}`)
    },
    end(): Promise<CallResult> {
      call.end()
      return result
    },
  }
}

export function firstValue(md: grpc.Metadata | undefined, key: string): string | undefined {
  const v = md?.get(key)[0]
  return v === undefined ? undefined : Buffer.isBuffer(v) ? v.toString('hex') : String(v)
}

/** Polls `check` until it is true, or throws after `timeoutMs`. */
export async function until(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 5000,
  what = 'condition',
): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`${what} not reached within ${timeoutMs} ms`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

// ——— protobuf and frames, by hand ———

function varint(n: number): number[] {
  const out: number[] = []
  let v = n >>> 0
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80)
    v >>>= 7
  }
  out.push(v)
  return out
}

/** EchoMessage { string text = 1; int32 count = 2; } (count ≥ 0), defaults omitted as proto3 does. */
export function encodeEcho(m: Partial<EchoMessage>): Buffer {
  const parts: Buffer[] = []
  if (m.text) {
    const text = Buffer.from(m.text, 'utf8')
    parts.push(Buffer.from([0x0a, ...varint(text.length)]), text)
  }
  if (m.count) parts.push(Buffer.from([0x10, ...varint(m.count)]))
  return Buffer.concat(parts)
}

export function decodeEcho(bytes: Uint8Array): EchoMessage {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const out: EchoMessage = { text: '', count: 0 }
  let i = 0
  const readVarint = (): number => {
    let result = 0
    let shift = 0
    for (let n = 0; n < 10; n++) {
      const byte = b[i++] as number
      if (shift < 32) result |= (byte & 0x7f) << shift
      shift += 7
      if ((byte & 0x80) === 0) break
    }
    return result
  }
  while (i < b.length) {
    const key = readVarint()
    const field = key >>> 3
    const wire = key & 7
    if (wire === 0) {
      const v = readVarint()
      if (field === 2) out.count = v | 0
    } else if (wire === 2) {
      const len = readVarint()
      if (field === 1) out.text = b.toString('utf8', i, i + len)
      i += len
    } else if (wire === 5) i += 4
    else if (wire === 1) i += 8
    else throw new Error(`unexpected wire type ${wire}`)
  }
  return out
}

/** A length-prefixed gRPC frame. */
export function frame(payload: Buffer, flags = 0): Buffer {
  const head = Buffer.alloc(5)
  head[0] = flags
  head.writeUInt32BE(payload.length, 1)
  return Buffer.concat([head, payload])
}

export interface ParsedFrames {
  readonly messages: Buffer[]
  /** The gRPC-Web trailer frame's fields (flag 0x80), lower-cased names; undefined when none. */
  readonly trailers: Record<string, string> | undefined
  /** Frames that came after the trailer frame (should be none). */
  readonly afterTrailers: number
  /** Bytes left over that do not make a whole frame. */
  readonly leftover: number
}

export function parseFrames(buf: Buffer): ParsedFrames {
  const messages: Buffer[] = []
  let trailers: Record<string, string> | undefined
  let afterTrailers = 0
  let i = 0
  while (i + 5 <= buf.length) {
    const flags = buf[i] as number
    const len = buf.readUInt32BE(i + 1)
    if (i + 5 + len > buf.length) break
    const payload = buf.subarray(i + 5, i + 5 + len)
    i += 5 + len
    if (trailers !== undefined) afterTrailers++
    if (flags & 0x80) {
      trailers = {}
      for (const line of payload.toString('latin1').split('\r\n')) {
        if (line === '') continue
        const colon = line.indexOf(':')
        const name = line.slice(0, colon).trim().toLowerCase()
        const value = line.slice(colon + 1).trim()
        trailers[name] = trailers[name] === undefined ? value : `${trailers[name]}, ${value}`
      }
    } else messages.push(Buffer.from(payload))
  }
  return { messages, trailers, afterTrailers, leftover: buf.length - i }
}

/** Base64 that may be several padded pieces one after the other (gRPC-Web text responses). */
export function decodeBase64Pieces(text: string): Buffer {
  const clean = text.replace(/\s+/g, '')
  const out: Buffer[] = []
  for (let i = 0; i < clean.length; i += 4) out.push(Buffer.from(clean.slice(i, i + 4), 'base64'))
  return Buffer.concat(out)
}

// ——— a raw HTTP/2 gRPC request ———

export interface RawReply {
  readonly status: number
  readonly headers: http2.IncomingHttpHeaders
  readonly trailers: http2.IncomingHttpHeaders | undefined
  readonly body: Buffer
  /** grpc-status came in the response headers (a trailers-only answer). */
  readonly trailersOnly: boolean
  readonly ms: number
}

/** One gRPC request over a fresh h2c session to `origin` (http://host:port); the session is closed after. */
export function rawGrpc(
  origin: string,
  path: string,
  opts: { headers?: Record<string, string>; body?: Buffer; timeoutMs?: number } = {},
): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const started = performance.now()
    const session = http2.connect(origin)
    const timer = setTimeout(() => {
      session.destroy()
      reject(new Error(`no complete answer from ${origin}${path} within ${opts.timeoutMs ?? 10_000} ms`))
    }, opts.timeoutMs ?? 10_000)
    session.on('error', (err) => {
      clearTimeout(timer)
      session.destroy()
      reject(err)
    })
    const stream = session.request({
      ':method': 'POST',
      ':path': path,
      'content-type': 'application/grpc',
      te: 'trailers',
      ...opts.headers,
    })
    let headers: http2.IncomingHttpHeaders = {}
    let trailers: http2.IncomingHttpHeaders | undefined
    const chunks: Buffer[] = []
    stream.on('response', (h) => {
      headers = h
    })
    stream.on('trailers', (t) => {
      trailers = t
    })
    stream.on('data', (c: Buffer) => chunks.push(c))
    stream.on('error', () => {})
    stream.on('close', () => {
      clearTimeout(timer)
      session.close()
      resolve({
        status: Number(headers[':status'] ?? 0),
        headers,
        trailers,
        body: Buffer.concat(chunks),
        trailersOnly: headers['grpc-status'] !== undefined,
        ms: performance.now() - started,
      })
    })
    stream.end(opts.body ?? frame(encodeEcho({ text: 'raw', count: 1 })))
  })
}

/** grpc-status of a raw reply, wherever it came (headers for trailers-only, else trailers). */
export function rawStatus(r: RawReply): number | undefined {
  const v = r.headers['grpc-status'] ?? r.trailers?.['grpc-status']
  return v === undefined ? undefined : Number(v)
}

// ——— a controllable Echo upstream ———

export interface ControlledEcho {
  readonly port: number
  readonly url: string
  readonly address: string
  readonly server: grpc.Server
  /** Echo calls started. */
  readonly calls: number
  /** Calls the server saw cancelled (client gone, RST_STREAM, or its own deadline). */
  readonly cancelled: number
  /** Graceful: GOAWAY to every session, running calls finish (grpc-js tryShutdown). */
  shutdown(): Promise<void>
  /** Cuts every session at once. */
  close(): Promise<void>
}

export interface ControlledEchoOptions {
  /** Listen on this port (a restart on the same port); 0 by default. */
  readonly port?: number
  /** Every Echo call fails at once with this status (a trailers-only answer). */
  readonly fail?: { readonly code: number; readonly details: string }
}

/** Binds, retrying briefly when the port is still held by a server being shut down. */
async function bind(server: grpc.Server, port: number): Promise<number> {
  let lastErr: Error | undefined
  for (let attempt = 0; attempt < 40; attempt++) {
    try {
      return await new Promise<number>((resolve, reject) =>
        server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (err, p) =>
          err ? reject(err) : resolve(p),
        ),
      )
    } catch (err) {
      lastErr = err as Error
      if (port === 0) break
      await sleep(50)
    }
  }
  throw lastErr ?? new Error('bind failed')
}

/**
 * Echo (Unary, ServerStream, ClientStream, Bidi as the fixture's) with `x-delay-ms` honoured by
 * Unary and ServerStream, cancellations counted, and `x-trailer-*` request metadata returned as
 * trailing metadata by Unary.
 */
export async function startControlledEcho(opts: ControlledEchoOptions = {}): Promise<ControlledEcho> {
  const root = loadTestProtos()
  let node: unknown = root
  for (const part of 'sallyport.test.Echo'.split('.')) node = (node as Record<string, unknown>)[part]
  const service = (node as grpc.ServiceClientConstructor).service
  const server = new grpc.Server()
  const timers = new Set<NodeJS.Timeout>()
  let calls = 0
  let cancelled = 0
  const delayOf = (md: grpc.Metadata) => Number(String(md.get('x-delay-ms')[0] ?? '0')) || 0
  const later = (ms: number, fn: () => void): NodeJS.Timeout => {
    const t = setTimeout(() => {
      timers.delete(t)
      fn()
    }, ms)
    timers.add(t)
    return t
  }
  const watch = (
    call: { on(event: 'cancelled', fn: () => void): unknown },
    onCancel: () => void = () => {},
  ) => {
    calls++
    call.on('cancelled', () => {
      cancelled++
      onCancel()
    })
  }
  const failure = opts.fail ? { code: opts.fail.code, details: opts.fail.details } : undefined

  server.addService(service, {
    Unary(call: grpc.ServerUnaryCall<EchoMessage, EchoMessage>, cb: grpc.sendUnaryData<EchoMessage>) {
      let t: NodeJS.Timeout | undefined
      watch(call, () => clearTimeout(t))
      if (failure) return cb(failure)
      const trailers = new grpc.Metadata()
      for (const [k, v] of Object.entries(call.metadata.getMap()))
        if (k.startsWith('x-trailer-')) trailers.set(k, v)
      t = later(delayOf(call.metadata), () => {
        if (!call.cancelled) cb(null, { text: call.request.text, count: call.request.count }, trailers)
      })
    },
    ServerStream(call: grpc.ServerWritableStream<EchoMessage, EchoMessage>) {
      let t: NodeJS.Timeout | undefined
      watch(call, () => clearTimeout(t))
      if (failure) return call.emit('error', failure)
      const every = delayOf(call.metadata)
      let i = 0
      const step = () => {
        if (call.cancelled) return
        if (i >= call.request.count) return call.end()
        i++
        call.write({ text: call.request.text, count: i })
        t = later(every, step)
      }
      step()
    },
    ClientStream(
      call: grpc.ServerReadableStream<EchoMessage, EchoMessage>,
      cb: grpc.sendUnaryData<EchoMessage>,
    ) {
      watch(call)
      if (failure) return cb(failure)
      const texts: string[] = []
      call.on('data', (m: EchoMessage) => texts.push(m.text))
      call.on('end', () => cb(null, { text: texts.join(' '), count: texts.length }))
    },
    Bidi(call: grpc.ServerDuplexStream<EchoMessage, EchoMessage>) {
      watch(call)
      if (failure) return call.emit('error', failure)
      call.on('data', (m: EchoMessage) => call.write(m))
      call.on('end', () => call.end())
    },
  })
  const port = await bind(server, opts.port ?? 0)
  let closed: Promise<void> | undefined
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    address: `127.0.0.1:${port}`,
    server,
    get calls() {
      return calls
    },
    get cancelled() {
      return cancelled
    },
    shutdown() {
      return new Promise<void>((resolve) => server.tryShutdown(() => resolve()))
    },
    close() {
      closed ??= new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t)
        timers.clear()
        server.forceShutdown()
        resolve()
      })
      return closed
    },
  }
}

// ——— a bare node:http2 gRPC upstream that counts its sessions ———

export interface RawH2Echo {
  readonly port: number
  readonly url: string
  /** HTTP/2 sessions (connections) accepted so far. */
  readonly sessions: number
  /** Streams (calls) seen so far. */
  readonly streams: number
  /** Streams closed before this server answered them (the caller cancelled: RST_STREAM). */
  readonly abandoned: number
  /** The grpc-timeout header of each stream, in order (undefined when absent). */
  readonly timeouts: (string | undefined)[]
  close(): Promise<void>
}

/**
 * Answers every gRPC call with the frames it was sent, then grpc-status 0 in trailers. With `hang`
 * it never answers and ignores grpc-timeout: only the caller can end the call.
 */
export async function startRawH2Echo(opts: { hang?: boolean } = {}): Promise<RawH2Echo> {
  const server = http2.createServer()
  const open = new Set<http2.ServerHttp2Session>()
  let sessions = 0
  let streams = 0
  let abandoned = 0
  const timeouts: (string | undefined)[] = []
  server.on('session', (s) => {
    sessions++
    open.add(s)
    s.on('close', () => open.delete(s))
  })
  server.on('stream', (stream, headers) => {
    streams++
    timeouts.push(headers['grpc-timeout'] as string | undefined)
    const chunks: Buffer[] = []
    stream.on('data', (c: Buffer) => chunks.push(c))
    stream.on('error', () => {})
    stream.on('close', () => {
      if (!stream.headersSent) abandoned++
    })
    stream.on('end', () => {
      if (stream.destroyed || opts.hang) return
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true })
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }))
      stream.end(Buffer.concat(chunks))
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const port = (server.address() as { port: number }).port
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    get sessions() {
      return sessions
    },
    get streams() {
      return streams
    },
    get abandoned() {
      return abandoned
    },
    timeouts,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy()
        server.close(() => resolve())
      }),
  }
}
