// gRPC-Web ↔ gRPC translation as pure streaming pieces (what Envoy's grpc_web filter does):
// content types, base64 bodies for -text, the trailer frame, request and response header changes.
// https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-WEB.md
import { FRAME_HEADER_BYTES } from './grpc.ts'
import { HOP_BY_HOP } from './hop-headers.ts'

export interface GrpcWebMode {
  /** The request body is base64 (`application/grpc-web-text…`). */
  readonly text: boolean
  /** The response body must be base64: a text request, or an `Accept` asking for grpc-web-text. */
  readonly textResponse: boolean
  /** `application/grpc` plus the request's codec suffix (`+proto`, `+json`, …). */
  readonly upstreamContentType: string
  /** What the client gets back: `application/grpc-web[-text]` plus the suffix (`+proto` when none). */
  readonly responseContentType: string
}

const GRPC_WEB_TYPE = /^application\/grpc-web(-text)?(\+[!#$&^_.+\-0-9a-z]+)?$/

function mediaType(value: string | undefined): string {
  if (value === undefined) return ''
  const semi = value.indexOf(';')
  return (semi < 0 ? value : value.slice(0, semi)).trim().toLowerCase()
}

/** The translation a gRPC-Web request needs, or undefined when the content type is not gRPC-Web. */
export function grpcWebMode(contentType: string | undefined, accept?: string): GrpcWebMode | undefined {
  const m = GRPC_WEB_TYPE.exec(mediaType(contentType))
  if (!m) return undefined
  const text = m[1] !== undefined
  const suffix = m[2] ?? ''
  const textResponse = text || (accept?.toLowerCase().includes('application/grpc-web-text') ?? false)
  return {
    text,
    textResponse,
    upstreamContentType: `application/grpc${suffix}`,
    responseContentType: `application/grpc-web${textResponse ? '-text' : ''}${suffix || '+proto'}`,
  }
}

const PAD = 64
const INVALID = -1
// Byte → sextet; '=' is PAD; everything else (whitespace and the URL-safe alphabet included) is invalid.
const SEXTET = (() => {
  const table = new Int8Array(256).fill(INVALID)
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
  for (let i = 0; i < alphabet.length; i++) table[alphabet.charCodeAt(i)] = i
  table[0x3d] = PAD
  return table
})()

/**
 * Decodes a grpc-web-text body whatever its chunk boundaries. Clients encode each message on its own,
 * so padded quartets may appear anywhere in the stream, not only at its end.
 */
export class Base64StreamDecoder {
  readonly #quartet = new Uint8Array(4)
  #count = 0
  #pads = 0
  #offset = 0

  /** The bytes of every quartet completed by this chunk; throws on a character that is not base64. */
  push(chunk: Buffer): Buffer {
    const out = Buffer.allocUnsafe(Math.floor((this.#count + chunk.length) / 4) * 3)
    let n = 0
    const q = this.#quartet
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i] as number
      const v = SEXTET[c] as number
      if (v === INVALID) throw this.#error(`invalid character 0x${c.toString(16).padStart(2, '0')}`, i)
      if (v === PAD) {
        if (this.#count < 2) throw this.#error('padding before two data characters of a quartet', i)
        this.#pads++
        q[this.#count++] = 0
      } else {
        if (this.#pads > 0) throw this.#error('data after padding inside a quartet', i)
        q[this.#count++] = v
      }
      if (this.#count === 4) {
        n = this.#emit(out, n, 4 - this.#pads)
        this.#count = 0
        this.#pads = 0
      }
    }
    this.#offset += chunk.length
    return out.subarray(0, n)
  }

  /** The rest of the body. An unpadded final quartet of 2 or 3 characters is accepted; 1 is an error. */
  end(): Buffer {
    if (this.#count === 0) return Buffer.alloc(0)
    const data = this.#count - this.#pads
    if (data < 2) throw this.#error('body ends inside a base64 quartet', 0)
    const out = Buffer.allocUnsafe(3)
    const n = this.#emit(out, 0, data)
    this.#count = 0
    this.#pads = 0
    return out.subarray(0, n)
  }

  #emit(out: Buffer, at: number, data: number): number {
    const q = this.#quartet
    const a = q[0] as number
    const b = q[1] as number
    const c = q[2] as number
    const d = q[3] as number
    out[at++] = (a << 2) | (b >> 4)
    if (data > 2) out[at++] = ((b & 15) << 4) | (c >> 2)
    if (data > 3) out[at++] = ((c & 3) << 6) | d
    return at
  }

  #error(what: string, index: number): Error {
    return new Error(`grpc-web-text body is not valid base64: ${what} at byte ${this.#offset + index}`)
  }
}

/**
 * Encodes a response body as base64 in 3-byte-aligned pieces, so everything pushed between two
 * flushes is one valid base64 text. `flush()` pads what is left over; call it at a message boundary
 * when nothing more is immediately available, or the client waits for up to 2 bytes of its message.
 */
export class Base64StreamEncoder {
  #carry: Buffer = Buffer.alloc(0)

  push(chunk: Buffer): Buffer {
    const data = this.#carry.length === 0 ? chunk : Buffer.concat([this.#carry, chunk])
    const aligned = data.length - (data.length % 3)
    this.#carry = Buffer.from(data.subarray(aligned))
    return aligned === 0
      ? Buffer.alloc(0)
      : Buffer.from(data.subarray(0, aligned).toString('base64'), 'latin1')
  }

  /** The padded encoding of the 0–2 bytes held back. */
  flush(): Buffer {
    if (this.#carry.length === 0) return Buffer.alloc(0)
    const out = Buffer.from(this.#carry.toString('base64'), 'latin1')
    this.#carry = Buffer.alloc(0)
    return out
  }

  end(): Buffer {
    return this.flush()
  }
}

/** Flag of the frame that carries the trailers at the end of a gRPC-Web response body. */
export const TRAILER_FRAME_FLAG = 0x80

/** Trailers as the last body frame: flag 0x80, 4-byte length, `name:value\r\n` lines. */
export function trailerFrame(trailers: Readonly<Record<string, string | string[] | undefined>>): Buffer {
  let block = ''
  for (const [key, value] of Object.entries(trailers)) {
    if (value === undefined || key.startsWith(':')) continue
    const name = key.toLowerCase()
    if (HOP_BY_HOP.has(name)) continue
    for (const v of Array.isArray(value) ? value : [value]) {
      // A line break would forge another trailer.
      if (!/[\r\n\0]/.test(v)) block += `${name}:${v}\r\n`
    }
  }
  const body = Buffer.from(block, 'latin1')
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + body.length)
  frame[0] = TRAILER_FRAME_FLAG
  frame.writeUInt32BE(body.length, 1)
  body.copy(frame, FRAME_HEADER_BYTES)
  return frame
}

export type HeaderRecord = Record<string, string | string[]>

/**
 * What changes in the request fields sent upstream (a value replaces, undefined removes): the gRPC
 * content type, `te: trailers`, no `x-grpc-web`, and no `content-length` when the body is base64 (its
 * decoded length differs). Everything else (`x-user-agent`…) goes as it came.
 */
export function requestHeaderChanges(mode: GrpcWebMode): Record<string, string | undefined> {
  return {
    'content-type': mode.upstreamContentType,
    te: 'trailers',
    'x-grpc-web': undefined,
    ...(mode.text ? { 'content-length': undefined } : {}),
  }
}

/**
 * The response headers to send the client: its gRPC-Web content type and no `content-length` (the
 * trailer frame, and base64, change the length). A trailers-only answer keeps grpc-status here.
 */
export function responseHeadersFor(
  headers: Readonly<Record<string, string | string[] | undefined>>,
  mode: GrpcWebMode,
): HeaderRecord {
  const out: HeaderRecord = {}
  for (const [key, value] of Object.entries(headers)) {
    if (value === undefined) continue
    const name = key.toLowerCase()
    if (name === 'content-type' || name === 'content-length') continue
    out[name] = value
  }
  out['content-type'] = mode.responseContentType
  return out
}
