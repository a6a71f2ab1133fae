// Smooth weighted round-robin (nginx): every pick adds each weight to its running score, takes the
// highest score and subtracts the total. 3:1 gives a a b a, never a a a b.
import type { Balancer, BalancerTarget } from './balancer.ts'

export function createWeightedRoundRobin(targets: readonly BalancerTarget[]): Balancer {
  const current = new Float64Array(targets.length)
  return {
    pick() {
      let best = -1
      let total = 0
      for (let i = 0; i < targets.length; i++) {
        const t = targets[i] as BalancerTarget
        if (!t.state.available || t.weight <= 0) continue
        current[i] = (current[i] as number) + t.weight
        total += t.weight
        if (best < 0 || (current[i] as number) > (current[best] as number)) best = i
      }
      if (best < 0) return fallback(targets)
      current[best] = (current[best] as number) - total
      return best
    },
  }
}

/** When every available target has weight 0, spread evenly rather than refuse. */
export function fallback(targets: readonly BalancerTarget[]): number {
  const available = targets.flatMap((t, i) => (t.state.available ? [i] : []))
  if (available.length === 0) return -1
  return available[Math.floor(Math.random() * available.length)] as number
}
