// Rendezvous (highest-random-weight) hashing on the client IP or a header: removing a target moves
// only the keys that were on it. Weighted with the -w/ln(u) score.
import type { RequestHead } from '../http/request-head.ts'
import type { Balancer, BalancerTarget } from './balancer.ts'

function fnv1a(text: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193) >>> 0
  }
  // Final avalanche (murmur3 fmix32) so nearby keys spread.
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b) >>> 0
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35) >>> 0
  h ^= h >>> 16
  return h >>> 0
}

export function clientKey(req: RequestHead, hashKey: string): string {
  if (hashKey.startsWith('header:')) {
    const v = req.headers[hashKey.slice(7).toLowerCase()]
    if (v !== undefined) return Array.isArray(v) ? v.join(',') : v
  }
  return req.socket.remoteAddress ?? ''
}

export function createHashBalancer(
  targets: readonly BalancerTarget[],
  hashKey: string,
  ids: readonly string[],
): Balancer {
  const seeds = ids.map((id) => fnv1a(id, 0))
  return {
    pick(req) {
      const key = clientKey(req, hashKey)
      let best = -1
      let bestScore = Number.NEGATIVE_INFINITY
      for (let i = 0; i < targets.length; i++) {
        const t = targets[i] as BalancerTarget
        if (!t.state.available) continue
        const u = (fnv1a(key, seeds[i] as number) + 0.5) / 4294967296
        const score = -(t.weight > 0 ? t.weight : 1) / Math.log(u)
        if (score > bestScore) {
          bestScore = score
          best = i
        }
      }
      return best
    },
  }
}
