// W3C trace context: forward a valid `traceparent` unchanged, or start one.
const TRACEPARENT = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/

function hex(n: number): string {
  let s = ''
  while (s.length < n) s += ((Math.random() * 0x100000000) >>> 0).toString(16).padStart(8, '0')
  return s.slice(0, n)
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
  const traceId = hex(32)
  return { traceparent: `00-${traceId}-${hex(16)}-01`, traceId }
}
