import type { Balancer, BalancerTarget } from './balancer.ts'

export function createRoundRobin(targets: readonly BalancerTarget[]): Balancer {
  let next = 0
  const n = targets.length
  return {
    pick() {
      for (let tries = 0; tries < n; tries++) {
        const i = next
        next = next + 1 === n ? 0 : next + 1
        if ((targets[i] as BalancerTarget).state.available) return i
      }
      return -1
    },
  }
}
