import { useState } from 'react'
import { Toast } from '../components/toast.tsx'
import { actionError } from '../api/client.ts'
import { useDeregisterService, useRefreshDiscovery } from '../api/mutations.ts'
import { useServices } from '../api/queries.ts'
import type { ServiceInfo } from '../api/types.ts'
import { Badge, HealthBadge } from '../components/badges.tsx'
import { Dialog } from '../components/dialog.tsx'
import { CodeLine, EmptyState, queryGate } from '../components/states.tsx'
import { formatAgo } from '../lib/format.ts'
import type { RUN_METADATA } from '../../../gateway/model/metadata-keys.ts'

/** The metadata keys `sallyport run` registers with; typed by the gateway's, so they cannot drift. */
const RUN: typeof RUN_METADATA = { by: 'run.by', pid: 'run.pid', command: 'run.command', cwd: 'run.cwd' }

/** `sallyport run` registered it: which process serves it, and the command that started it. */
function RunBy({ metadata }: { metadata: Record<string, string> | undefined }) {
  if (metadata?.[RUN.by] !== 'sallyport') return null
  const pid = metadata[RUN.pid]
  const command = metadata[RUN.command]
  const cwd = metadata[RUN.cwd]
  // Under the address it serves, no wider than it, so the table still fits 800 px.
  return (
    <div className="muted small">
      <Badge tone="info" {...(command ? { title: `${command}${cwd ? ` in ${cwd}` : ''}` } : {})}>
        run by sallyport
      </Badge>{' '}
      {pid && <span>PID {pid}</span>}
    </div>
  )
}

function Tags({ values, label }: { values: string[] | undefined; label: string }) {
  if (!values || values.length === 0) return <span className="muted">—</span>
  return (
    <ul className="tag-list" aria-label={label}>
      {values.map((v) => (
        <li key={v}>{v}</li>
      ))}
    </ul>
  )
}

export default function ServicesPage() {
  const services = useServices()
  const refresh = useRefreshDiscovery()
  const deregister = useDeregisterService()
  const [message, setMessage] = useState({ text: '', failed: false })
  const [confirm, setConfirm] = useState<ServiceInfo>()

  const data = services.data
  return (
    <>
      <div className="page-header">
        <div>
          <h1>Services</h1>
          <p className="subtitle">
            Services found on the network (mDNS/FARP) or registered by push, and the routes they bring.
          </p>
        </div>
        <button
          type="button"
          className="button"
          disabled={refresh.isPending}
          onClick={() =>
            refresh.mutate(undefined, {
              onSuccess: () => setMessage({ text: 'Discovery refreshed', failed: false }),
              onError: (error) =>
                setMessage({
                  text: `Refresh failed: ${actionError(error, 'Discovery refresh', 'POST api/discovery/refresh')}`,
                  failed: true,
                }),
            })
          }
        >
          {refresh.isPending ? 'Refreshing…' : 'Refresh'}
        </button>
      </div>
      <Toast
        message={message.text}
        failed={message.failed}
        onDone={() => setMessage({ text: '', failed: false })}
      />
      {queryGate(services, 'services', {
        feature: 'Service discovery',
        endpoint: 'GET api/discovery/services',
      })}
      {data && data.length === 0 && (
        <EmptyState title="No services yet">
          <p>Run your dev server through Sallyport, which gives it a port and routes to it while it runs:</p>
          <CodeLine>npx sallyport run -- npm run dev</CodeLine>
          <p>Or start your service, then announce it from its folder so Sallyport routes to it:</p>
          <CodeLine>npx sallyport announce --name svc --port 3000</CodeLine>
          <p>
            Services that advertise themselves over mDNS (FARP) appear here by themselves, unless the gateway
            runs with <code>--no-discovery</code>. Services can also push-register with{' '}
            <code>POST /gateway/api/discovery/register</code>.
          </p>
        </EmptyState>
      )}
      {data && data.length > 0 && (
        <div className="table-scroll">
          <table className="data-table wrap">
            <caption className="visually-hidden">Discovered and registered services</caption>
            <thead>
              <tr>
                <th scope="col">Service</th>
                <th scope="col">Address</th>
                <th scope="col">Health</th>
                <th scope="col">Protocols, capabilities</th>
                <th scope="col" className="num">
                  Routes
                </th>
                <th scope="col">Metadata</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {data.map((service) => (
                <tr key={service.name}>
                  <td>
                    <strong>{service.name}</strong>
                    {service.version && <span className="muted small"> v{service.version}</span>}
                    <div className="muted small">
                      {service.source && <Badge tone="muted">{service.source}</Badge>} seen{' '}
                      {formatAgo(service.discoveredAt)}
                    </div>
                  </td>
                  <td>
                    <code>
                      {service.address ?? '?'}
                      {service.port !== undefined ? `:${service.port}` : ''}
                    </code>
                    <RunBy metadata={service.metadata} />
                  </td>
                  <td>
                    {service.healthy === undefined ? (
                      <span className="muted">unknown</span>
                    ) : (
                      <HealthBadge healthy={service.healthy} />
                    )}
                  </td>
                  {/* one column for both keeps the table inside 800 px */}
                  <td>
                    <Tags
                      values={[...(service.protocols ?? []), ...(service.schemaTypes ?? [])]}
                      label={`${service.name} protocols`}
                    />
                    {service.capabilities && service.capabilities.length > 0 && (
                      <Tags values={service.capabilities} label={`${service.name} capabilities`} />
                    )}
                  </td>
                  <td className="num">{service.routeCount ?? '—'}</td>
                  <td>
                    {service.metadata && Object.keys(service.metadata).length > 0 ? (
                      <details>
                        <summary>
                          {Object.keys(service.metadata).length === 1
                            ? '1 entry'
                            : `${Object.keys(service.metadata).length} entries`}
                        </summary>
                        <dl className="kv">
                          {Object.entries(service.metadata).map(([k, v]) => (
                            <div key={k}>
                              <dt>{k}</dt>
                              <dd>{v}</dd>
                            </div>
                          ))}
                        </dl>
                      </details>
                    ) : (
                      <span className="muted">—</span>
                    )}
                  </td>
                  <td>
                    <button
                      type="button"
                      className="button ghost small danger"
                      aria-label={`Deregister ${service.name}`}
                      onClick={() => setConfirm(service)}
                    >
                      Deregister
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {confirm && (
        <Dialog title="Deregister service?" onClose={() => setConfirm(undefined)}>
          <p>
            Remove <strong>{confirm.name}</strong> and its routes? A service that still announces itself will
            be discovered again.
          </p>
          {deregister.isError && (
            <p className="field-error" role="alert">
              {actionError(deregister.error, 'Deregistering services', 'DELETE api/discovery/services/:name')}
            </p>
          )}
          <div className="form-actions">
            <button type="button" className="button ghost" onClick={() => setConfirm(undefined)}>
              Cancel
            </button>
            <button
              type="button"
              className="button danger-solid"
              disabled={deregister.isPending}
              onClick={() =>
                deregister.mutate(confirm.name, {
                  onSuccess: () => {
                    setMessage({ text: `${confirm.name} deregistered`, failed: false })
                    setConfirm(undefined)
                  },
                })
              }
            >
              Deregister
            </button>
          </div>
        </Dialog>
      )}
    </>
  )
}
