// Latency and outcomes in time slices: each slice holds what finished in it (count, latency sum,
// errors by class) and a log-linear latency histogram (16 sub-buckets per power of two of
// microseconds: ≤ 3.2 % error at a bucket's midpoint), allocated when the slice is first used.
// Recording is a few integer ops; merging and percentiles happen only when someone reads.

const SUB_BITS = 4
const SUB = 1 << SUB_BITS
/** Buckets per histogram: microseconds up to 2^31 (~36 minutes). */
export const BUCKETS = (32 - SUB_BITS) * SUB

function bucketOf(us: number): number {
  if (us < SUB) return Math.max(us, 0)
  if (us >= 2 ** 31) return BUCKETS - 1
  const exp = 31 - Math.clz32(us)
  const sub = (us >>> (exp - SUB_BITS)) & (SUB - 1)
  return (exp - SUB_BITS + 1) * SUB + sub
}

function lowerBoundUs(bucket: number): number {
  if (bucket < SUB) return bucket
  const exp = Math.floor(bucket / SUB) + SUB_BITS - 1
  const sub = bucket % SUB
  return (SUB + sub) * 2 ** (exp - SUB_BITS)
}

/** A bucket's midpoint in milliseconds, rounded to 0.01 ms. */
function midpointMs(bucket: number): number {
  return Math.round(((lowerBoundUs(bucket) + lowerBoundUs(bucket + 1)) / 2 / 1000) * 100) / 100
}

/** What finished during one time slice (or, merged, during a window of them). */
export class Slice {
  epoch = -1
  requests = 0
  sumMs = 0
  errors4xx = 0
  errors5xx = 0
  /** Error answers (4xx/5xx) the gateway made itself: no route, rate limit, open circuit, upstream failure… */
  gatewayErrors = 0
  readonly counts = new Uint32Array(BUCKETS)

  reset(epoch: number): void {
    this.epoch = epoch
    this.requests = 0
    this.sumMs = 0
    this.errors4xx = 0
    this.errors5xx = 0
    this.gatewayErrors = 0
    this.counts.fill(0)
  }

  record(ms: number, status: number, local: boolean): void {
    this.requests++
    this.sumMs += ms
    if (status >= 500) this.errors5xx++
    else if (status >= 400) this.errors4xx++
    if (local && status >= 400) this.gatewayErrors++
    const b = bucketOf(Math.round(ms * 1000))
    this.counts[b] = (this.counts[b] as number) + 1
  }

  /** Adds this slice's numbers to `into`. */
  addTo(into: Slice): void {
    into.requests += this.requests
    into.sumMs += this.sumMs
    into.errors4xx += this.errors4xx
    into.errors5xx += this.errors5xx
    into.gatewayErrors += this.gatewayErrors
    if (this.requests === 0) return
    const src = this.counts
    const dst = into.counts
    for (let b = 0; b < BUCKETS; b++) {
      const v = src[b] as number
      if (v !== 0) dst[b] = (dst[b] as number) + v
    }
  }

  /** Percentile (0–100) in milliseconds, null when nothing finished. */
  percentile(p: number): number | null {
    if (this.requests === 0) return null
    const rank = Math.max(1, Math.ceil((p / 100) * this.requests))
    let seen = 0
    for (let b = 0; b < BUCKETS; b++) {
      seen += this.counts[b] as number
      if (seen >= rank) return midpointMs(b)
    }
    return midpointMs(BUCKETS - 1)
  }

  avgMs(): number | null {
    return this.requests === 0 ? null : Math.round((this.sumMs / this.requests) * 100) / 100
  }
}

/** A ring of `size` slices of `sliceMs` each, slices allocated on first use. */
export class SliceRing {
  readonly size: number
  readonly sliceMs: number
  readonly #ring: (Slice | undefined)[]

  constructor(size: number, sliceMs: number) {
    this.size = size
    this.sliceMs = sliceMs
    this.#ring = new Array(size)
  }

  epochOf(now: number): number {
    return Math.floor(now / this.sliceMs)
  }

  /** The slice for `epoch`, made (or recycled from `size` epochs ago) when missing. */
  slice(epoch: number): Slice {
    const i = epoch % this.size
    let s = this.#ring[i]
    if (s === undefined) {
      s = new Slice()
      s.epoch = epoch
      this.#ring[i] = s
    } else if (s.epoch !== epoch) s.reset(epoch)
    return s
  }

  record(ms: number, status: number, local: boolean, now: number): void {
    this.slice(Math.floor(now / this.sliceMs)).record(ms, status, local)
  }

  /** The slice of `epoch` while the ring still holds it. */
  at(epoch: number): Slice | undefined {
    const s = this.#ring[epoch % this.size]
    return s !== undefined && s.epoch === epoch ? s : undefined
  }

  /** Adds the slices of epochs `from`…`to` (inclusive) still held to `into`. */
  addTo(into: Slice, from: number, to: number): void {
    for (const s of this.#ring) if (s !== undefined && s.epoch >= from && s.epoch <= to) s.addTo(into)
  }

  /** Bytes held by allocated slices (histograms dominate). */
  bytes(): number {
    let n = 0
    for (const s of this.#ring) if (s !== undefined) n += s.counts.byteLength + 48
    return n
  }
}

/** Bounds of the readable histogram the dashboard draws, in ms; the last bucket is open (∞). */
export const READABLE_BOUNDS_MS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000] as const

/** The slice's latencies in a dozen 1-2-5 buckets: `upToMs` null is the open last one (∞). */
export function readableBuckets(slice: Slice): { upToMs: number | null; count: number }[] {
  const out: { upToMs: number | null; count: number }[] = [
    ...READABLE_BOUNDS_MS.map((upToMs) => ({ upToMs: upToMs as number | null, count: 0 })),
    { upToMs: null, count: 0 },
  ]
  let i = 0
  for (let b = 0; b < BUCKETS; b++) {
    const v = slice.counts[b] as number
    if (v === 0) continue
    const mid = midpointMs(b)
    while (i < READABLE_BOUNDS_MS.length && mid > (READABLE_BOUNDS_MS[i] as number)) i++
    const bucket = out[i] as { count: number }
    bucket.count += v
  }
  return out
}
