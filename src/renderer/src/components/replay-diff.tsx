// What a replay answered differently from the original: status, headers, body fields.
import type { ReplayResult } from '../api/types.ts'
import { formatMs } from '../lib/format.ts'

export function ReplayDiff({ result }: { result: ReplayResult }) {
  const { diff, replay, original } = result
  const headerRows = [
    ...diff.headers.changed.map((h) => ({ kind: 'changed', name: h.name, from: h.from, to: h.to })),
    ...diff.headers.added.map((h) => ({ kind: 'added', name: h.name, from: '', to: h.value })),
    ...diff.headers.removed.map((h) => ({ kind: 'removed', name: h.name, from: h.value, to: '' })),
  ]
  const same = !diff.status && headerRows.length === 0 && diff.body.kind === 'same'
  return (
    <section className="replay-diff" aria-label="Replay vs original">
      <p role="status" className="replay-verdict">
        {same
          ? `Same answer: ${replay.status}, same headers and body`
          : diff.status
            ? `Status changed: ${diff.status.from} → ${diff.status.to}`
            : `Status ${replay.status} as before; ${headerRows.length} header and ${diff.body.changes.length} body changes`}
      </p>
      <table className="kv-table diff-table">
        <caption>Original vs replay</caption>
        <thead>
          <tr>
            <th scope="col">Field</th>
            <th scope="col">Original</th>
            <th scope="col">Replay</th>
          </tr>
        </thead>
        <tbody>
          <tr className={diff.status ? 'diff-changed' : undefined}>
            <th scope="row">status</th>
            <td>{original.status}</td>
            <td>{replay.status}</td>
          </tr>
          <tr>
            <th scope="row">duration</th>
            <td>{formatMs(original.durationMs)}</td>
            <td>{formatMs(replay.durationMs)}</td>
          </tr>
          <tr>
            <th scope="row">request body sent</th>
            <td>{original.requestBodyBytes} bytes</td>
            <td>{replay.requestBodyBytes} bytes</td>
          </tr>
        </tbody>
      </table>
      {headerRows.length > 0 && (
        <table className="kv-table diff-table">
          <caption>Headers</caption>
          <thead>
            <tr>
              <th scope="col">Header</th>
              <th scope="col">Original</th>
              <th scope="col">Replay</th>
            </tr>
          </thead>
          <tbody>
            {headerRows.map((h) => (
              <tr key={`${h.kind}-${h.name}`} className={`diff-${h.kind}`}>
                <th scope="row">
                  {h.name} <span className="muted small">({h.kind})</span>
                </th>
                <td>{h.from}</td>
                <td>{h.to}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {diff.body.changes.length > 0 && (
        <table className="kv-table diff-table">
          <caption>{diff.body.kind === 'json' ? 'Body fields' : 'Body lines'}</caption>
          <thead>
            <tr>
              <th scope="col">{diff.body.kind === 'json' ? 'Field' : 'Line'}</th>
              <th scope="col">Original</th>
              <th scope="col">Replay</th>
            </tr>
          </thead>
          <tbody>
            {diff.body.changes.map((c) => (
              <tr
                key={c.path}
                className={
                  c.from === undefined ? 'diff-added' : c.to === undefined ? 'diff-removed' : 'diff-changed'
                }
              >
                <th scope="row">
                  <code>{c.path}</code>
                </th>
                <td>{c.from ?? '—'}</td>
                <td>{c.to ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {diff.body.note && <p className="muted small">{diff.body.note}</p>}
      <details>
        <summary>Replay response body{replay.truncated ? ' (cut at 64 KiB)' : ''}</summary>
        <pre className="code-block">{replay.body}</pre>
      </details>
    </section>
  )
}
