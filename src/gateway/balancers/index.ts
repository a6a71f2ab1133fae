import type { BalancerKind } from '../config/route-spec.ts'
import type { Balancer, BalancerTarget } from './balancer.ts'
import { createHashBalancer } from './hash.ts'
import { createLeastLoad } from './least-load.ts'
import { createRandom } from './random.ts'
import { createRoundRobin } from './round-robin.ts'
import { createWeightedRandom } from './weighted-random.ts'
import { createWeightedRoundRobin } from './weighted-round-robin.ts'

export type { Balancer, BalancerTarget } from './balancer.ts'

export function createBalancer(
  kind: BalancerKind,
  targets: readonly BalancerTarget[],
  opts: { hashKey: string; ids: readonly string[] },
): Balancer {
  switch (kind) {
    case 'round-robin':
      return createRoundRobin(targets)
    case 'random':
      return createRandom(targets)
    case 'weighted-round-robin':
      return createWeightedRoundRobin(targets)
    case 'weighted-random':
      return createWeightedRandom(targets)
    case 'least-load':
      return createLeastLoad(targets)
    case 'hash':
      return createHashBalancer(targets, opts.hashKey, opts.ids)
  }
}
