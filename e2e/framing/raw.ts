// Raw-socket tools for the framing tests: an upstream that records every byte and answers with exact
// bytes, a client that writes exact bytes and collects what comes back, and a strict HTTP/1.1 response
// framer (RFC 9112 §6.3) to assert on "exactly these responses, framed exactly so".
import assert from 'node:assert/strict'
import { once } from 'node:events'
import net from 'node:net'
import { createGateway, type Gateway, type GatewayConfig } from '../../src/gateway/index.ts'

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** Bytes from a test's point of view: strings are taken byte for byte (latin1). */
export type Bytes = string | Buffer
export const bytesOf = (b: Bytes): Buffer => (typeof b === 'string' ? Buffer.from(b, 'latin1') : b)

// ---------------------------------------------------------------------------------------------------
// The upstream
// ---------------------------------------------------------------------------------------------------

export interface RawRequest {
  /** Accepting connection's id and this request's place on it (0-based). */
  readonly connId: number
  readonly index: number
  readonly method: string
  readonly target: string
  readonly version: string
  readonly requestLine: string
  /** Header fields as sent, in order (value without surrounding OWS). */
  readonly headers: readonly (readonly [string, string])[]
  /** The head's bytes, blank line included. */
  readonly head: Buffer
  /** The body after de-chunking (or the Content-Length bytes). */
  readonly body: Buffer
  /** Every byte of this request as received (head + body framing). */
  readonly raw: Buffer
  /** The first value of a field (case-insensitive name). */
  header(name: string): string | undefined
}

export interface RawConnection {
  readonly id: number
  /** Every byte received on this connection so far. */
  received: Buffer
  closed: boolean
  readonly socket: net.Socket
  readonly requests: RawRequest[]
  /** Set when the bytes received could not be read as requests (parsing then stops). */
  parseError: string | undefined
  /** Writes exact bytes (ignored once the connection is closed). */
  write(bytes: Bytes): void
  /** From now on, bytes go to `onData` instead of the request parser (a tunnel after a 101). */
  takeOver(onData: (chunk: Buffer) => void): void
}

/** Bytes to write for the request; undefined: the script writes itself (slowly, later or never). */
export type UpstreamScript = (
  req: RawRequest,
  conn: RawConnection,
) => Bytes | undefined | Promise<Bytes | undefined>

export interface RawUpstream {
  readonly port: number
  readonly url: string
  readonly connections: RawConnection[]
  /** Every request on every connection, in arrival order. */
  readonly requests: RawRequest[]
  /** Bytes received on all connections together. */
  totalReceived(): number
  close(): Promise<void>
}

class UpstreamConn implements RawConnection {
  readonly id: number
  received: Buffer = Buffer.alloc(0)
  closed = false
  readonly socket: net.Socket
  readonly requests: RawRequest[] = []
  parseError: string | undefined
  private pending: Buffer = Buffer.alloc(0)
  private busy = false
  private tunnel: ((chunk: Buffer) => void) | undefined
  private readonly script: UpstreamScript
  private readonly all: RawRequest[]

  constructor(id: number, socket: net.Socket, script: UpstreamScript, all: RawRequest[]) {
    this.id = id
    this.socket = socket
    this.script = script
    this.all = all
    socket.on('data', (chunk: Buffer) => {
      this.received = Buffer.concat([this.received, chunk])
      if (this.tunnel) {
        this.tunnel(chunk)
        return
      }
      this.pending = Buffer.concat([this.pending, chunk])
      this.pump()
    })
    socket.on('error', () => {})
    socket.on('close', () => {
      this.closed = true
    })
  }

  write(bytes: Bytes): void {
    if (!this.socket.destroyed && this.socket.writable) this.socket.write(bytesOf(bytes))
  }

  takeOver(onData: (chunk: Buffer) => void): void {
    this.tunnel = onData
    const rest = this.pending
    this.pending = Buffer.alloc(0)
    if (rest.length > 0) onData(rest)
  }

  /** Reads complete requests one at a time; each waits for the previous script call to finish. */
  private pump(): void {
    if (this.busy || this.parseError !== undefined || this.tunnel) return
    let req: RawRequest | undefined
    try {
      const got = readRequest(this.pending, this.id, this.requests.length)
      if (got === undefined) return
      req = got.req
      this.pending = this.pending.subarray(got.used)
    } catch (err) {
      this.parseError = (err as Error).message
      return
    }
    this.requests.push(req)
    this.all.push(req)
    this.busy = true
    Promise.resolve()
      .then(() => this.script(req, this))
      .then(
        (answer) => {
          if (answer !== undefined) this.write(answer)
        },
        (err: unknown) => {
          this.parseError = `script failed: ${String(err)}`
          this.socket.destroy()
        },
      )
      .finally(() => {
        this.busy = false
        if (this.pending.length > 0) this.pump()
      })
  }
}

const CRLFCRLF = Buffer.from('\r\n\r\n', 'latin1')

function headerLookup(headers: readonly (readonly [string, string])[]): (name: string) => string | undefined {
  return (name) => headers.find(([n]) => n.toLowerCase() === name.toLowerCase())?.[1]
}

/** One complete request at the start of `buf`, or undefined when more bytes are needed. */
function readRequest(
  buf: Buffer,
  connId: number,
  index: number,
): { req: RawRequest; used: number } | undefined {
  const end = buf.indexOf(CRLFCRLF)
  if (end < 0) {
    if (buf.length > 256 * 1024) throw new Error('request head larger than 256 KiB')
    return undefined
  }
  const headText = buf.toString('latin1', 0, end)
  const lines = headText.split('\r\n')
  const requestLine = lines[0] ?? ''
  const m = /^([^ ]+) ([^ ]+) (HTTP\/\d\.\d)$/.exec(requestLine)
  if (!m) throw new Error(`bad request line ${JSON.stringify(requestLine)}`)
  const headers = lines.slice(1).map((line): [string, string] => {
    const c = line.indexOf(':')
    if (c <= 0) throw new Error(`bad header line ${JSON.stringify(line)}`)
    return [line.slice(0, c), line.slice(c + 1).replace(/^[ \t]+|[ \t]+$/g, '')]
  })
  const header = headerLookup(headers)
  const te = header('transfer-encoding')
  let at = end + 4
  let body: Buffer = Buffer.alloc(0)
  if (te !== undefined) {
    if (!/(^|,)\s*chunked\s*$/i.test(te)) throw new Error(`request transfer-encoding ${te} cannot be framed`)
    const chunked = readChunked(buf, at)
    if (chunked === undefined) return undefined
    body = chunked.body
    at = chunked.end
  } else {
    const cl = header('content-length')
    if (cl !== undefined) {
      if (!/^\d+$/.test(cl)) throw new Error(`bad request content-length ${cl}`)
      const n = Number(cl)
      if (buf.length < at + n) return undefined
      body = Buffer.from(buf.subarray(at, at + n))
      at += n
    }
  }
  const req: RawRequest = {
    connId,
    index,
    method: m[1] as string,
    target: m[2] as string,
    version: m[3] as string,
    requestLine,
    headers,
    head: Buffer.from(buf.subarray(0, end + 4)),
    body,
    raw: Buffer.from(buf.subarray(0, at)),
    header,
  }
  return { req, used: at }
}

/**
 * A chunked body starting at `from`: its data and where the message ends (after the trailer section);
 * undefined when incomplete; throws on bad framing.
 */
function readChunked(buf: Buffer, from: number): { body: Buffer; end: number } | undefined {
  const parts: Buffer[] = []
  let at = from
  for (let guard = 0; guard < 100_000; guard++) {
    const nl = buf.indexOf('\r\n', at, 'latin1')
    if (nl < 0) return undefined
    const line = buf.toString('latin1', at, nl)
    const size = /^([0-9a-fA-F]{1,12})[ \t]*(;.*)?$/.exec(line)
    if (!size) throw new Error(`bad chunk size line ${JSON.stringify(line.slice(0, 40))}`)
    const n = Number.parseInt(size[1] as string, 16)
    at = nl + 2
    if (n === 0) {
      // Trailer section: field lines up to an empty line.
      for (let t = 0; t < 1000; t++) {
        const tl = buf.indexOf('\r\n', at, 'latin1')
        if (tl < 0) return undefined
        const trailer = buf.toString('latin1', at, tl)
        at = tl + 2
        if (trailer === '') return { body: Buffer.concat(parts), end: at }
        if (trailer.indexOf(':') <= 0) throw new Error(`bad trailer line ${JSON.stringify(trailer)}`)
      }
      throw new Error('too many trailer lines')
    }
    if (buf.length < at + n + 2) return undefined
    parts.push(Buffer.from(buf.subarray(at, at + n)))
    if (buf[at + n] !== 13 || buf[at + n + 1] !== 10) throw new Error('chunk data not followed by CRLF')
    at += n + 2
  }
  throw new Error('too many chunks')
}

/**
 * A `net` server on 127.0.0.1:0 that records every byte per connection and calls `script` once per
 * complete request (requests on one connection are handled in order).
 */
export async function startRawUpstream(script: UpstreamScript): Promise<RawUpstream> {
  const connections: RawConnection[] = []
  const requests: RawRequest[] = []
  const server = net.createServer((socket) => {
    socket.setNoDelay(true)
    connections.push(new UpstreamConn(connections.length, socket, script, requests))
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const port = (server.address() as net.AddressInfo).port
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    connections,
    requests,
    totalReceived: () => connections.reduce((n, c) => n + c.received.length, 0),
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of connections) c.socket.destroy()
        server.close(() => resolve())
      }),
  }
}

/** A fixed response: status line, header lines and a body (no framing header added). */
export function answer(statusLine: string, headers: readonly string[], body: Bytes = ''): Buffer {
  return Buffer.concat([
    bytesOf(`${statusLine}\r\n${headers.map((h) => `${h}\r\n`).join('')}\r\n`),
    bytesOf(body),
  ])
}

/** `200 OK` with a Content-Length body. */
export function ok(body: Bytes, extra: readonly string[] = []): Buffer {
  return answer('HTTP/1.1 200 OK', [...extra, `Content-Length: ${bytesOf(body).length}`], body)
}

// ---------------------------------------------------------------------------------------------------
// The client
// ---------------------------------------------------------------------------------------------------

/** One client connection that writes exact bytes and keeps everything it receives. */
export class RawClient {
  readonly socket: net.Socket
  bytes: Buffer = Buffer.alloc(0)
  closedByServer = false
  closed = false
  readonly openedAt = Date.now()
  firstByteAt: number | undefined
  closedAt: number | undefined
  private lastDataAt = Date.now()
  private waiters: (() => void)[] = []
  private destroyedByUs = false

  private constructor(socket: net.Socket) {
    this.socket = socket
    socket.setNoDelay(true)
    socket.on('data', (chunk: Buffer) => {
      this.firstByteAt ??= Date.now()
      this.lastDataAt = Date.now()
      this.bytes = Buffer.concat([this.bytes, chunk])
      this.wake()
    })
    socket.on('end', () => {
      if (!this.destroyedByUs) this.closedByServer = true
      this.wake()
    })
    socket.on('error', () => {})
    socket.on('close', () => {
      if (!this.destroyedByUs) this.closedByServer = true
      this.closed = true
      this.closedAt = Date.now()
      this.wake()
    })
  }

  static async connect(port: number): Promise<RawClient> {
    const socket = net.connect(port, '127.0.0.1')
    await once(socket, 'connect')
    return new RawClient(socket)
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w()
  }

  /** Resolves on the next data or close, or after `ms`. */
  private nudge(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const t = setTimeout(resolve, Math.max(0, ms))
      this.waiters.push(() => {
        clearTimeout(t)
        resolve()
      })
    })
  }

  get serverGone(): boolean {
    return this.closedByServer || this.closed
  }

  write(bytes: Bytes): void {
    if (!this.socket.destroyed && this.socket.writable) this.socket.write(bytesOf(bytes))
  }

  /** Waits until `done(bytes)` holds; false if `ms` pass (or the server closes) first. */
  async waitFor(done: (bytes: Buffer) => boolean, ms: number): Promise<boolean> {
    const until = Date.now() + ms
    for (let i = 0; i < 100_000; i++) {
      if (done(this.bytes)) return true
      const left = until - Date.now()
      if (left <= 0 || this.serverGone) return done(this.bytes)
      await this.nudge(left)
    }
    return done(this.bytes)
  }

  /** Waits for the server to close (true) or `ms` to pass (false). */
  async waitClose(ms: number): Promise<boolean> {
    await this.waitFor(() => this.serverGone, ms)
    return this.serverGone
  }

  /**
   * Waits until `quietMs` pass with nothing new, the server closes, `maxMs` pass, or `until` holds (then
   * `graceMs` more for a close or stray bytes).
   */
  async collect(
    quietMs: number,
    maxMs: number,
    until?: (bytes: Buffer) => boolean,
    graceMs = 50,
  ): Promise<void> {
    const deadline = Date.now() + maxMs
    this.lastDataAt = Math.max(this.lastDataAt, Date.now())
    for (let i = 0; i < 100_000; i++) {
      if (this.serverGone) return
      if (until?.(this.bytes)) {
        await this.waitClose(graceMs)
        return
      }
      const now = Date.now()
      const quietLeft = this.lastDataAt + quietMs - now
      if (quietLeft <= 0 || now >= deadline) return
      await this.nudge(Math.min(quietLeft, deadline - now))
    }
  }

  close(): void {
    if (!this.closed) this.destroyedByUs = true
    this.socket.destroy()
  }
}

export interface RawRequestOptions {
  /** Stop after this long with nothing new (counted once every part is written). Default 300. */
  readonly quietMs?: number
  /** Hard bound on the whole exchange. Default 8000. */
  readonly maxMs?: number
  /** Stop as soon as this holds (then wait `graceMs` for a close or stray bytes). */
  readonly until?: (bytes: Buffer) => boolean
  /** After `until` holds: how long to wait for more. Default 50. */
  readonly graceMs?: number
}

export interface RawResult {
  readonly bytes: Buffer
  readonly closedByServer: boolean
  /** Milliseconds from connecting to the first byte received / to the server's close. */
  readonly firstByteMs: number | undefined
  readonly closedMs: number | undefined
}

/** A part to write, or a pause in milliseconds between parts. */
export type Part = Bytes | number

/**
 * Opens a connection, writes `parts` (strings/Buffers written as they are, numbers are pauses), and
 * collects what comes back until the server closes, `quietMs` pass with nothing new, `until` holds
 * or `maxMs` pass.
 */
export async function rawRequest(
  port: number,
  parts: Part | readonly Part[],
  opts: RawRequestOptions = {},
): Promise<RawResult> {
  const quietMs = opts.quietMs ?? 300
  const maxMs = opts.maxMs ?? 8000
  const client = await RawClient.connect(port)
  const until = client.openedAt + maxMs
  try {
    const list = Array.isArray(parts) ? (parts as readonly Part[]) : [parts as Part]
    for (const part of list.slice(0, 10_000)) {
      if (client.serverGone || Date.now() >= until) break
      if (typeof part === 'number') await sleep(Math.min(part, until - Date.now()))
      else client.write(part)
    }
    await client.collect(quietMs, Math.max(0, until - Date.now()), opts.until, opts.graceMs ?? 50)
    return {
      bytes: client.bytes,
      closedByServer: client.closedByServer,
      firstByteMs: client.firstByteAt === undefined ? undefined : client.firstByteAt - client.openedAt,
      closedMs: client.closedAt === undefined ? undefined : client.closedAt - client.openedAt,
    }
  } finally {
    client.close()
  }
}

// ---------------------------------------------------------------------------------------------------
// Response framing (RFC 9112 §6.3)
// ---------------------------------------------------------------------------------------------------

export interface ParsedResponse {
  readonly statusLine: string
  readonly status: number
  /** As sent, in order. */
  readonly headers: [string, string][]
  readonly body: Buffer
  readonly framing: 'length' | 'chunked' | 'close' | 'none'
  /** The exact bytes of this response. */
  readonly raw: Buffer
  /** After a 101: the bytes that followed its head (the tunnel). */
  readonly tunnel?: Buffer
}

export interface FrameOptions {
  /** Request methods in order, one per final response: a response to HEAD has no body. */
  readonly methods?: readonly string[]
}

interface FrameResult {
  readonly responses: ParsedResponse[]
  /** Bytes after the last whole response. */
  readonly rest: Buffer
  /** Why `rest` is not a response (undefined when it is merely incomplete or empty). */
  readonly error: string | undefined
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/

/** Every value of a header (case-insensitive name), in order. */
export function headerValues(r: { headers: readonly (readonly [string, string])[] }, name: string): string[] {
  const lower = name.toLowerCase()
  return r.headers.filter(([n]) => n.toLowerCase() === lower).map(([, v]) => v)
}

/** The only value of a header; undefined when absent; throws when it is there more than once. */
export function headerOf(
  r: { headers: readonly (readonly [string, string])[] },
  name: string,
): string | undefined {
  const all = headerValues(r, name)
  if (all.length > 1) throw new Error(`${name} appears ${all.length} times: ${JSON.stringify(all)}`)
  return all[0]
}

/**
 * Frames as many responses as `buf` holds. `final`: the connection has closed (a close-delimited body
 * ends at the end of `buf`, and an incomplete message is an error).
 */
export function frameResponses(buf: Buffer, opts: FrameOptions, final: boolean): FrameResult {
  const responses: ParsedResponse[] = []
  const methods = opts.methods ?? []
  let finals = 0
  let at = 0
  const fail = (why: string): FrameResult => ({ responses, rest: buf.subarray(at), error: why })
  for (let guard = 0; guard < 10_000 && at < buf.length; guard++) {
    const end = buf.indexOf(CRLFCRLF, at)
    if (end < 0)
      return final
        ? fail('incomplete response head')
        : { responses, rest: buf.subarray(at), error: undefined }
    const head = buf.toString('latin1', at, end)
    const lines = head.split('\r\n')
    const statusLine = lines[0] ?? ''
    const m = /^HTTP\/1\.[01] (\d{3})(?: ([\t\x20-\x7e\x80-\xff]*))?$/.exec(statusLine)
    if (!m) return fail(`bad status line ${JSON.stringify(statusLine.slice(0, 60))}`)
    const status = Number(m[1])
    const headers: [string, string][] = []
    for (const line of lines.slice(1)) {
      const c = line.indexOf(':')
      const name = line.slice(0, Math.max(c, 0))
      if (c <= 0 || !TOKEN.test(name)) return fail(`bad header line ${JSON.stringify(line.slice(0, 60))}`)
      const value = line.slice(c + 1).replace(/^[ \t]+|[ \t]+$/g, '')
      if (/[^\t\x20-\x7e\x80-\xff]/.test(value))
        return fail(`bad header value ${JSON.stringify(line.slice(0, 60))}`)
      headers.push([name, value])
    }
    const start = at
    const bodyAt = end + 4
    const r = { headers }
    const interim = status >= 100 && status < 200
    const method = interim ? undefined : methods[finals]
    if (status === 101) {
      responses.push({
        statusLine,
        status,
        headers,
        body: Buffer.alloc(0),
        framing: 'none',
        raw: Buffer.from(buf.subarray(start, bodyAt)),
        tunnel: Buffer.from(buf.subarray(bodyAt)),
      })
      return { responses, rest: Buffer.alloc(0), error: undefined }
    }
    const push = (body: Buffer, framing: ParsedResponse['framing'], stop: number) => {
      responses.push({
        statusLine,
        status,
        headers,
        body,
        framing,
        raw: Buffer.from(buf.subarray(start, stop)),
      })
      at = stop
      if (!interim) finals++
    }
    if (interim || status === 204 || status === 304 || method === 'HEAD') {
      push(Buffer.alloc(0), 'none', bodyAt)
      continue
    }
    const te = headerValues(r, 'transfer-encoding')
    if (te.length > 0) {
      const codings = te
        .join(',')
        .split(',')
        .map((s) => s.trim().toLowerCase())
      if (codings[codings.length - 1] === 'chunked') {
        let chunked: { body: Buffer; end: number } | undefined
        try {
          chunked = readChunked(buf, bodyAt)
        } catch (err) {
          return fail((err as Error).message)
        }
        if (chunked === undefined)
          return final
            ? fail('incomplete chunked body')
            : { responses, rest: buf.subarray(at), error: undefined }
        push(chunked.body, 'chunked', chunked.end)
        continue
      }
      // A transfer coding other than chunked last: the body runs until the connection closes.
      if (!final) return { responses, rest: buf.subarray(at), error: undefined }
      push(Buffer.from(buf.subarray(bodyAt)), 'close', buf.length)
      continue
    }
    const cls = headerValues(r, 'content-length')
    if (cls.length > 0) {
      const values = new Set(
        cls
          .join(',')
          .split(',')
          .map((s) => s.trim()),
      )
      if (values.size !== 1) return fail(`conflicting content-length ${JSON.stringify(cls)}`)
      const v = [...values][0] as string
      if (!/^\d{1,15}$/.test(v)) return fail(`bad content-length ${JSON.stringify(v)}`)
      const n = Number(v)
      if (buf.length < bodyAt + n)
        return final
          ? fail(`body shorter than content-length ${n} (have ${buf.length - bodyAt})`)
          : { responses, rest: buf.subarray(at), error: undefined }
      push(Buffer.from(buf.subarray(bodyAt, bodyAt + n)), 'length', bodyAt + n)
      continue
    }
    if (!final) return { responses, rest: buf.subarray(at), error: undefined }
    push(Buffer.from(buf.subarray(bodyAt)), 'close', buf.length)
  }
  return { responses, rest: buf.subarray(at), error: undefined }
}

/**
 * Splits everything a client received into HTTP/1.1 responses (RFC 9112 §6.3); throws on anything that
 * cannot be framed, including bytes left over. The connection is taken as closed at the end of `buf`.
 */
export function parseResponses(buf: Buffer, opts: FrameOptions = {}): ParsedResponse[] {
  const { responses, rest, error } = frameResponses(buf, opts, true)
  if (error !== undefined || rest.length > 0)
    throw new Error(
      `cannot frame the bytes after ${responses.length} response(s): ${error ?? 'leftover bytes'}\n` +
        `--- all bytes received ---\n${show(buf)}`,
    )
  return responses
}

/** `until` for rawRequest: `n` whole final responses have arrived (1xx not counted). */
export function finalResponses(n: number, opts: FrameOptions = {}): (bytes: Buffer) => boolean {
  return (bytes) => {
    const { responses, error } = frameResponses(bytes, opts, false)
    return error !== undefined || responses.filter((r) => r.status >= 200 || r.status === 101).length >= n
  }
}

/** Printable bytes: CR LF shown, other control bytes and non-ASCII as \xNN, cut at `max`. */
export function show(buf: Buffer, max = 4000): string {
  const text = buf
    .subarray(0, max)
    .toString('latin1')
    .replace(/[^\n\x20-\x7e]/g, (c) =>
      c === '\r' ? '\\r' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
    )
    .replace(/\n/g, '\\n\n')
  return buf.length > max ? `${text}… (${buf.length - max} more bytes)` : text
}

/** The parsed responses, readable, for assertion messages. */
export function printResponses(responses: readonly ParsedResponse[]): string {
  return responses.map((r) => show(r.raw, 600)).join('\n---\n')
}

// ---------------------------------------------------------------------------------------------------
// Gateways in either lane mode
// ---------------------------------------------------------------------------------------------------

export type Lane = 'on' | 'off'
export const LANES: readonly Lane[] = ['on', 'off']

export interface LaneGateway {
  readonly gw: Gateway
  readonly port: number
  close(): Promise<void>
}

/**
 * A gateway on 127.0.0.1:0 with the fast lane on or off (SALLYPORT_FAST_LANE=off set around
 * createGateway only). `config` is loose on purpose: it may carry fields the gateway is about to get.
 */
export async function startLaneGateway(lane: Lane, config: Record<string, unknown>): Promise<LaneGateway> {
  const saved = process.env.SALLYPORT_FAST_LANE
  if (lane === 'off') process.env.SALLYPORT_FAST_LANE = 'off'
  else delete process.env.SALLYPORT_FAST_LANE
  let gw: Gateway
  try {
    gw = await createGateway({
      config: config as unknown as GatewayConfig,
      port: 0,
      host: '127.0.0.1',
      discovery: false,
    })
  } finally {
    if (saved === undefined) delete process.env.SALLYPORT_FAST_LANE
    else process.env.SALLYPORT_FAST_LANE = saved
  }
  const { port } = await gw.listen()
  return { gw, port, close: () => gw.close() }
}

/** What a test needs to close things when it ends (node:test's TestContext has it). */
export interface AfterHook {
  after(fn: () => Promise<void> | void): void
}

/**
 * A raw upstream with `script` and a gateway in front of it, both closed when the test ends (upstream
 * first, so nothing in flight holds up the gateway's drain). `config` gets the upstream's URL.
 */
export async function startPair(
  t: AfterHook,
  lane: Lane,
  script: UpstreamScript,
  config: (upstreamUrl: string) => Record<string, unknown>,
): Promise<{ up: RawUpstream; gw: LaneGateway; port: number }> {
  const up = await startRawUpstream(script)
  let gw: LaneGateway
  try {
    gw = await startLaneGateway(lane, config(up.url))
  } catch (err) {
    await up.close()
    throw err
  }
  t.after(async () => {
    await up.close()
    await gw.close()
  })
  return { up, gw, port: gw.port }
}

export { sleep }

/** Exactly one well-framed response in `bytes` (with the request methods, for HEAD). */
export function one(bytes: Buffer, methods?: string[]): ParsedResponse {
  const rs = parseResponses(bytes, { methods })
  assert.equal(
    rs.length,
    1,
    `expected exactly one response, got ${rs.length}:\n${rs.length === 0 ? '(no bytes)' : printResponses(rs)}`,
  )
  return rs[0] as ParsedResponse
}

/** The gateway's own RFC 9457 answer with this status. */
export function assertProblem(r: ParsedResponse, status: number): void {
  assert.equal(r.status, status, show(r.raw))
  assert.equal(headerOf(r, 'content-type'), 'application/problem+json', show(r.raw))
  assert.equal((JSON.parse(r.body.toString('utf8')) as { status?: number }).status, status)
}

/** Not one byte reached the upstream. */
export function assertNothingUpstream(up: RawUpstream): void {
  assert.equal(
    up.totalReceived(),
    0,
    `the upstream received:\n${up.connections.map((c) => show(c.received)).join('\n')}`,
  )
}
