import { useState } from 'react'
import { actionError } from '../api/client.ts'
import { useResetCircuit } from '../api/mutations.ts'
import { useUpstreams } from '../api/queries.ts'
import type { UpstreamView } from '../api/types.ts'
import { CircuitBadge, HealthBadge } from '../components/badges.tsx'
import { type Column, compareBy, DataTable, type SortState } from '../components/data-table.tsx'
import { Toast } from '../components/toast.tsx'
import { EmptyState, queryGate } from '../components/states.tsx'
import { formatCount, formatLatency } from '../lib/format.ts'
import { hrefFor } from '../lib/hash-route.ts'
import { countUsable, targetUsable } from '../lib/target-health.ts'
import { useNarrow } from '../lib/use-narrow.ts'

/** A latency that was measured in its window; an idle target has none (never "0 ms"). */
const measured = (u: UpstreamView) => (u.windowRequests ?? 1) > 0

const sortValue: Record<string, (u: UpstreamView) => number | string> = {
  url: (u) => u.url,
  route: (u) => u.routePath,
  // Ascending puts the targets that take no requests first.
  health: (u) => (targetUsable(u) ? 1 : 0),
  active: (u) => u.activeConns,
  avg: (u) => (measured(u) ? u.avgLatencyMs : -1),
  p99: (u) => (measured(u) ? u.p99LatencyMs : -1),
  requests: (u) => u.totalRequests,
  errors: (u) => u.totalErrors,
}

export default function UpstreamsPage() {
  const upstreams = useUpstreams()
  const reset = useResetCircuit()
  const [sort, setSort] = useState<SortState>({ column: 'url', direction: 'ascending' })
  const [message, setMessage] = useState({ text: '', failed: false })
  const narrow = useNarrow()

  const onReset = (u: UpstreamView) => {
    setMessage({ text: '', failed: false })
    reset.mutate(u.id, {
      onSuccess: () =>
        setMessage({ text: `Circuit for ${u.url} (${u.routePath}) reset to closed`, failed: false }),
      onError: (error) =>
        setMessage({
          text: `Could not reset the circuit for ${u.url}: ${actionError(error, 'Circuit reset', 'POST api/circuits/:id/reset')}`,
          failed: true,
        }),
    })
  }

  const circuitCell = (u: UpstreamView) => (
    <span className="actions">
      <CircuitBadge state={u.circuitState} />
      {u.circuitState !== 'closed' && (
        <button
          type="button"
          className="button ghost small"
          aria-label={`Reset circuit for ${u.url} on ${u.routePath}`}
          disabled={reset.isPending}
          onClick={() => onReset(u)}
        >
          Reset
        </button>
      )}
    </span>
  )

  // At 800 px the same facts, stacked four columns wide: target over route, health over circuit,
  // avg over p99, requests over errors and active connections.
  const narrowColumns: Column<UpstreamView>[] = [
    {
      id: 'url',
      header: 'Target · route',
      width: '31%',
      sortable: true,
      cell: (u) => (
        <div className="cell-stack">
          <code className="cell-main" title={u.id}>
            {u.url}
          </code>
          <code className="cell-main cell-note" title={u.routeId}>
            {u.routePath}
          </code>
        </div>
      ),
    },
    {
      id: 'health',
      header: 'Health · circuit',
      width: '27%',
      sortable: true,
      cell: (u) => (
        <div className="cell-stack">
          <HealthBadge healthy={u.healthy} reason={u.healthReason} />
          {circuitCell(u)}
        </div>
      ),
    },
    {
      id: 'p99',
      header: 'p99 · avg',
      width: '19%',
      align: 'end',
      sortable: true,
      cell: (u) => (
        <div>
          <div>{formatLatency(u.p99LatencyMs, measured(u))}</div>
          <div className="cell-note">avg {formatLatency(u.avgLatencyMs, measured(u))}</div>
        </div>
      ),
    },
    {
      id: 'requests',
      header: 'Requests',
      width: '23%',
      align: 'end',
      sortable: true,
      cell: (u) => (
        <div>
          <div>{formatCount(u.totalRequests)}</div>
          <div className={u.totalErrors > 0 ? 'text-bad' : 'cell-note'}>
            {formatCount(u.totalErrors)} {u.totalErrors === 1 ? 'error' : 'errors'}
          </div>
          <div className="cell-note">{formatCount(u.activeConns)} active</div>
        </div>
      ),
    },
  ]

  const wideColumns: Column<UpstreamView>[] = [
    {
      id: 'url',
      header: 'Target',
      width: '17%',
      sortable: true,
      cell: (u) => (
        <code className="cell-main" title={u.id}>
          {u.url}
        </code>
      ),
    },
    {
      id: 'route',
      header: 'Route',
      width: '12%',
      sortable: true,
      cell: (u) => (
        <code className="cell-main" title={u.routeId}>
          {u.routePath}
        </code>
      ),
    },
    {
      id: 'health',
      header: 'Health',
      width: '12%',
      sortable: true,
      cell: (u) => <HealthBadge healthy={u.healthy} reason={u.healthReason} />,
    },
    {
      id: 'circuit',
      header: 'Circuit',
      width: '12%',
      cell: (u) => circuitCell(u),
    },
    {
      id: 'active',
      header: 'Active',
      width: '7%',
      align: 'end',
      sortable: true,
      cell: (u) => formatCount(u.activeConns),
    },
    {
      id: 'avg',
      header: 'Avg',
      width: '10%',
      align: 'end',
      sortable: true,
      cell: (u) => formatLatency(u.avgLatencyMs, measured(u)),
    },
    {
      id: 'p99',
      header: 'p99',
      width: '9%',
      align: 'end',
      sortable: true,
      cell: (u) => formatLatency(u.p99LatencyMs, measured(u)),
    },
    {
      id: 'requests',
      header: 'Requests',
      width: '11%',
      align: 'end',
      sortable: true,
      cell: (u) => formatCount(u.totalRequests),
    },
    {
      id: 'errors',
      header: 'Errors',
      width: '10%',
      align: 'end',
      sortable: true,
      cell: (u) => (
        <span className={u.totalErrors > 0 ? 'text-bad' : undefined}>{formatCount(u.totalErrors)}</span>
      ),
    },
  ]

  const data = upstreams.data
  const getValue = sortValue[sort.column] ?? sortValue.url!
  const rows = data ? [...data].sort(compareBy(getValue, sort.direction)) : []
  // Each target once (the unit the gateway's healthyUpstreams counts), by the one usable rule.
  const unique = data ? [...new Map(data.map((u) => [u.id, u])).values()] : []
  const { usable, total } = countUsable(unique)

  return (
    <>
      <div className="page-header">
        <div>
          <h1>Upstreams</h1>
          <p className="subtitle">
            Every target of every route: health checks, circuit breaker, connections and latency (avg and p99
            over the last 60 s; – when the target had no request in that time).
            {data && data.length > 0 && (
              <span data-testid="usable-count">
                {' '}
                {usable} of {total} usable (healthy, circuit not open).
              </span>
            )}
          </p>
        </div>
      </div>
      <Toast
        message={message.text}
        failed={message.failed}
        onDone={() => setMessage({ text: '', failed: false })}
      />
      {queryGate(upstreams, 'upstreams', { feature: 'The upstream list', endpoint: 'GET api/upstreams' })}
      {data && data.length === 0 && (
        <EmptyState title="No upstreams yet">
          <p>
            Upstreams are the targets your routes forward to.{' '}
            <a href={hrefFor('routes', { new: '1' })}>Create a route</a> with a target such as{' '}
            <code>http://127.0.0.1:3000</code> and it shows up here with its health.
          </p>
        </EmptyState>
      )}
      {data && data.length > 0 && (
        <DataTable
          label="Upstream targets"
          rows={rows}
          columns={narrow ? narrowColumns : wideColumns}
          rowHeight={narrow ? 84 : 44}
          {...(narrow ? { className: 'stacked' } : {})}
          rowKey={(u) => u.id}
          sort={sort}
          onSort={setSort}
        />
      )}
    </>
  )
}
