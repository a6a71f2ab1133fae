// Latency percentiles over a sliding window: a log-linear histogram (64 sub-buckets per power of
// two, ≤1.6 % error) per time slice, slices allocated only when used, merged on read.
// Recording is a few integer ops (library-choices #6: cheaper than any library and accurate).

const SUB_BITS = 6
const SUB = 1 << SUB_BITS
const BUCKETS = (32 - SUB_BITS) * SUB

function bucketOf(us: number): number {
  if (us < SUB) return Math.max(us, 0)
  const exp = 31 - Math.clz32(us)
  const sub = (us >>> (exp - SUB_BITS)) & (SUB - 1)
  return (exp - SUB_BITS + 1) * SUB + sub
}

function lowerBoundOf(bucket: number): number {
  if (bucket < SUB) return bucket
  const exp = Math.floor(bucket / SUB) + SUB_BITS - 1
  const sub = bucket % SUB
  return (SUB + sub) * 2 ** (exp - SUB_BITS)
}

export interface LatencyHistogram {
  /** Records one latency in milliseconds. */
  record(ms: number, now?: number): void
  /** Percentile (0–100) in milliseconds over the window, 0 when empty. */
  percentile(p: number, now?: number): number
  count(now?: number): number
}

export function createLatencyHistogram(opts: { slices?: number; sliceMs?: number } = {}): LatencyHistogram {
  const slices = opts.slices ?? 12
  const sliceMs = opts.sliceMs ?? 5000
  const data: (Uint32Array | undefined)[] = new Array(slices)
  const epochs = new Float64Array(slices).fill(-1)

  function live(now: number): Uint32Array[] {
    const currentEpoch = Math.floor(now / sliceMs)
    const out: Uint32Array[] = []
    for (let i = 0; i < slices; i++) {
      const d = data[i]
      if (d && (epochs[i] ?? -1) > currentEpoch - slices) out.push(d)
    }
    return out
  }

  return {
    record(ms, now = Date.now()) {
      const epoch = Math.floor(now / sliceMs)
      const i = epoch % slices
      let d = data[i]
      if (epochs[i] !== epoch) {
        if (d) d.fill(0)
        else d = data[i] = new Uint32Array(BUCKETS)
        epochs[i] = epoch
      }
      const arr = d as Uint32Array
      const b = bucketOf(Math.round(ms * 1000))
      arr[b] = (arr[b] as number) + 1
    },
    count(now = Date.now()) {
      let n = 0
      for (const d of live(now)) for (let b = 0; b < BUCKETS; b++) n += d[b] as number
      return n
    },
    percentile(p, now = Date.now()) {
      const arrays = live(now)
      if (arrays.length === 0) return 0
      const merged = new Float64Array(BUCKETS)
      let total = 0
      for (const d of arrays) {
        for (let b = 0; b < BUCKETS; b++) {
          const v = d[b] as number
          if (v) {
            merged[b] = (merged[b] as number) + v
            total += v
          }
        }
      }
      if (total === 0) return 0
      const rank = Math.ceil((p / 100) * total)
      let seen = 0
      for (let b = 0; b < BUCKETS; b++) {
        seen += merged[b] as number
        if (seen >= rank) {
          // Midpoint of the bucket, in milliseconds.
          const lo = lowerBoundOf(b)
          const hi = lowerBoundOf(b + 1)
          return Math.round(((lo + hi) / 2 / 1000) * 100) / 100
        }
      }
      return 0
    },
  }
}
