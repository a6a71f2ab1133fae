// gRPC over HTTP/2 wire rules the gateway needs without a gRPC library: status codes, content types,
// grpc-timeout, grpc-message percent-encoding, length-prefixed frames and the two health-check
// messages. https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md

export const GrpcStatus = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const

export type GrpcStatusName = keyof typeof GrpcStatus
export type GrpcStatusCode = (typeof GrpcStatus)[GrpcStatusName]

/** Names by code: GRPC_STATUS_NAMES[12] === 'UNIMPLEMENTED'. */
export const GRPC_STATUS_NAMES: readonly GrpcStatusName[] = Object.keys(GrpcStatus) as GrpcStatusName[]

/** The name of a code; codes outside the table are `CODE_<n>` (the spec lets servers send them). */
export function grpcStatusName(code: number): string {
  return GRPC_STATUS_NAMES[code] ?? `CODE_${code}`
}

/** The media type without parameters, lower-cased and trimmed ('' when absent). */
function mediaType(contentType: string | undefined): string {
  if (contentType === undefined) return ''
  const semi = contentType.indexOf(';')
  return (semi < 0 ? contentType : contentType.slice(0, semi)).trim().toLowerCase()
}

/** `application/grpc`, `application/grpc+<codec>`, with or without parameters; never gRPC-Web. */
export function isGrpcRequest(contentType: string | undefined): boolean {
  const type = mediaType(contentType)
  return type === 'application/grpc' || type.startsWith('application/grpc+')
}

/** gRPC or gRPC-Web (binary or text): anything whose errors must be answered in gRPC's terms. */
export function isGrpcLike(contentType: string | undefined): boolean {
  const type = mediaType(contentType)
  return (
    isGrpcRequest(type) ||
    type === 'application/grpc-web' ||
    type === 'application/grpc-web-text' ||
    type.startsWith('application/grpc-web+') ||
    type.startsWith('application/grpc-web-text+')
  )
}

const PROBLEM_STATUS: Readonly<Record<string, GrpcStatusCode>> = {
  'route-not-found': GrpcStatus.UNIMPLEMENTED,
  'bad-gateway': GrpcStatus.UNAVAILABLE,
  'gateway-timeout': GrpcStatus.DEADLINE_EXCEEDED,
  'service-unavailable': GrpcStatus.UNAVAILABLE,
  'rate-limit-exceeded': GrpcStatus.RESOURCE_EXHAUSTED,
  unauthorized: GrpcStatus.UNAUTHENTICATED,
  forbidden: GrpcStatus.PERMISSION_DENIED,
  'validation-failed': GrpcStatus.INVALID_ARGUMENT,
  'bad-request': GrpcStatus.INTERNAL,
  'request-timeout': GrpcStatus.DEADLINE_EXCEEDED,
  'header-fields-too-large': GrpcStatus.RESOURCE_EXHAUSTED,
  'content-too-large': GrpcStatus.RESOURCE_EXHAUSTED,
  'not-implemented': GrpcStatus.UNIMPLEMENTED,
  'http-version-not-supported': GrpcStatus.INTERNAL,
  'program-refused': GrpcStatus.PERMISSION_DENIED,
  'program-failed': GrpcStatus.INTERNAL,
  'operation-not-found': GrpcStatus.UNIMPLEMENTED,
  'not-acceptable': GrpcStatus.INVALID_ARGUMENT,
  'mock-failed': GrpcStatus.INTERNAL,
}

/** The code for a gateway problem kind (http/problem.ts ProblemKind); UNKNOWN for any other. */
export function grpcStatusForProblem(kind: string): GrpcStatusCode {
  return Object.hasOwn(PROBLEM_STATUS, kind) ? (PROBLEM_STATUS[kind] as GrpcStatusCode) : GrpcStatus.UNKNOWN
}

/** An upstream that answered without gRPC: doc/http-grpc-status-mapping.md. */
export function grpcStatusForHttp(status: number): GrpcStatusCode {
  switch (status) {
    case 400:
      return GrpcStatus.INTERNAL
    case 401:
      return GrpcStatus.UNAUTHENTICATED
    case 403:
      return GrpcStatus.PERMISSION_DENIED
    case 404:
      return GrpcStatus.UNIMPLEMENTED
    case 429:
    case 502:
    case 503:
    case 504:
      return GrpcStatus.UNAVAILABLE
    default:
      return GrpcStatus.UNKNOWN
  }
}

const TIMEOUT_UNIT_MS: Readonly<Record<string, number>> = {
  H: 3_600_000,
  M: 60_000,
  S: 1000,
  m: 1,
  u: 0.001,
  n: 0.000_001,
}
const TIMEOUT = /^(\d{1,8})([HMSmun])$/

/** `grpc-timeout` in whole milliseconds; sub-millisecond values round up so a deadline never becomes 0. */
export function parseGrpcTimeout(value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const m = TIMEOUT.exec(value.trim())
  if (!m) return undefined
  const n = Number(m[1])
  const unit = m[2] as string
  return unit === 'u'
    ? Math.ceil(n / 1000)
    : unit === 'n'
      ? Math.ceil(n / 1e6)
      : n * (TIMEOUT_UNIT_MS[unit] ?? 1)
}

const MAX_TIMEOUT_VALUE = 99_999_999

/** The shortest-unit `grpc-timeout` that fits in 8 digits; coarser units round up, never down. */
export function formatGrpcTimeout(ms: number): string {
  const t = Number.isFinite(ms) ? Math.max(0, Math.ceil(ms)) : Number.POSITIVE_INFINITY
  for (const unit of ['m', 'S', 'M', 'H'] as const) {
    const n = Math.ceil(t / (TIMEOUT_UNIT_MS[unit] as number))
    if (n <= MAX_TIMEOUT_VALUE) return `${n}${unit}`
  }
  return `${MAX_TIMEOUT_VALUE}H`
}

const HEX = '0123456789ABCDEF'

/** grpc-message: UTF-8 bytes outside 0x20–0x7E, and '%', become %XX. */
export function encodeGrpcMessage(text: string): string {
  let plain = true
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c < 0x20 || c > 0x7e || c === 0x25) {
      plain = false
      break
    }
  }
  if (plain) return text
  let out = ''
  for (const b of Buffer.from(text, 'utf8')) {
    out += b < 0x20 || b > 0x7e || b === 0x25 ? `%${HEX[b >> 4]}${HEX[b & 15]}` : String.fromCharCode(b)
  }
  return out
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30
  const l = c | 0x20
  return l >= 0x61 && l <= 0x66 ? l - 0x57 : -1
}

/** The inverse of encodeGrpcMessage; a malformed escape is kept as it is (the spec forbids failing). */
export function decodeGrpcMessage(value: string): string {
  if (!value.includes('%')) return value
  const src = Buffer.from(value, 'utf8')
  const out = Buffer.allocUnsafe(src.length)
  let n = 0
  for (let i = 0; i < src.length; i++) {
    const b = src[i] as number
    if (b === 0x25 && i + 2 < src.length) {
      const hi = hexValue(src[i + 1] as number)
      const lo = hexValue(src[i + 2] as number)
      if (hi >= 0 && lo >= 0) {
        out[n++] = (hi << 4) | lo
        i += 2
        continue
      }
    }
    out[n++] = b
  }
  return out.toString('utf8', 0, n)
}

/** The fields of a trailers-only response (sent with HTTP status 200 and no body). */
export function trailersOnly(
  code: number,
  message: string,
  contentType = 'application/grpc',
): Record<string, string> {
  return {
    'content-type': contentType,
    'grpc-status': String(code),
    'grpc-message': encodeGrpcMessage(message),
  }
}

/** Flag bit 0 of a message frame: the payload is compressed with grpc-encoding. */
export const FRAME_COMPRESSED = 0x01
export const FRAME_HEADER_BYTES = 5

/** A length-prefixed message: 1 flag byte, 4-byte big-endian length, payload. */
export function encodeFrame(payload: Buffer, compressed = false): Buffer {
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payload.length)
  frame[0] = compressed ? FRAME_COMPRESSED : 0
  frame.writeUInt32BE(payload.length, 1)
  payload.copy(frame, FRAME_HEADER_BYTES)
  return frame
}

export interface GrpcFrame {
  readonly flags: number
  readonly payload: Buffer
}

export class GrpcFrameError extends Error {
  /** What to answer the peer with. */
  readonly grpcStatus: GrpcStatusCode
  constructor(message: string, grpcStatus: GrpcStatusCode) {
    super(message)
    this.name = 'GrpcFrameError'
    this.grpcStatus = grpcStatus
  }
}

/** Splits a byte stream into frames, whatever the chunk boundaries. */
export class GrpcFrameReader {
  readonly #maxMessageBytes: number
  #chunks: Buffer[] = []
  #buffered = 0
  #failed: GrpcFrameError | undefined

  /** `maxMessageBytes` bounds a payload's declared length; a longer one fails before it is buffered. */
  constructor(maxMessageBytes = 4 * 1024 * 1024) {
    this.#maxMessageBytes = maxMessageBytes
  }

  /** Bytes held for a frame that is not complete yet. */
  get buffered(): number {
    return this.#buffered
  }

  /** Complete frames, in order; throws GrpcFrameError (RESOURCE_EXHAUSTED) once a frame is too long. */
  push(chunk: Buffer): GrpcFrame[] {
    if (this.#failed) throw this.#failed
    if (chunk.length > 0) {
      this.#chunks.push(chunk)
      this.#buffered += chunk.length
    }
    const frames: GrpcFrame[] = []
    while (this.#buffered >= FRAME_HEADER_BYTES) {
      const head = this.#peekHead()
      const length = head.readUInt32BE(1)
      if (length > this.#maxMessageBytes) {
        this.#failed = new GrpcFrameError(
          `message of ${length} bytes exceeds the limit of ${this.#maxMessageBytes}`,
          GrpcStatus.RESOURCE_EXHAUSTED,
        )
        throw this.#failed
      }
      if (this.#buffered < FRAME_HEADER_BYTES + length) break
      this.#take(FRAME_HEADER_BYTES)
      frames.push({ flags: head[0] as number, payload: this.#take(length) })
    }
    return frames
  }

  /** Call at the end of the stream: a partial frame left over is an error (INTERNAL). */
  end(): void {
    if (this.#failed) throw this.#failed
    if (this.#buffered > 0)
      throw new GrpcFrameError(
        `stream ended inside a frame (${this.#buffered} bytes left)`,
        GrpcStatus.INTERNAL,
      )
  }

  #peekHead(): Buffer {
    const first = this.#chunks[0] as Buffer
    if (first.length >= FRAME_HEADER_BYTES) return first
    return Buffer.concat(this.#chunks, FRAME_HEADER_BYTES)
  }

  #take(n: number): Buffer {
    this.#buffered -= n
    const first = this.#chunks[0]
    if (first !== undefined && first.length >= n) {
      const out = first.subarray(0, n)
      if (first.length === n) this.#chunks.shift()
      else this.#chunks[0] = first.subarray(n)
      return out
    }
    const out = Buffer.allocUnsafe(n)
    let at = 0
    while (at < n) {
      const c = this.#chunks[0] as Buffer
      const part = Math.min(c.length, n - at)
      c.copy(out, at, 0, part)
      at += part
      if (part === c.length) this.#chunks.shift()
      else this.#chunks[0] = c.subarray(part)
    }
    return out
  }
}

/** grpc.health.v1.HealthCheckResponse.ServingStatus, by number. */
export const SERVING_STATUS_NAMES: readonly string[] = [
  'UNKNOWN',
  'SERVING',
  'NOT_SERVING',
  'SERVICE_UNKNOWN',
]

/** `HealthCheckRequest { string service = 1 }` in protobuf wire format. */
export function encodeHealthCheckRequest(service = ''): Buffer {
  if (service === '') return Buffer.alloc(0)
  const text = Buffer.from(service, 'utf8')
  const len: number[] = []
  for (let v = text.length; ; v >>>= 7) {
    if (v < 0x80) {
      len.push(v)
      break
    }
    len.push((v & 0x7f) | 0x80)
  }
  return Buffer.concat([Buffer.from([0x0a, ...len]), text])
}

/** `HealthCheckResponse { ServingStatus status = 1 }` → the status number; throws on malformed input. */
export function decodeHealthCheckResponse(message: Buffer): number {
  let at = 0
  const varint = (): number => {
    let low = 0
    for (let shift = 0; shift < 70; shift += 7) {
      if (at >= message.length) throw new Error('truncated varint')
      const b = message[at++] as number
      if (shift < 32) low |= (b & 0x7f) << shift
      if ((b & 0x80) === 0) return low | 0
    }
    throw new Error('varint longer than 10 bytes')
  }
  let status = 0
  while (at < message.length) {
    const key = varint()
    const wire = key & 7
    if (wire === 0) {
      const v = varint()
      if (key >>> 3 === 1) status = v
    } else if (wire === 1 || wire === 5) at += wire === 1 ? 8 : 4
    else if (wire === 2) {
      const length = varint()
      if (length < 0) throw new Error('negative length')
      at += length
    } else throw new Error(`unsupported wire type ${wire}`)
    if (at > message.length) throw new Error('truncated field')
  }
  return status
}
