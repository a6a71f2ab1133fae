// One route in full (#/routes?id=<route id>): what it matches, where it sends requests and how those
// targets are, each policy with its settings and what it did, latency over three windows, its recent
// requests, who defined it and which routes answer its requests instead.
import { useEffect, useRef } from 'react'
import { errorText, isMissingEndpoint } from '../api/client.ts'
import { useResetCircuit } from '../api/mutations.ts'
import { useOpenApiServices } from '../api/queries.ts'
import { type RouteDetail, useRouteDetail, useRouteStatsDetail } from '../api/route-detail-queries.ts'
import { Badge, CircuitBadge, RouteHealth } from '../components/badges.tsx'
import { RouteLatency } from '../components/route-latency.tsx'
import { RouteContract } from '../components/contract-changes.tsx'
import { RoutePolicies } from '../components/route-policies.tsx'
import { RouteRecentRequests } from '../components/route-recent-requests.tsx'
import { queryGate } from '../components/states.tsx'
import { formatAgo, formatCount, formatMs, formatSentenceList } from '../lib/format.ts'
import { hrefFor } from '../lib/hash-route.ts'
import { readOnlyReason } from '../lib/route-source.ts'
import { targetDownReason } from '../lib/target-health.ts'

const yesNo = (b: boolean) => (b ? 'yes' : 'no')
const count = (n: number | undefined) => formatCount(n)
const ms = (n: number | null | undefined) => formatMs(n ?? undefined)

function Outranked({ route }: { route: RouteDetail }) {
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
            ({r.owner ?? r.source}, priority {r.priority})
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
  const openapi = useOpenApiServices()
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
          {route.settingsFrom && (
            <p className="defined-by">
              {formatSentenceList(route.settingsFrom.settings)} set for service{' '}
              <strong>{route.settingsFrom.service}</strong> by <strong>{route.settingsFrom.by}</strong>
              <span className="muted"> · they override the route's own</span>
            </p>
          )}
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
        <RoutePolicies route={route} stats={stats.data} />
        <RouteLatency id={id} />
        <RouteRecentRequests id={id} />
        <RouteContract routeId={id} services={openapi.data ?? []} />
      </div>
    </article>
  )
}
