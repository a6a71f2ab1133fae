// Contract drift: how a service's OpenAPI document changed while the gateway watched it (newest
// first), breaking changes marked; and response violations per operation. Used by the API docs page
// (every service) and the route page (the route's service).
import type { OpenApiServiceView } from '../api/types.ts'
import { formatAgo } from '../lib/format.ts'
import { Badge } from './badges.tsx'

type Record = NonNullable<OpenApiServiceView['contractChanges']>[number]

function versions(r: Record): string {
  if (r.fromVersion && r.toVersion && r.fromVersion !== r.toVersion)
    return `${r.fromVersion} → ${r.toVersion}`
  return r.toVersion ? `version ${r.toVersion} (same version number, new content)` : 'new content'
}

function summary(r: Record): string {
  const parts = [`${r.added} added`, `${r.removed} removed`, `${r.changed} changed`]
  return `${parts.join(', ')} operation(s)`
}

export function ContractChangeList({ service }: { service: OpenApiServiceView }) {
  const records = service.contractChanges ?? []
  if (records.length === 0) return null
  return (
    <ul className="contract-changes" aria-label={`How ${service.service}'s document changed`}>
      {records.map((r, i) => (
        <li key={r.at}>
          <details open={i === 0 && r.breaking > 0}>
            <summary>
              <strong>{service.service}</strong> {versions(r)} · {formatAgo(r.at)} · {summary(r)}{' '}
              {r.breaking > 0 ? (
                <Badge tone="bad">{`${r.breaking} breaking`}</Badge>
              ) : (
                <Badge tone="ok">compatible</Badge>
              )}
            </summary>
            <ul className="contract-change-items">
              {r.changes.map((c) => (
                <li key={`${c.operation}|${c.detail}`}>
                  {c.breaking ? <Badge tone="bad">breaking</Badge> : <Badge tone="muted">compatible</Badge>}{' '}
                  <code>{c.operation}</code>{' '}
                  {c.detail.startsWith(c.operation) ? c.detail.slice(c.operation.length).trim() : c.detail}
                </li>
              ))}
              {r.truncated && <li className="muted">… more changes than listed</li>}
            </ul>
          </details>
        </li>
      ))}
    </ul>
  )
}

export function OperationViolationsTable({ service }: { service: OpenApiServiceView }) {
  const rows = service.violationsByOperation ?? []
  if (service.contractViolations === undefined) return null
  if (rows.length === 0)
    return <p className="muted">Responses are validated against the document: no violations so far.</p>
  return (
    <table className="data-table" aria-label={`Response violations of ${service.service} per operation`}>
      <thead>
        <tr>
          <th scope="col">Operation</th>
          <th scope="col">Violations</th>
          <th scope="col">Last failure</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.operation}>
            <td>
              <code>{r.operation}</code>
            </td>
            <td>{r.count}</td>
            <td>
              {r.lastMessage} <span className="muted">· {formatAgo(r.lastAt)}</span>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}

/** The route page's contract card: the route's service document, its changes and violations. */
export function RouteContract({
  routeId,
  services,
}: {
  routeId: string
  services: readonly OpenApiServiceView[]
}) {
  const service = services.find((s) => (s.routeIds ?? [s.routeId]).includes(routeId))
  if (!service) return null
  return (
    <section className="detail-card wide" aria-labelledby="contract-title">
      <h2 id="contract-title">Contract</h2>
      <p>
        OpenAPI document of <strong>{service.service}</strong>
        {service.title ? ` (${service.title})` : ''}: {service.operations} operation(s)
        {service.fetchedAt ? `, fetched ${formatAgo(service.fetchedAt)}` : ''}.
      </p>
      <OperationViolationsTable service={service} />
      {(service.contractChanges?.length ?? 0) > 0 ? (
        <ContractChangeList service={service} />
      ) : (
        <p className="muted">No change to the document since the gateway started watching it.</p>
      )}
    </section>
  )
}
