import { useMemo, useState } from 'react'
import { useRouteStats } from '../api/queries.ts'
import { useRoutesHistory } from '../api/stats-queries.ts'
import type { RouteStats } from '../api/types.ts'
import { Badge } from '../components/badges.tsx'
import { type Column, compareBy, DataTable, type SortState } from '../components/data-table.tsx'
import { EmptyState, queryGate } from '../components/states.tsx'
import { Sparkline } from '../components/sparkline.tsx'
import {
  errorPercent,
  formatAgo,
  formatCount,
  formatLatency,
  formatPercent,
  toMillis,
} from '../lib/format.ts'
import { hrefFor } from '../lib/hash-route.ts'
import { useNarrow } from '../lib/use-narrow.ts'

/** A route with no request for this long is shown as idle. */
const IDLE_MS = 10 * 60 * 1000
/** The sparkline: the gateway's hour of 10 s history. */
const TREND_BUCKETS = 360

/** Latency measured in the recent window; an idle route has none (never "0 ms"). */
const measured = (r: RouteStats) => (r.windowRequests ?? 1) > 0

const sortValue: Record<string, (r: RouteStats) => number | string> = {
  path: (r) => r.path,
  requests: (r) => r.totalRequests,
  errors: (r) => r.totalErrors,
  errorRate: (r) => errorPercent(r.totalErrors, r.totalRequests),
  errors4xx: (r) => r.errors4xx ?? 0,
  avg: (r) => (measured(r) ? r.avgLatencyMs : -1),
  p99: (r) => (measured(r) ? r.p99LatencyMs : -1),
  lastHit: (r) => toMillis(r.lastRequestAt) ?? 0,
}

export default function TrafficPage() {
  const stats = useRouteStats()
  const history = useRoutesHistory()
  const [sort, setSort] = useState<SortState>({ column: 'requests', direction: 'descending' })
  const [idleOnly, setIdleOnly] = useState(false)
  const narrow = useNarrow()
  const now = Date.now()

  const all = useMemo(() => Object.values(stats.data ?? {}), [stats.data])
  const isIdle = (r: RouteStats) => {
    const last = toMillis(r.lastRequestAt)
    return last === undefined || now - last > IDLE_MS
  }
  const getValue = sortValue[sort.column] ?? sortValue.requests!
  const rows = all.filter((r) => !idleOnly || isIdle(r)).sort(compareBy(getValue, sort.direction))
  const idleCount = all.filter(isIdle).length

  const allColumns: Column<RouteStats>[] = [
    {
      id: 'path',
      header: 'Route',
      width: '17%',
      sortable: true,
      cell: (r) => (
        <code className="cell-main" title={r.routeId}>
          {r.path}
        </code>
      ),
    },
    {
      id: 'trend',
      header: 'Last hour',
      width: '12%',
      cell: (r) => (
        <Sparkline
          values={(history.data?.routes[r.routeId] ?? []).slice(-TREND_BUCKETS).map((p) => p.requests)}
          label={`${r.path} requests per 10 s`}
          span="hour"
        />
      ),
    },
    {
      id: 'requests',
      header: 'Requests',
      width: '10%',
      align: 'end',
      sortable: true,
      cell: (r) => formatCount(r.totalRequests),
    },
    {
      id: 'errors',
      header: '5xx',
      width: '8%',
      align: 'end',
      sortable: true,
      cell: (r) => (
        <span className={r.totalErrors > 0 ? 'text-bad' : undefined} title="5xx answers and failed requests">
          {formatCount(r.totalErrors)}
        </span>
      ),
    },
    {
      id: 'errors4xx',
      header: '4xx',
      width: '8%',
      align: 'end',
      sortable: true,
      cell: (r) => formatCount(r.errors4xx ?? 0),
    },
    {
      id: 'errorRate',
      header: '5xx %',
      width: '10%',
      align: 'end',
      sortable: true,
      cell: (r) => formatPercent(errorPercent(r.totalErrors, r.totalRequests)),
    },
    {
      id: 'avg',
      header: 'Avg',
      width: '10%',
      align: 'end',
      sortable: true,
      cell: (r) => formatLatency(r.avgLatencyMs, measured(r)),
    },
    {
      id: 'p99',
      header: 'p99',
      width: '10%',
      align: 'end',
      sortable: true,
      cell: (r) => formatLatency(r.p99LatencyMs, measured(r)),
    },
    {
      id: 'lastHit',
      header: 'Last hit',
      width: '15%',
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
  // At 800 px the 4xx and 5xx % columns fold into the 5xx cell, and the widths are shared anew.
  const narrowWidths: Record<string, string> = {
    path: '20%',
    trend: '15%',
    requests: '13%',
    errors: '15%',
    avg: '11%',
    p99: '11%',
    lastHit: '15%',
  }
  const columns = narrow
    ? allColumns
        .filter((c) => c.id in narrowWidths)
        .map((c) =>
          c.id === 'errors'
            ? {
                ...c,
                header: '5xx · %',
                width: narrowWidths[c.id],
                cell: (r: RouteStats) => (
                  <div>
                    <div className={r.totalErrors > 0 ? 'text-bad' : undefined}>
                      {formatCount(r.totalErrors)} ·{' '}
                      {formatPercent(errorPercent(r.totalErrors, r.totalRequests))}
                    </div>
                    <div className="cell-note">{formatCount(r.errors4xx ?? 0)} 4xx</div>
                  </div>
                ),
              }
            : { ...c, width: narrowWidths[c.id] },
        )
    : allColumns

  return (
    <>
      <div className="page-header">
        <div>
          <h1>Traffic</h1>
          <p className="subtitle">
            Per-route requests and errors since the gateway started; avg and p99 over the last 60 s (– when
            the route had no request in that time). Idle routes stand out.
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
            rowHeight={narrow ? 64 : 44}
            {...(narrow ? { className: 'stacked' } : {})}
          />
        </>
      )}
    </>
  )
}
