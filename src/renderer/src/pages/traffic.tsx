import { useMemo, useState } from 'react'
import { useRouteHistory, useRouteStats } from '../api/queries.ts'
import type { RouteStats } from '../api/types.ts'
import { Badge } from '../components/badges.tsx'
import { type Column, compareBy, DataTable, type SortState } from '../components/data-table.tsx'
import { EmptyState, queryGate } from '../components/states.tsx'
import { Sparkline } from '../components/sparkline.tsx'
import { errorPercent, formatAgo, formatCount, formatMs, formatPercent, toMillis } from '../lib/format.ts'
import { hrefFor } from '../lib/hash-route.ts'

/** A route with no request for this long is shown as idle. */
const IDLE_MS = 10 * 60 * 1000

const sortValue: Record<string, (r: RouteStats) => number | string> = {
  path: (r) => r.path,
  requests: (r) => r.totalRequests,
  errors: (r) => r.totalErrors,
  errorRate: (r) => errorPercent(r.totalErrors, r.totalRequests),
  avg: (r) => r.avgLatencyMs,
  p99: (r) => r.p99LatencyMs,
  lastHit: (r) => toMillis(r.lastRequestAt) ?? 0,
}

export default function TrafficPage() {
  const stats = useRouteStats()
  const history = useRouteHistory()
  const [sort, setSort] = useState<SortState>({ column: 'requests', direction: 'descending' })
  const [idleOnly, setIdleOnly] = useState(false)
  const now = Date.now()

  const all = useMemo(() => Object.values(stats.data ?? {}), [stats.data])
  const isIdle = (r: RouteStats) => {
    const last = toMillis(r.lastRequestAt)
    return last === undefined || now - last > IDLE_MS
  }
  const getValue = sortValue[sort.column] ?? sortValue.requests!
  const rows = all.filter((r) => !idleOnly || isIdle(r)).sort(compareBy(getValue, sort.direction))
  const idleCount = all.filter(isIdle).length

  const columns: Column<RouteStats>[] = [
    {
      id: 'path',
      header: 'Route',
      width: '24%',
      sortable: true,
      cell: (r) => (
        <code className="cell-main" title={r.routeId}>
          {r.path}
        </code>
      ),
    },
    {
      id: 'trend',
      header: 'Last 2 min',
      width: '12%',
      cell: (r) => <Sparkline values={history.series[r.routeId] ?? []} label={`${r.path} requests`} />,
    },
    {
      id: 'requests',
      header: 'Requests',
      width: '9%',
      align: 'end',
      sortable: true,
      cell: (r) => formatCount(r.totalRequests),
    },
    {
      id: 'errors',
      header: 'Errors',
      width: '8%',
      align: 'end',
      sortable: true,
      cell: (r) => (
        <span className={r.totalErrors > 0 ? 'text-bad' : undefined}>{formatCount(r.totalErrors)}</span>
      ),
    },
    {
      id: 'errorRate',
      header: 'Error %',
      width: '8%',
      align: 'end',
      sortable: true,
      cell: (r) => formatPercent(errorPercent(r.totalErrors, r.totalRequests)),
    },
    {
      id: 'avg',
      header: 'Avg',
      width: '8%',
      align: 'end',
      sortable: true,
      cell: (r) => formatMs(r.avgLatencyMs),
    },
    {
      id: 'p99',
      header: 'p99',
      width: '8%',
      align: 'end',
      sortable: true,
      cell: (r) => formatMs(r.p99LatencyMs),
    },
    {
      id: 'lastHit',
      header: 'Last hit',
      width: '13%',
      sortable: true,
      cell: (r) =>
        isIdle(r) ? (
          <Badge tone="warn" title="No request in the last 10 minutes">
            {r.lastRequestAt ? `idle · ${formatAgo(r.lastRequestAt, now)}` : 'never used'}
          </Badge>
        ) : (
          formatAgo(r.lastRequestAt, now)
        ),
    },
  ]

  return (
    <>
      <div className="page-header">
        <div>
          <h1>Traffic</h1>
          <p className="subtitle">
            Per-route requests, errors and latency since the gateway started. Idle routes stand out.
          </p>
        </div>
      </div>
      {queryGate(stats, 'route statistics', {
        feature: 'Per-route statistics',
        endpoint: 'GET api/stats/routes',
      })}
      {stats.data && all.length === 0 && (
        <EmptyState title="No traffic yet">
          <p>
            Once you have <a href={hrefFor('routes')}>routes</a>, send a request through the gateway (for
            example <code>curl {new URL('../api/users', document.baseURI).href}</code>) and it shows up here.
          </p>
        </EmptyState>
      )}
      {all.length > 0 && (
        <>
          <div className="filters">
            <label className="check">
              <input type="checkbox" checked={idleOnly} onChange={(e) => setIdleOnly(e.target.checked)} />
              Only idle routes ({idleCount})
            </label>
          </div>
          <DataTable
            label="Per-route traffic"
            rows={rows}
            columns={columns}
            rowKey={(r) => r.routeId}
            sort={sort}
            onSort={setSort}
            rowClassName={(r) => (isIdle(r) ? 'row-idle' : undefined)}
          />
        </>
      )}
    </>
  )
}
