// One route in full (#/routes?id=<route id>): what it matches, where it sends requests and how those
// targets are, each policy with its settings and what it did, latency over three windows, its recent
// requests, who defined it and which routes answer its requests instead.
import { useEffect, useRef } from 'react'
import { errorText, isMissingEndpoint } from '../api/client.ts'
import { useResetCircuit } from '../api/mutations.ts'
import {
  type HistogramBucket,
  type RouteDetail,
  type RouteStatsDetail,
  type StatsWindow,
  useRouteDetail,
  useRouteRequests,
  useRouteHistory,
  useRoutesSummary,
  useRouteStatsDetail,
} from '../api/route-detail-queries.ts'
import { Badge, CircuitBadge, RouteHealth } from '../components/badges.tsx'
import { HistoryBars } from '../components/history-bars.tsx'
import { queryGate } from '../components/states.tsx'
import { formatAgo, formatCount, formatMs, formatPercent } from '../lib/format.ts'
import { hrefFor } from '../lib/hash-route.ts'
import { targetDownReason } from '../lib/target-health.ts'
import { rankOwner, readOnlyReason } from '../lib/route-source.ts'

const WINDOWS = ['1m', '5m', '15m'] as const

const yesNo = (b: boolean) => (b ? 'yes' : 'no')
const count = (n: number | undefined) => formatCount(n)
const ms = (n: number | null | undefined) => formatMs(n ?? undefined)

function Outranked({ route }: { route: RouteDetail }) {
  const summary = useRoutesSummary()
  const [winner] = route.outrankedBy
  if (!winner) return null
  return (
    <section className="outranked" aria-labelledby="outranked-title">
      <h2 id="outranked-title">Outranked: this route does not answer its own requests</h2>
      <p>
        Requests to <code>{route.path}</code> are answered by{' '}
        {route.outrankedBy.map((r, i) => (
          <span key={r.id}>
            {i > 0 && ', then '}
            <a href={hrefFor('routes', { id: r.id })}>
              <code>{r.path}</code>
            </a>{' '}
            ({rankOwner(r, summary.data?.routes[r.id]?.definedBy)}, priority {r.priority})
          </span>
        ))}
        , which the router ranks higher (this route: priority {route.priority}). Its policies do not run for
        them.
      </p>
    </section>
  )
}

function MatchRules({ route }: { route: RouteDetail }) {
  const rows: [string, string][] = [
    ['Path', route.path],
    ['Path type', route.pathType ?? 'prefix'],
    ['Methods', route.methods.length > 0 ? route.methods.join(', ') : 'all'],
    ['Hosts', route.hosts?.join(', ') ?? 'any'],
    ['Priority', String(route.priority)],
    ['Strip prefix', yesNo(route.stripPrefix)],
    ['Protocol', route.protocol],
  ]
  const headers = route.config.matchHeaders
  if (headers && Object.keys(headers).length > 0)
    rows.push([
      'Headers',
      Object.entries(headers)
        .map(([k, v]) => `${k}: ${v}`)
        .join(', '),
    ])
  if (route.config.addPrefix) rows.push(['Add prefix', route.config.addPrefix])
  return (
    <section className="detail-card" aria-labelledby="match-title">
      <h2 id="match-title">Matches</h2>
      <dl className="kv">
        {rows.map(([k, v]) => (
          <div key={k}>
            <dt>{k}</dt>
            <dd>{v}</dd>
          </div>
        ))}
      </dl>
    </section>
  )
}

function Targets({ route, refresh }: { route: RouteDetail; refresh: () => void }) {
  const reset = useResetCircuit()
  return (
    <section className="detail-card" aria-labelledby="targets-title">
      <h2 id="targets-title">Targets</h2>
      <div className="table-scroll">
        <table className="data-table wrap">
          <thead>
            <tr>
              <th scope="col">URL</th>
              <th scope="col">Weight</th>
              <th scope="col">Health</th>
              <th scope="col">Circuit</th>
              <th scope="col" className="num">
                Avg / p99
              </th>
              <th scope="col" className="num">
                Requests / errors
              </th>
            </tr>
          </thead>
          <tbody>
            {route.targets.map((t) => {
              const down = targetDownReason(t)
              return (
                <tr key={t.id}>
                  <td>
                    <code>{t.url}</code>
                  </td>
                  <td>{t.weight}</td>
                  <td>
                    <Badge tone={down ? 'bad' : 'ok'}>{down ? 'not usable' : 'usable'}</Badge>
                    {down && <span className="small reason"> {down}</span>}
                  </td>
                  <td>
                    <CircuitBadge state={t.circuitState} />
                    {t.circuitState && t.circuitState !== 'closed' && (
                      <button
                        type="button"
                        className="button ghost small"
                        aria-label={`Reset circuit of ${t.url}`}
                        disabled={reset.isPending}
                        onClick={() => reset.mutate(t.id, { onSuccess: refresh })}
                      >
                        Reset
                      </button>
                    )}
                  </td>
                  <td className="num">
                    {t.totalRequests > 0 ? `${ms(t.avgLatencyMs)} / ${ms(t.p99LatencyMs)}` : '–'}
                  </td>
                  <td className="num">
                    {count(t.totalRequests)} / {count(t.totalErrors)}
                  </td>
                </tr>
              )
            })}
          </tbody>
        </table>
      </div>
      {reset.isError && (
        <p className="field-error" role="alert">
          Could not reset the circuit: {errorText(reset.error)}
        </p>
      )}
    </section>
  )
}

interface PolicyRow {
  name: string
  settings: string
  live?: string
}

function policyRows(route: RouteDetail, stats: RouteStatsDetail | undefined): PolicyRow[] {
  const p = route.policies
  const rows: PolicyRow[] = []
  if (p.cors)
    rows.push({
      name: 'CORS',
      settings: `origins ${p.cors.origins.join(', ')}${p.cors.credentials ? ', credentials' : ''}`,
    })
  if (p.rateLimit)
    rows.push({
      name: 'Rate limit',
      settings: `${p.rateLimit.requestsPerSec}/s, burst ${p.rateLimit.burst ?? '–'}, per ${p.rateLimit.scope ?? 'route'}${p.rateLimit.key ? ` (${p.rateLimit.key})` : ''}`,
      live: `${count(stats?.rateLimited)} limited (429)`,
    })
  if (p.jwt)
    rows.push({
      name: 'JWT',
      settings: [
        `keys: ${p.jwt.keys}`,
        p.jwt.issuer && `issuer ${p.jwt.issuer}`,
        p.jwt.algorithms?.join(', '),
      ]
        .filter(Boolean)
        .join(' · '),
    })
  if (p.validation)
    rows.push({
      name: 'OpenAPI validation',
      settings: p.validation,
      live: `${count(stats?.validationFailures)} refused (400) · ${count(stats?.contractViolations)} contract violations`,
    })
  if (p.cache) {
    const hits = stats?.cacheHits
    const misses = stats?.cacheMisses
    const looked = (hits ?? 0) + (misses ?? 0)
    rows.push({
      name: 'Cache',
      settings: [
        p.cache.ttlMs !== undefined ? `ttl ${formatMs(p.cache.ttlMs)}` : 'ttl from the response',
        p.cache.maxEntries !== undefined && `${p.cache.maxEntries} entries`,
        p.cache.varyBy?.length && `vary by ${p.cache.varyBy.join(', ')}`,
      ]
        .filter(Boolean)
        .join(' · '),
      live:
        hits === undefined
          ? '–'
          : `${formatPercent(looked > 0 ? (hits / looked) * 100 : undefined)} hit ratio (${count(hits)} hits, ${count(misses)} misses)`,
    })
  }
  if (p.retry)
    rows.push({
      name: 'Retry',
      settings: `up to ${p.retry.maxAttempts} attempts${p.retry.backoff ? `, ${p.retry.backoff} backoff` : ''} on ${p.retry.retryOn?.join(', ') ?? '5xx'}`,
      live: `${count(stats?.retryAttempts)} retries`,
    })
  const b = p.circuitBreaker
  rows.push({
    name: 'Circuit breaker',
    settings: b.enabled
      ? `opens after ${b.maxFailures} failures in ${formatMs(b.intervalMs)}, for ${formatMs(b.openTimeoutMs)}`
      : 'off',
    live: `${count(stats?.circuitBreaks)} refused while open (503)`,
  })
  rows.push({ name: 'Timeout', settings: formatMs(p.timeoutMs) })
  rows.push({ name: 'Load balancer', settings: p.loadBalancer })
  const h = p.healthCheck
  rows.push({
    name: 'Health checks',
    settings: !h.enabled
      ? 'off'
      : [
          h.active && `active every ${formatMs(h.intervalMs)}${h.path ? ` on ${h.path}` : ''}`,
          h.passiveFailures > 0 ? `passive: out after ${h.passiveFailures} failed requests` : 'passive off',
        ]
          .filter(Boolean)
          .join(', '),
  })
  return rows
}

function Policies({ route, stats }: { route: RouteDetail; stats: RouteStatsDetail | undefined }) {
  return (
    <section className="detail-card wide" aria-labelledby="policies-title">
      <h2 id="policies-title">Policies</h2>
      <table className="kv-table policy-table">
        <thead>
          <tr>
            <th scope="col">Policy</th>
            <th scope="col">Settings</th>
            <th scope="col">Since start</th>
          </tr>
        </thead>
        <tbody>
          {policyRows(route, stats).map((row) => (
            <tr key={row.name}>
              <th scope="row">{row.name}</th>
              <td>{row.settings}</td>
              <td>{row.live ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  )
}

function Histogram({ buckets }: { buckets: readonly HistogramBucket[] }) {
  const max = Math.max(1, ...buckets.map((b) => b.count))
  let below = 0
  return (
    <ol className="histogram" aria-label="Latency histogram, last 15 minutes">
      {buckets.map((b) => {
        const from = below
        below = b.upToMs ?? below
        const label = b.upToMs === null ? `over ${formatMs(from)}` : `up to ${formatMs(b.upToMs)}`
        return (
          <li key={label} title={`${label}: ${b.count}`}>
            <span className="histogram-label">{label}</span>
            <span className="histogram-bar" style={{ width: `${(b.count / max) * 100}%` }} />
            <span className="histogram-count">{formatCount(b.count)}</span>
          </li>
        )
      })}
    </ol>
  )
}

function LastHour({ id }: { id: string }) {
  const history = useRouteHistory(id)
  if (!history.data) return null
  return (
    <HistoryBars
      points={history.data.points}
      intervalS={history.data.intervalS}
      windowS={history.data.windowS}
    />
  )
}

function Latency({ id }: { id: string }) {
  const stats = useRouteStatsDetail(id)
  if (stats.isError)
    return (
      <section className="detail-card wide" aria-labelledby="latency-title">
        <h2 id="latency-title">Latency</h2>
        <p className="muted">Could not load the route's latency: {errorText(stats.error)}</p>
      </section>
    )
  const windows = stats.data?.windows
  const buckets = stats.data?.histogram?.['15m']
  if (stats.data && !windows)
    return (
      <section className="detail-card wide" aria-labelledby="latency-title">
        <h2 id="latency-title">Latency</h2>
        <p>
          Since start: avg {ms(stats.data.avgLatencyMs)}, p50 {ms(stats.data.p50LatencyMs)}, p99{' '}
          {ms(stats.data.p99LatencyMs)} over {count(stats.data.totalRequests)} requests.
        </p>
        <p className="muted small">This gateway keeps no 1, 5 and 15 minute windows for routes.</p>
        <LastHour id={id} />
      </section>
    )
  return (
    <section className="detail-card wide" aria-labelledby="latency-title">
      <h2 id="latency-title">Latency</h2>
      <table className="kv-table latency-table">
        <thead>
          <tr>
            <th scope="col">Window</th>
            <th scope="col" className="num">
              Requests
            </th>
            <th scope="col" className="num">
              4xx / 5xx
            </th>
            <th scope="col" className="num">
              p50
            </th>
            <th scope="col" className="num">
              p90
            </th>
            <th scope="col" className="num">
              p99
            </th>
          </tr>
        </thead>
        <tbody>
          {WINDOWS.map((w) => {
            const s: StatsWindow | undefined = windows?.[w]
            return (
              <tr key={w}>
                <th scope="row">last {w.replace('m', ' min')}</th>
                <td className="num">{count(s?.requests)}</td>
                <td className="num">
                  {count(s?.errors4xx)} / {count(s?.errors5xx)}
                </td>
                <td className="num">{ms(s?.p50Ms)}</td>
                <td className="num">{ms(s?.p90Ms)}</td>
                <td className="num">{ms(s?.p99Ms)}</td>
              </tr>
            )
          })}
        </tbody>
      </table>
      {buckets && buckets.length > 0 ? (
        <>
          <h3 className="histogram-title">How long requests took, last 15 minutes</h3>
          <Histogram buckets={buckets} />
        </>
      ) : (
        <p className="muted small">No latency histogram for the last 15 minutes yet.</p>
      )}
      <LastHour id={id} />
    </section>
  )
}

function RecentRequests({ id }: { id: string }) {
  const requests = useRouteRequests(id)
  const rows = requests.data?.slice(0, 20) ?? []
  return (
    <section className="detail-card wide" aria-labelledby="recent-title">
      <div className="section-header">
        <h2 id="recent-title">Recent requests</h2>
        <a href={hrefFor('requests', { route: id })}>All in the inspector</a>
      </div>
      {requests.isError ? (
        <p className="muted">Could not load requests: {errorText(requests.error)}</p>
      ) : rows.length === 0 ? (
        <p className="muted">No request on this route yet.</p>
      ) : (
        <div className="table-scroll">
          <table className="data-table wrap">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Request</th>
                <th scope="col">Status</th>
                <th scope="col">Answered by</th>
                <th scope="col" className="num">
                  Time
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.id}>
                  <td>{formatAgo(r.time)}</td>
                  <td>
                    <code>
                      {r.method} {r.path}
                    </code>
                  </td>
                  <td>{r.status === 0 ? 'client left' : r.status}</td>
                  <td>{r.outcome ?? (r.target ? 'upstream' : '–')}</td>
                  <td className="num">{formatMs(r.durationMs)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  )
}

interface RouteDetailViewProps {
  id: string
  onEdit: (route: RouteDetail) => void
}

export function RouteDetailView({ id, onEdit }: RouteDetailViewProps) {
  const detail = useRouteDetail(id)
  // Opened from a link that is gone now: the keyboard continues at the route's title.
  const title = useRef<HTMLHeadingElement>(null)
  const loaded = detail.data !== undefined
  useEffect(() => {
    if (loaded) title.current?.focus()
  }, [loaded])
  const stats = useRouteStatsDetail(id)
  const back = (
    <a className="back-link" href={hrefFor('routes')}>
      ← All routes
    </a>
  )
  if (detail.isError && isMissingEndpoint(detail.error))
    return (
      <>
        {back}
        <section className="empty" aria-label="Route not found">
          <h1>No route {id}</h1>
          <p>It may have been deleted, renamed, or its service went away.</p>
        </section>
      </>
    )
  const gate = queryGate(detail, 'route')
  const route = detail.data
  if (!route)
    return (
      <>
        {back}
        {gate}
      </>
    )
  const readOnly = route.source !== 'manual'
  return (
    <article className="route-detail" aria-labelledby="route-title">
      {back}
      <div className="page-header">
        <div>
          <h1 id="route-title" ref={title} tabIndex={-1}>
            <code>{route.path}</code>
          </h1>
          <p className="subtitle">
            <Badge tone={route.source === 'manual' ? 'info' : 'muted'}>{route.source}</Badge>{' '}
            <Badge tone="muted">{route.protocol}</Badge>{' '}
            <Badge tone={route.enabled ? 'ok' : 'muted'}>{route.enabled ? 'enabled' : 'disabled'}</Badge>{' '}
            <RouteHealth route={route} /> · last request {formatAgo(stats.data?.lastRequestAt)}
          </p>
          <p className="defined-by">
            Defined by <strong>{route.definedBy.label}</strong>
            {route.source !== 'manual' && <span className="muted"> · {readOnlyReason[route.source]}</span>}
          </p>
        </div>
        {!readOnly && (
          <button type="button" className="button" onClick={() => onEdit(route)}>
            Edit route
          </button>
        )}
      </div>
      <Outranked route={route} />
      {route.error && (
        <p className="error-box" role="alert">
          The gateway disabled this route: {route.error}
        </p>
      )}
      <div className="detail-grid">
        <MatchRules route={route} />
        <Targets route={route} refresh={() => detail.refetch()} />
        <Policies route={route} stats={stats.data} />
        <Latency id={id} />
        <RecentRequests id={id} />
      </div>
    </article>
  )
}
