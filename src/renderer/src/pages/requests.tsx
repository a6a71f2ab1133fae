import { useMemo, useState } from 'react'
import { actionError } from '../api/client.ts'
import { useReplayRequest } from '../api/mutations.ts'
import { useRequests } from '../api/queries.ts'
import type { ReplayResult, RequestRecord } from '../api/types.ts'
import { Badge } from '../components/badges.tsx'
import { type Column, DataTable } from '../components/data-table.tsx'
import { EmptyState, queryGate } from '../components/states.tsx'
import { formatMs, toMillis } from '../lib/format.ts'
import { hrefFor } from '../lib/hash-route.ts'

const STATUS_CLASSES = ['2xx', '3xx', '4xx', '5xx'] as const

function statusTone(status: number) {
  return status >= 500 ? 'bad' : status >= 400 ? 'warn' : status >= 300 ? 'info' : 'ok'
}

function timeOf(record: RequestRecord): string {
  const ms = toMillis(record.time)
  return ms === undefined ? String(record.time) : new Date(ms).toLocaleTimeString([], { hour12: false })
}

function headerValue(value: string | string[] | undefined): string {
  if (value === undefined) return ''
  return Array.isArray(value) ? value.join(', ') : value
}

function Headers({
  title,
  headers,
}: {
  title: string
  headers: Record<string, string | string[]> | undefined
}) {
  const entries = Object.entries(headers ?? {})
  return (
    <section className="headers">
      <h3>{title}</h3>
      {entries.length === 0 ? (
        <p className="muted">none recorded</p>
      ) : (
        <table className="kv-table">
          <caption className="visually-hidden">{title}</caption>
          <tbody>
            {entries.map(([name, value]) => (
              <tr key={name}>
                <th scope="row">{name}</th>
                <td>{headerValue(value)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  )
}

function Compare({ result }: { result: ReplayResult }) {
  const { original } = result
  const replay = { ...result.replay, target: original.target, responseHeaders: result.replay.headers }
  const names = new Set([
    ...Object.keys(original.responseHeaders ?? {}),
    ...Object.keys(replay.responseHeaders ?? {}),
  ])
  const rows: [string, string, string][] = [
    ['status', String(original.status), String(replay.status)],
    ['duration', formatMs(original.durationMs), formatMs(replay.durationMs)],
    ['target', original.target ?? '—', replay.target ?? '—'],
    ...[...names]
      .sort()
      .map((n): [string, string, string] => [
        n,
        headerValue(original.responseHeaders?.[n]),
        headerValue(replay.responseHeaders?.[n]),
      ]),
  ]
  return (
    <table className="kv-table compare">
      <caption>Original vs replay</caption>
      <thead>
        <tr>
          <th scope="col">Field</th>
          <th scope="col">Original</th>
          <th scope="col">Replay</th>
        </tr>
      </thead>
      <tbody>
        {rows.map(([name, a, b]) => (
          <tr key={name} className={a !== b && name !== 'duration' ? 'changed' : undefined}>
            <th scope="row">{name}</th>
            <td>{a}</td>
            <td>{b}</td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}

function Detail({ record, onClose }: { record: RequestRecord; onClose: () => void }) {
  const replay = useReplayRequest()
  return (
    <section className="detail-panel" aria-labelledby="request-detail-title">
      <header className="detail-header">
        <h2 id="request-detail-title">
          <code>
            {record.method} {record.path}
          </code>
        </h2>
        <button type="button" className="icon-button" aria-label="Close request details" onClick={onClose}>
          ×
        </button>
      </header>
      <dl className="kv inline">
        <div>
          <dt>Status</dt>
          <dd>
            <Badge tone={statusTone(record.status)}>{String(record.status)}</Badge>
          </dd>
        </div>
        <div>
          <dt>Duration</dt>
          <dd>{formatMs(record.durationMs)}</dd>
        </div>
        <div>
          <dt>Time</dt>
          <dd>{timeOf(record)}</dd>
        </div>
        <div>
          <dt>Route</dt>
          <dd>{record.routeId ?? 'no route matched'}</dd>
        </div>
        <div>
          <dt>Target</dt>
          <dd>{record.target ?? '—'}</dd>
        </div>
      </dl>
      <div className="actions">
        <button
          type="button"
          className="button"
          disabled={replay.isPending}
          onClick={() => replay.mutate(record.id)}
        >
          {replay.isPending ? 'Replaying…' : 'Replay and compare'}
        </button>
      </div>
      {replay.isError && (
        <p className="field-error" role="alert">
          Replay failed: {actionError(replay.error, 'Replay', 'POST api/requests/:id/replay')}
        </p>
      )}
      {replay.data && (
        <>
          <Compare result={replay.data} />
          <details>
            <summary>Replay response body{replay.data.replay.truncated ? ' (cut at 64 KiB)' : ''}</summary>
            <pre className="code-block">{replay.data.replay.body}</pre>
          </details>
        </>
      )}
      <div className="header-columns">
        <Headers title="Request headers" headers={record.requestHeaders} />
        <Headers title="Response headers" headers={record.responseHeaders} />
      </div>
    </section>
  )
}

export default function RequestsPage() {
  const requests = useRequests()
  const [route, setRoute] = useState('')
  const [status, setStatus] = useState('')
  const [selectedId, setSelectedId] = useState<string>()

  const data = requests.data
  const routeIds = useMemo(
    () => [...new Set((data ?? []).map((r) => r.routeId ?? ''))].filter(Boolean).sort(),
    [data],
  )
  const rows = useMemo(
    () =>
      (data ?? []).filter((r) => {
        if (route && r.routeId !== route) return false
        if (status && `${Math.floor(r.status / 100)}xx` !== status) return false
        return true
      }),
    [data, route, status],
  )
  const selected = data?.find((r) => r.id === selectedId)

  const columns: Column<RequestRecord>[] = [
    { id: 'time', header: 'Time', width: '84px', cell: timeOf },
    { id: 'method', header: 'Method', width: '76px', cell: (r) => r.method },
    {
      id: 'path',
      header: 'Path',
      width: 'auto',
      cell: (r) => (
        <button
          type="button"
          className="link-button cell-main"
          aria-label={`Show details of ${r.method} ${r.path} (${r.status})`}
          aria-pressed={r.id === selectedId}
          onClick={() => setSelectedId(r.id === selectedId ? undefined : r.id)}
        >
          {r.path}
        </button>
      ),
    },
    {
      id: 'status',
      header: 'Status',
      width: '70px',
      cell: (r) => <Badge tone={statusTone(r.status)}>{String(r.status)}</Badge>,
    },
    { id: 'duration', header: 'Duration', width: '86px', align: 'end', cell: (r) => formatMs(r.durationMs) },
    {
      id: 'route',
      header: 'Route',
      width: '24%',
      cell: (r) => <span className="cell-main muted">{r.routeId ?? 'no route'}</span>,
    },
  ]

  return (
    <>
      <div className="page-header">
        <div>
          <h1>Requests</h1>
          <p className="subtitle">
            The last requests through the gateway, newest first. Pick one for its headers and timing.
          </p>
        </div>
      </div>
      {queryGate(requests, 'requests', {
        feature: 'The live request inspector',
        endpoint: 'GET api/requests',
      })}
      {data && data.length === 0 && (
        <EmptyState title="No requests yet">
          <p>
            Send a request to one of your <a href={hrefFor('routes')}>routes</a> through this gateway, for
            example <code>curl {new URL('../api/users', document.baseURI).href}</code>, and it appears here
            within a couple of seconds.
          </p>
        </EmptyState>
      )}
      {data && data.length > 0 && (
        <>
          <search className="filters" aria-label="Filter requests">
            <label>
              Route
              <select value={route} onChange={(e) => setRoute(e.target.value)}>
                <option value="">All routes</option>
                {routeIds.map((id) => (
                  <option key={id}>{id}</option>
                ))}
              </select>
            </label>
            <label>
              Status
              <select value={status} onChange={(e) => setStatus(e.target.value)}>
                <option value="">Any status</option>
                {STATUS_CLASSES.map((s) => (
                  <option key={s}>{s}</option>
                ))}
              </select>
            </label>
            <span className="muted small" role="status">
              {rows.length} of {data.length} requests
            </span>
          </search>
          <div className={selected ? 'split' : undefined}>
            <DataTable
              label="Recent requests"
              rows={rows}
              columns={columns}
              rowKey={(r) => r.id}
              selectedKey={selectedId}
            />
            {selected && (
              <Detail key={selected.id} record={selected} onClose={() => setSelectedId(undefined)} />
            )}
          </div>
        </>
      )}
    </>
  )
}
