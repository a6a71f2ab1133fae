import { useDeferredValue, useMemo, useState } from 'react'
import { actionError } from '../api/client.ts'
import { useDeleteRoute, useToggleRoute } from '../api/mutations.ts'
import { useEffectiveConfig, useRoutes } from '../api/queries.ts'
import type { RouteSource, RouteView } from '../api/types.ts'
import { Badge, RouteHealth } from '../components/badges.tsx'
import { type Column, DataTable } from '../components/data-table.tsx'
import { Dialog } from '../components/dialog.tsx'
import { Switch } from '../components/switch.tsx'
import { CodeLine, EmptyState, queryGate } from '../components/states.tsx'
import { formatCount } from '../lib/format.ts'
import type { PageProps } from '../lib/hash-route.ts'
import { givenPath, RouteForm } from './route-form.tsx'

const SOURCES: RouteSource[] = ['manual', 'config', 'farp', 'discovery']
const PROTOCOLS = ['http', 'websocket', 'sse', 'grpc', 'graphql']

/** Why a route cannot be edited here, by source. */
export const readOnlyReason: Record<Exclude<RouteSource, 'manual'>, string> = {
  config: 'Defined in the config file: edit the file and Sallyport reloads it.',
  farp: 'Announced by a service over FARP: it changes when the service re-announces.',
  discovery: 'Discovered on the network: it follows the service, and goes when the service does.',
}

function routePrefixFrom(routes: RouteView[] | undefined, config: unknown): string {
  const manual = routes?.find((r) => r.source === 'manual' && r.path.endsWith(givenPath(r)))
  if (manual) return manual.path.slice(0, manual.path.length - givenPath(manual).length)
  const prefix = (config as { routePrefix?: unknown } | undefined)?.routePrefix
  return typeof prefix === 'string' ? prefix : '/api'
}

type Editing = { mode: 'create' } | { mode: 'edit'; route: RouteView } | { mode: 'delete'; route: RouteView }

export default function RoutesPage({ params }: PageProps) {
  const routes = useRoutes()
  const config = useEffectiveConfig()
  const toggle = useToggleRoute()
  const remove = useDeleteRoute()
  const [source, setSource] = useState(params.get('source') ?? '')
  const [protocol, setProtocol] = useState(params.get('protocol') ?? '')
  const [text, setText] = useState(params.get('q') ?? '')
  const query = useDeferredValue(text.trim().toLowerCase())
  const [editing, setEditing] = useState<Editing | undefined>(
    params.get('new') ? { mode: 'create' } : undefined,
  )
  const [notice, setNotice] = useState('')
  const [toggleError, setToggleError] = useState('')

  const all = routes.data
  const filtered = useMemo(() => {
    if (!all) return []
    return all.filter((route) => {
      if (source && route.source !== source) return false
      if (protocol && route.protocol !== protocol) return false
      if (!query) return true
      return (
        route.path.toLowerCase().includes(query) ||
        route.id.toLowerCase().includes(query) ||
        (route.serviceName ?? '').toLowerCase().includes(query) ||
        route.targets.some((t) => t.url.toLowerCase().includes(query))
      )
    })
  }, [all, source, protocol, query])

  const routePrefix = routePrefixFrom(all, (config.data?.config as unknown) ?? undefined)

  const onToggle = (route: RouteView, enabled: boolean) => {
    setToggleError('')
    toggle.mutate(
      { id: route.id, enabled },
      {
        onSuccess: () =>
          setNotice(
            `${route.path} ${enabled ? 'enabled: it serves traffic again' : 'disabled: it now answers 404'}`,
          ),
        onError: (error) =>
          setToggleError(
            `Could not ${enabled ? 'enable' : 'disable'} ${route.path}: ${actionError(error, 'Switching routes on and off', `POST api/routes/:id/${enabled ? 'enable' : 'disable'}`)}`,
          ),
      },
    )
  }

  const columns: Column<RouteView>[] = [
    {
      id: 'path',
      header: 'Path',
      width: '26%',
      cell: (route) => (
        <span className="cell-main" title={route.id}>
          <code>{route.path}</code>
          {route.methods.length > 0 && <span className="muted small"> {route.methods.join(' ')}</span>}
        </span>
      ),
    },
    {
      id: 'source',
      header: 'Source',
      width: '9%',
      cell: (route) => <Badge tone={route.source === 'manual' ? 'info' : 'muted'}>{route.source}</Badge>,
    },
    { id: 'protocol', header: 'Protocol', width: '9%', cell: (route) => route.protocol },
    {
      id: 'targets',
      header: 'Targets',
      width: '24%',
      cell: (route) => (
        <span
          className="cell-main"
          title={route.targets.map((t) => `${t.url} (weight ${t.weight})`).join('\n')}
        >
          {route.targets[0]?.url ?? '—'}
          {route.targets.length > 1 && <span className="muted"> +{route.targets.length - 1}</span>}
        </span>
      ),
    },
    { id: 'health', header: 'Health', width: '11%', cell: (route) => <RouteHealth route={route} /> },
    {
      id: 'enabled',
      header: 'Enabled',
      width: '8%',
      cell: (route) => (
        <Switch
          checked={route.enabled}
          label={`Enable route ${route.path}`}
          disabled={toggle.isPending && toggle.variables?.id === route.id}
          onChange={(enabled) => onToggle(route, enabled)}
        />
      ),
    },
    {
      id: 'actions',
      header: 'Actions',
      width: '13%',
      cell: (route) =>
        route.source === 'manual' ? (
          <span className="actions">
            <button
              type="button"
              className="button ghost small"
              aria-label={`Edit route ${route.path}`}
              onClick={() => setEditing({ mode: 'edit', route })}
            >
              Edit
            </button>
            <button
              type="button"
              className="button ghost small danger"
              aria-label={`Delete route ${route.path}`}
              onClick={() => setEditing({ mode: 'delete', route })}
            >
              Delete
            </button>
          </span>
        ) : (
          <span className="muted small" title={readOnlyReason[route.source]}>
            Read-only · {route.source === 'config' ? 'config file' : route.source}
          </span>
        ),
    },
  ]

  const gate = queryGate(routes, 'routes')
  const hasReadOnly = all?.some((r) => r.source !== 'manual')

  return (
    <>
      <div className="page-header">
        <div>
          <h1>Routes</h1>
          <p className="subtitle">
            Each route sends <code>{routePrefix}/…</code> paths to one or more targets. Switch one off and it
            answers 404 at once.
          </p>
        </div>
        <button type="button" className="button primary" onClick={() => setEditing({ mode: 'create' })}>
          New route
        </button>
      </div>

      <p className={notice ? 'notice' : 'visually-hidden'} role="status">
        {notice}
      </p>
      {toggleError && (
        <p className="error-box" role="alert">
          {toggleError}
        </p>
      )}

      {gate}
      {all && all.length === 0 && (
        <EmptyState title="No routes yet">
          <p>
            A route maps a path to a local service: create one with <strong>New route</strong> (path{' '}
            <code>/users</code>, target <code>http://127.0.0.1:3000</code>) and call{' '}
            <code>{routePrefix}/users</code> on this gateway. You can also list routes under{' '}
            <code>routes:</code> in your config file, or let a service announce itself:
          </p>
          <CodeLine>npx sallyport announce --name svc --port 3000</CodeLine>
        </EmptyState>
      )}

      {all && all.length > 0 && (
        <>
          <search className="filters" aria-label="Filter routes">
            <label>
              Source
              <select value={source} onChange={(e) => setSource(e.target.value)}>
                <option value="">All sources</option>
                {SOURCES.map((s) => (
                  <option key={s}>{s}</option>
                ))}
              </select>
            </label>
            <label>
              Protocol
              <select value={protocol} onChange={(e) => setProtocol(e.target.value)}>
                <option value="">All protocols</option>
                {PROTOCOLS.map((p) => (
                  <option key={p}>{p}</option>
                ))}
              </select>
            </label>
            <label className="grow">
              Search
              <input
                type="search"
                value={text}
                placeholder="path, target or service"
                onChange={(e) => setText(e.target.value)}
              />
            </label>
            <span className="muted small" role="status" data-testid="route-count">
              {filtered.length === all.length
                ? `${formatCount(all.length)} routes`
                : `${formatCount(filtered.length)} of ${formatCount(all.length)} routes`}
            </span>
          </search>
          {hasReadOnly && (
            <p className="hint">
              Routes from the config file, FARP or discovery are read-only here (hover “Read-only” for why);
              you can still switch them off for a while.
            </p>
          )}
          {filtered.length === 0 ? (
            <p className="empty-inline">No route matches these filters.</p>
          ) : (
            <DataTable
              label="Routes"
              rows={filtered}
              columns={columns}
              rowKey={(r) => r.id}
              rowClassName={(r) => (r.enabled ? undefined : 'row-disabled')}
            />
          )}
        </>
      )}

      {(editing?.mode === 'create' || editing?.mode === 'edit') && (
        <Dialog
          title={editing.mode === 'edit' ? `Edit ${editing.route.path}` : 'New route'}
          onClose={() => setEditing(undefined)}
          wide
        >
          <RouteForm
            {...(editing.mode === 'edit' ? { route: editing.route } : {})}
            routePrefix={routePrefix}
            onCancel={() => setEditing(undefined)}
            onDone={(_saved, message) => {
              setEditing(undefined)
              setNotice(message)
            }}
          />
        </Dialog>
      )}
      {editing?.mode === 'delete' && (
        <Dialog title="Delete route?" onClose={() => setEditing(undefined)}>
          <p>
            Delete <code>{editing.route.path}</code>? Requests to it will get 404 at once. This cannot be
            undone.
          </p>
          {remove.isError && (
            <p className="field-error" role="alert">
              {actionError(remove.error, 'Deleting routes', 'DELETE api/routes/:id')}
            </p>
          )}
          <div className="form-actions">
            <button type="button" className="button ghost" onClick={() => setEditing(undefined)}>
              Cancel
            </button>
            <button
              type="button"
              className="button danger-solid"
              disabled={remove.isPending}
              onClick={() =>
                remove.mutate(editing.route.id, {
                  onSuccess: () => {
                    setNotice(`Route ${editing.route.path} deleted`)
                    setEditing(undefined)
                  },
                })
              }
            >
              {remove.isPending ? 'Deleting…' : 'Delete route'}
            </button>
          </div>
        </Dialog>
      )}
    </>
  )
}
