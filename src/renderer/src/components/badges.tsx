import type { CircuitState, RouteView } from '../api/types.ts'

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

export function RouteHealth({ route }: { route: RouteView }) {
  if (route.error)
    return (
      <Badge tone="bad" title={route.error}>
        error
      </Badge>
    )
  const total = route.targets.length
  const healthy = route.targets.filter((t) => t.healthy).length
  const tone = total === 0 || healthy === 0 ? 'bad' : healthy < total ? 'warn' : 'ok'
  return <Badge tone={tone}>{`${healthy}/${total} healthy`}</Badge>
}
