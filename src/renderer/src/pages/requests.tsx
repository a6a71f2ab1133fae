import { useEffect, useMemo, useState } from 'react'
import { adminUrl, errorText, isMissingEndpoint } from '../api/client.ts'
import { filterQuery, type RequestFilters, useLiveRequests } from '../api/live-requests.ts'
import { useRoutes } from '../api/queries.ts'
import type { Outcome, RequestRecord } from '../api/types.ts'
import { Badge } from '../components/badges.tsx'
import { type Column, DataTable } from '../components/data-table.tsx'
import { OUTCOME_LABELS, OutcomeBadge, statusTone } from '../components/outcome-badge.tsx'
import { RequestDetailPanel } from '../components/request-detail.tsx'
import { EmptyState } from '../components/states.tsx'
import { formatMs, toMillis } from '../lib/format.ts'
import { hrefFor, type PageProps } from '../lib/hash-route.ts'
import '../components/request-inspector.css'

const STATUS_CLASSES = ['2xx', '3xx', '4xx', '5xx'] as const
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const

function timeOf(record: RequestRecord): string {
  const ms = toMillis(record.time)
  return ms === undefined ? String(record.time) : new Date(ms).toLocaleTimeString([], { hour12: false })
}

function initialFilters(params: URLSearchParams | undefined): RequestFilters {
  return {
    route: params?.get('route') ?? '',
    status: params?.get('status') ?? '',
    outcome: params?.get('outcome') ?? '',
    method: params?.get('method') ?? '',
    q: params?.get('q') ?? '',
  }
}

export default function RequestsPage({ params }: Partial<PageProps> = {}) {
  const [filters, setFilters] = useState<RequestFilters>(() => initialFilters(params))
  const [selectedId, setSelectedId] = useState<string | undefined>(params?.get('id') ?? undefined)
  // The text filter reaches the gateway once typing pauses.
  const [text, setText] = useState(filters.q)
  // A deep link followed while the page is open (#/requests?route=…&outcome=…&id=…) sets the filters.
  const linked = params?.toString() ?? ''
  useEffect(() => {
    const next = initialFilters(new URLSearchParams(linked))
    setFilters(next)
    setText(next.q)
    const id = new URLSearchParams(linked).get('id')
    if (id) setSelectedId(id)
  }, [linked])
  useEffect(() => {
    const t = setTimeout(() => setFilters((f) => (f.q === text ? f : { ...f, q: text })), 250)
    return () => clearTimeout(t)
  }, [text])
  const list = useLiveRequests(filters)
  const routes = useRoutes()
  const set = (key: keyof RequestFilters) => (value: string) => setFilters((f) => ({ ...f, [key]: value }))

  const data = list.rows
  const routeIds = useMemo(
    () =>
      [...new Set([...(routes.data ?? []).map((r) => r.id), ...(data ?? []).map((r) => r.routeId)])]
        .filter(Boolean)
        .sort(),
    [routes.data, data],
  )
  const selected = data?.find((r) => r.id === selectedId)
  /** Closing the panel (× or Escape) puts the focus back on its row. */
  const closeDetail = () => {
    const id = selectedId
    setSelectedId(undefined)
    requestAnimationFrame(() =>
      document.querySelector<HTMLButtonElement>(`button[data-request-id="${CSS.escape(id ?? '')}"]`)?.focus(),
    )
  }
  const filtered = Object.values(filters).some(Boolean)

  const columns: Column<RequestRecord>[] = [
    { id: 'time', header: 'Time', width: '86px', cell: timeOf },
    { id: 'method', header: 'Method', width: '86px', cell: (r) => r.method },
    {
      id: 'path',
      header: 'Path',
      width: 'auto',
      cell: (r) => {
        const replayOf = r.requestHeaders['x-sallyport-replay']
        return (
          <>
            <button
              type="button"
              className="link-button cell-main"
              aria-label={`Show details of ${r.method} ${r.path} (${r.status}, ${OUTCOME_LABELS[r.outcome] ?? r.outcome})`}
              aria-pressed={r.id === selectedId}
              data-request-id={r.id}
              // A long path is cut here; the detail panel and the hover title show it whole.
              data-truncated-full-text
              title={r.path}
              onClick={() => setSelectedId(r.id === selectedId ? undefined : r.id)}
            >
              {r.path}
            </button>
            {replayOf !== undefined && (
              <span className="muted small replay-mark" title={`A replay of request ${replayOf}`}>
                {' '}
                replay
              </span>
            )}
          </>
        )
      },
    },
    {
      id: 'status',
      header: 'Status',
      width: '74px',
      cell: (r) => <Badge tone={statusTone(r.status)}>{String(r.status)}</Badge>,
    },
    {
      id: 'outcome',
      header: 'Answered by',
      width: '136px',
      cell: (r) => <OutcomeBadge outcome={r.outcome} />,
    },
    { id: 'duration', header: 'Duration', width: '92px', align: 'end', cell: (r) => formatMs(r.durationMs) },
    {
      id: 'route',
      header: 'Route',
      width: '16%',
      cell: (r) => (
        <span className="cell-main muted" title={r.routeId || undefined} data-truncated-full-text>
          {r.routeId || 'no route'}
        </span>
      ),
    },
  ]

  return (
    <>
      <div className="page-header">
        <div>
          <h1>Requests</h1>
          <p className="subtitle">
            Every request the gateway answered, newest first by start, whoever answered it: the upstream, the
            cache, a rate limit, an open circuit, no route. Pick one for its bodies, what went upstream and
            its timing.
          </p>
        </div>
      </div>
      <search className="filters request-filters" aria-label="Filter requests">
        <label>
          Route
          <select value={filters.route} onChange={(e) => set('route')(e.target.value)}>
            <option value="">All routes</option>
            {routeIds.map((id) => (
              <option key={id}>{id}</option>
            ))}
          </select>
        </label>
        <label>
          Answered by
          <select value={filters.outcome} onChange={(e) => set('outcome')(e.target.value)}>
            <option value="">Anyone</option>
            {(Object.keys(OUTCOME_LABELS) as Outcome[]).map((o) => (
              <option key={o} value={o}>
                {OUTCOME_LABELS[o]}
              </option>
            ))}
          </select>
        </label>
        <label>
          Status
          <select value={filters.status} onChange={(e) => set('status')(e.target.value)}>
            <option value="">Any status</option>
            {STATUS_CLASSES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <label>
          Method
          <select value={filters.method} onChange={(e) => set('method')(e.target.value)}>
            <option value="">Any method</option>
            {METHODS.map((m) => (
              <option key={m}>{m}</option>
            ))}
          </select>
        </label>
        <label className="grow">
          Path contains
          <input type="search" value={text} placeholder="/users" onChange={(e) => setText(e.target.value)} />
        </label>
        <div className="tail-controls">
          <button
            type="button"
            className="button"
            aria-pressed={!list.live}
            onClick={() => list.setLive(!list.live)}
          >
            {list.live ? 'Pause live tail' : 'Resume live tail'}
          </button>
          <a className="button" href={adminUrl(`api/requests.har${filterQuery(filters)}`)} download>
            Export HAR
          </a>
        </div>
      </search>
      <div className="tail-status">
        <span className="muted small" role="status">
          {data ? `${data.length} request${data.length === 1 ? '' : 's'}${filtered ? ' match' : ''}` : ''}
          {list.live ? ' · live' : ' · paused'}
        </span>
        {/* Always in the layout: new rows never push the table down. */}
        <button
          type="button"
          className="button small pending-button"
          hidden={list.pending === 0}
          onClick={list.showPending}
        >
          Show {list.pending} new
        </button>
      </div>
      {list.error !== undefined && (
        <EmptyState title={isMissingEndpoint(list.error) ? 'Not available' : 'Could not load requests'}>
          <p>
            {isMissingEndpoint(list.error)
              ? 'The live request inspector is not available in this gateway (GET api/requests answers 404).'
              : errorText(list.error)}
          </p>
          <button type="button" className="button" onClick={list.reload}>
            Try again
          </button>
        </EmptyState>
      )}
      {list.loading && !data && <p className="muted">Loading requests…</p>}
      {data && data.length === 0 && (
        <EmptyState title={filtered ? 'No request matches' : 'No requests yet'}>
          {filtered ? (
            <p>Nothing the gateway keeps matches these filters; new ones appear here as they come.</p>
          ) : (
            <p>
              Send a request to one of your <a href={hrefFor('routes')}>routes</a> through this gateway, for
              example <code>curl {new URL('../api/users', document.baseURI).href}</code>, and it appears here
              at once.
            </p>
          )}
        </EmptyState>
      )}
      {data && data.length > 0 && (
        <div className={selected ? 'split' : undefined}>
          <div onPointerEnter={() => list.setHeld(true)} onPointerLeave={() => list.setHeld(false)}>
            <DataTable
              label="Recent requests"
              rows={data}
              columns={columns}
              rowKey={(r) => r.id}
              selectedKey={selectedId}
            />
          </div>
          {selected && <RequestDetailPanel key={selected.id} record={selected} onClose={closeDetail} />}
        </div>
      )}
    </>
  )
}
