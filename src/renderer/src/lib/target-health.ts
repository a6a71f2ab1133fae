// One rule for "healthy" on every page: a target serves traffic only when its health checks pass
// and its circuit is not open. Overview, Routes, Upstreams and route detail all count with these,
// so their numbers agree (the gateway's `healthyUpstreams` uses the same rule).
import type { TargetView } from '../api/types.ts'

type TargetHealth = Pick<TargetView, 'healthy' | 'circuitState'>

/** The target takes requests right now. */
export function targetUsable(t: TargetHealth): boolean {
  return t.healthy && t.circuitState !== 'open'
}

/** Why a target takes no requests, or undefined when it does. */
export function targetDownReason(
  t: TargetHealth & { healthReason?: string | undefined },
): string | undefined {
  if (!t.healthy) return t.healthReason ?? 'failing health checks'
  if (t.circuitState === 'open') return 'circuit open'
  return undefined
}

export function countUsable(targets: readonly TargetHealth[]): { usable: number; total: number } {
  let usable = 0
  for (const t of targets) if (targetUsable(t)) usable++
  return { usable, total: targets.length }
}
