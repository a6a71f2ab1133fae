// What is wrong right now, each with a link to where it is fixed: targets that take no requests (and
// why), routes answering too many 5xx lately, configuration that did not apply, a shared store that
// does not answer. Calm when nothing is.
import { type HistoryPoint, sumLast, useRoutesHistory } from '../api/stats-queries.ts'
import type { EffectiveConfig, GatewayStats, RouteView, UpstreamView } from '../api/types.ts'
import { formatCount, formatPercent } from '../lib/format.ts'
import { hrefFor } from '../lib/hash-route.ts'
import { targetDownReason } from '../lib/target-health.ts'

/** A route is failing when at least this share of its answers were 5xx… */
export const ERROR_THRESHOLD_PERCENT = 5
/** …over the last 5 minutes (30 buckets of 10 s)… */
const RECENT_BUCKETS = 30
/** …with at least this many requests (a single failure is not a trend). */
const MIN_REQUESTS = 10

interface Problem {
  key: string
  kind: string
  what: string
  why: string
  href: string
  action: string
  tone: 'bad' | 'warn'
}

function targetProblems(upstreams: readonly UpstreamView[]): Problem[] {
  const out: Problem[] = []
  const seen = new Set<string>()
  for (const u of upstreams) {
    if (seen.has(u.id)) continue
    seen.add(u.id)
    const reason = targetDownReason(u)
    if (reason === undefined) continue
    const circuit = u.healthy && u.circuitState === 'open'
    out.push({
      key: `target:${u.id}`,
      kind: circuit ? 'Circuit open' : 'Target down',
      what: u.url,
      why: `${reason} · route ${u.routePath}`,
      href: hrefFor('upstreams'),
      action: circuit ? 'Reset it on Upstreams' : 'See Upstreams',
      tone: 'bad',
    })
  }
  return out
}

function routeProblems(routes: readonly RouteView[], history: Record<string, HistoryPoint[]>): Problem[] {
  const out: Problem[] = []
  for (const r of routes) {
    const sums = sumLast(history[r.id] ?? [], RECENT_BUCKETS)
    if (sums.requests < MIN_REQUESTS) continue
    const percent = (sums.errors5xx / sums.requests) * 100
    if (percent < ERROR_THRESHOLD_PERCENT) continue
    out.push({
      key: `route:${r.id}`,
      kind: 'Failing route',
      what: r.path,
      why: `${formatPercent(percent)} 5xx (${formatCount(sums.errors5xx)} of ${formatCount(sums.requests)}) in the last 5 min`,
      href: hrefFor('routes', { id: r.id }),
      action: 'Open the route',
      tone: 'bad',
    })
  }
  return out
}

function configProblems(config: EffectiveConfig): Problem[] {
  if (config.status === 'applied') return []
  return config.issues.slice(0, 5).map((issue, i) => ({
    key: `config:${i}:${issue.id}`,
    kind: issue.effect === 'rejected' ? 'Config rejected' : 'Config problem',
    what: issue.file ? `${issue.file}${issue.line ? `:${issue.line}` : ''}` : `${issue.source} ${issue.id}`,
    why: issue.message,
    href: hrefFor('config'),
    action: 'See Config',
    tone: issue.effect === 'warning' ? 'warn' : 'bad',
  }))
}

type SharedStore = NonNullable<GatewayStats['sharedStore']>

function storeProblems(store: SharedStore | undefined): Problem[] {
  if (!store || store.up) return []
  const effect =
    store.failMode === 'open'
      ? 'rate limits are enforced by each gateway alone'
      : 'rate-limited routes answer 503 (failMode closed)'
  return [
    {
      key: 'store',
      kind: 'Shared store down',
      what: 'store.redis',
      why: `${store.reason ?? 'not answering'} · ${effect} until it is back`,
      href: hrefFor('config'),
      action: 'See Config',
      tone: 'warn',
    },
  ]
}

export function ProblemList({
  upstreams,
  routes,
  config,
  totals,
  store,
}: {
  upstreams: UpstreamView[] | undefined
  routes: RouteView[] | undefined
  config: EffectiveConfig | undefined
  totals: { usable: number; total: number } | undefined
  /** The shared store's state from the stats (absent without `store.redis`). */
  store?: SharedStore | undefined
}) {
  const history = useRoutesHistory()
  const problems = [
    ...targetProblems(upstreams ?? []),
    ...routeProblems(routes ?? [], history.data?.routes ?? {}),
    ...(config ? configProblems(config) : []),
    ...storeProblems(store),
  ]
  if (problems.length === 0) {
    if (!upstreams || !totals) return null
    return (
      <p className="all-clear" data-testid="all-clear">
        All {formatCount(totals.total)} targets usable · no route above {ERROR_THRESHOLD_PERCENT} % 5xx in the
        last 5 min{config && config.status === 'applied' ? ' · configuration applied' : ''}
        {store ? ' · shared store answering' : ''}.
      </p>
    )
  }
  return (
    <ul className="problems" aria-label="Problems" data-testid="problems">
      {problems.map((p) => (
        <li key={p.key} className={p.tone === 'warn' ? 'problem problem-warn' : 'problem'}>
          <span className={`badge badge-${p.tone}`}>{p.kind}</span>
          <code className="problem-what">{p.what}</code>
          <span className="problem-why">{p.why}</span>
          <a href={p.href}>{p.action}</a>
        </li>
      ))}
    </ul>
  )
}
