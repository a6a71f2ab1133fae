import type { Balancer, BalancerTarget } from './balancer.ts'
import { fallback } from './weighted-round-robin.ts'

export function createWeightedRandom(targets: readonly BalancerTarget[]): Balancer {
  return {
    pick() {
      let total = 0
      for (const t of targets) if (t.state.available && t.weight > 0) total += t.weight
      if (total === 0) return fallback(targets)
      let r = Math.random() * total
      for (let i = 0; i < targets.length; i++) {
        const t = targets[i] as BalancerTarget
        if (!t.state.available || t.weight <= 0) continue
        r -= t.weight
        if (r < 0) return i
      }
      return fallback(targets)
    },
  }
}
