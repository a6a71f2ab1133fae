// Passive health: a target whose proxied attempts fail `threshold` times in a row is taken out of
// rotation. An active check that passes brings it back; so does, after `cooldownMs`, the one request
// let through to try it (TargetState.available): its success brings the target back, its failure
// keeps it out for another cooldown.
import type { TargetState } from '../health/target-state.ts'

export class PassiveHealth {
  readonly threshold: number
  readonly cooldownMs: number
  constructor(threshold: number, cooldownMs: number) {
    this.threshold = threshold
    this.cooldownMs = cooldownMs
  }

  /** An attempt goes to a target that is down: it is the one trying it after the cooldown. */
  acquire(s: TargetState): void {
    if (!s.healthy && s.passiveUntil > 0) s.passiveTrial = true
  }

  onResult(s: TargetState, failed: boolean, why: string, now: number): void {
    if (!s.healthy) {
      // Only the trial request speaks for a target that is down (late answers from before do not).
      if (!s.passiveTrial) return
      s.passiveTrial = false
      if (!failed) s.markHealthy()
      else {
        s.passiveUntil = now + this.cooldownMs
        s.reason = `failed again when tried after the cooldown: ${why}`
      }
      return
    }
    if (!failed) {
      s.passiveFailures = 0
      return
    }
    if (++s.passiveFailures < this.threshold) return
    s.healthy = false
    s.checkSuccesses = 0
    s.passiveUntil = now + this.cooldownMs
    s.reason = `${s.passiveFailures} consecutive failures, the last: ${why}`
  }

  /** The attempt ended without a verdict (the client left). */
  release(s: TargetState): void {
    if (!s.healthy) s.passiveTrial = false
  }
}
