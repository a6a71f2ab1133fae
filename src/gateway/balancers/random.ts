import type { Balancer, BalancerTarget } from './balancer.ts'

export function createRandom(targets: readonly BalancerTarget[]): Balancer {
  const n = targets.length
  return {
    pick() {
      const start = Math.floor(Math.random() * n)
      for (let k = 0; k < n; k++) {
        const i = (start + k) % n
        if ((targets[i] as BalancerTarget).state.available) return i
      }
      return -1
    },
  }
}
