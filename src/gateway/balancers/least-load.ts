// Fewest requests in flight wins; ties rotate so equal targets share the load.
import type { Balancer, BalancerTarget } from './balancer.ts'

export function createLeastLoad(targets: readonly BalancerTarget[]): Balancer {
  let offset = 0
  const n = targets.length
  return {
    pick() {
      let best = -1
      let bestLoad = Number.POSITIVE_INFINITY
      offset = offset + 1 === n ? 0 : offset + 1
      for (let k = 0; k < n; k++) {
        const i = (offset + k) % n
        const t = targets[i] as BalancerTarget
        if (!t.state.available) continue
        // Weighted: a target with twice the weight may carry twice the load.
        const load = t.state.inflight / (t.weight > 0 ? t.weight : 1)
        if (load < bestLoad) {
          bestLoad = load
          best = i
        }
      }
      return best
    },
  }
}
