import type { CircuitState, RouteView } from '../api/types.ts'
import { countUsable, targetDownReason } from '../lib/target-health.ts'

type Tone = 'ok' | 'warn' | 'bad' | 'muted' | 'info'

export function Badge({ tone, children, title }: { tone: Tone; children: string; title?: string }) {
  return (
    <span className={`badge badge-${tone}`} title={title}>
      {children}
    </span>
  )
}

/** `reason` (why a target is out of rotation) shows on hover. */
export function HealthBadge({ healthy, reason }: { healthy: boolean; reason?: string | undefined }) {
  return (
    <Badge tone={healthy ? 'ok' : 'bad'} {...(reason ? { title: reason } : {})}>
      {healthy ? 'healthy' : 'unhealthy'}
    </Badge>
  )
}

export function CircuitBadge({ state }: { state: CircuitState | undefined }) {
  if (!state) return <Badge tone="muted">n/a</Badge>
  return <Badge tone={state === 'closed' ? 'ok' : state === 'open' ? 'bad' : 'warn'}>{state}</Badge>
}

/** How bad a route's health is, worst first: 0 error or nothing usable, 1 some down, 2 all usable. */
export function routeHealthRank(route: RouteView): number {
  if (route.error) return 0
  const { usable, total } = countUsable(route.targets)
  if (total === 0 || usable === 0) return 0
  return usable < total ? 1 : 2
}

/** "1/2 usable · circuit open": counted with the one rule every page uses (target-health.ts). */
export function routeHealthText(route: RouteView): string {
  const { usable, total } = countUsable(route.targets)
  const reasons = [...new Set(route.targets.map(targetDownReason).filter((r) => r !== undefined))]
  return reasons.length > 0
    ? `${usable}/${total} usable · ${reasons.join(', ')}`
    : `${usable}/${total} usable`
}

export function RouteHealth({ route }: { route: RouteView }) {
  if (route.error)
    return (
      <Badge tone="bad" title={route.error}>
        error
      </Badge>
    )
  const rank = routeHealthRank(route)
  const text = routeHealthText(route)
  return (
    <Badge tone={rank === 0 ? 'bad' : rank === 1 ? 'warn' : 'ok'} title={text}>
      {text}
    </Badge>
  )
}

/** The policies a route sets itself, one small badge each. */
export function PolicyBadges({ names }: { names: readonly string[] }) {
  if (names.length === 0) return null
  return (
    <ul className="policy-badges" aria-label="Policies">
      {names.map((name) => (
        <li key={name} className="badge badge-info">
          {name}
        </li>
      ))}
    </ul>
  )
}
