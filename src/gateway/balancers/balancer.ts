import type { RequestHead } from '../http/request-head.ts'
import type { TargetState } from '../health/target-state.ts'

/** What a balancer chooses among: a target's weight and its live state. */
export interface BalancerTarget {
  readonly weight: number
  readonly state: TargetState
}

/** Picks one available target, or undefined when none is available. Built once per route table. */
export interface Balancer {
  pick(req: RequestHead): number
}
