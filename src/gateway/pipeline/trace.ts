import { randomFillSync } from 'node:crypto'

// W3C trace context: forward a valid `traceparent` unchanged, or start one.
const TRACEPARENT = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/

// Random bytes come from a pool refilled 4 KiB at a time: one syscall per ~170 requests.
const pool = Buffer.allocUnsafe(4096)
let offset = pool.length

function hex(bytes: number): string {
  if (offset + bytes > pool.length) {
    randomFillSync(pool)
    offset = 0
  }
  const s = pool.toString('hex', offset, offset + bytes)
  offset += bytes
  return s
}

export interface Trace {
  readonly traceparent: string
  readonly traceId: string
}

export function traceOf(header: string | string[] | undefined): Trace {
  if (typeof header === 'string') {
    const m = TRACEPARENT.exec(header)
    if (m && m[1] !== '00000000000000000000000000000000')
      return { traceparent: header, traceId: m[1] as string }
  }
  const traceId = hex(16)
  return { traceparent: `00-${traceId}-${hex(8)}-01`, traceId }
}
