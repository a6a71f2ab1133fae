import { useDeferredValue, useMemo, useState } from 'react'
import { actionError } from '../api/client.ts'
import { useDeleteRoute, useToggleRoute } from '../api/mutations.ts'
import { useEffectiveConfig, useRoutes } from '../api/queries.ts'
import { useRoutesSummary } from '../api/route-detail-queries.ts'
import type { RouteSource, RouteView } from '../api/types.ts'
import { routeHealthRank } from '../components/badges.tsx'
import { compareBy, DataTable, type SortState } from '../components/data-table.tsx'
import { Dialog } from '../components/dialog.tsx'
import { CodeLine, EmptyState, queryGate } from '../components/states.tsx'
import { Toast } from '../components/toast.tsx'
import { formatCount } from '../lib/format.ts'
import { hrefFor, type PageProps } from '../lib/hash-route.ts'
import { RouteDetailView } from './route-detail.tsx'
import { EditRoute } from './route-edit-dialog.tsx'
import { givenPath, RouteForm } from './route-form.tsx'
import { routeColumns } from './routes-columns.tsx'
import { useNarrow } from '../lib/use-narrow.ts'
import './routes.css'

const SOURCES: RouteSource[] = ['manual', 'config', 'farp', 'discovery']
const PROTOCOLS = ['http', 'websocket', 'sse', 'grpc', 'graphql']

function routePrefixFrom(routes: RouteView[] | undefined, config: unknown): string {
  const manual = routes?.find((r) => r.source === 'manual' && r.path.endsWith(givenPath(r)))
  if (manual) return manual.path.slice(0, manual.path.length - givenPath(manual).length)
  const prefix = (config as { routePrefix?: unknown } | undefined)?.routePrefix
  return typeof prefix === 'string' ? prefix : '/api'
}

type Editing = { mode: 'create' } | { mode: 'edit'; route: RouteView } | { mode: 'delete'; route: RouteView }

export default function RoutesPage({ params }: PageProps) {
  const detailId = params.get('id')
  return <RoutesView detailId={detailId} params={params} />
}

function RoutesView({ detailId, params }: PageProps & { detailId: string | null }) {
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
  const [sort, setSort] = useState<SortState | undefined>()
  const summary = useRoutesSummary()
  const narrow = useNarrow()

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

  const sorted = useMemo(() => {
    if (!sort) return filtered
    // Health: "descending" (the first click) puts the worst first.
    const value =
      sort.column === 'health'
        ? (r: RouteView) => 2 - routeHealthRank(r)
        : sort.column === 'source'
          ? (r: RouteView) => r.source
          : (r: RouteView) => r.path
    return [...filtered].sort(compareBy(value, sort.direction))
  }, [filtered, sort])

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

  const columns = routeColumns({
    summary: summary.data,
    switching: toggle.isPending ? toggle.variables?.id : undefined,
    onToggle,
    onEdit: (route) => setEditing({ mode: 'edit', route }),
    onDelete: (route) => setEditing({ mode: 'delete', route }),
  })

  const gate = queryGate(routes, 'routes')
  const hasReadOnly = all?.some((r) => r.source !== 'manual')

  const list = (
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
              Routes from the config file, FARP or discovery are read-only here; you can still switch them off
              for a while. Open a route for its targets, policies, latency and who defined it.
            </p>
          )}
          {filtered.length === 0 ? (
            <p className="empty-inline">No route matches these filters.</p>
          ) : (
            <DataTable
              label="Routes"
              className="routes-table"
              rows={sorted}
              columns={columns}
              rowKey={(r) => r.id}
              rowHeight={narrow ? 96 : 64}
              {...(sort ? { sort } : {})}
              onSort={setSort}
              onRowClick={(r) => {
                window.location.hash = hrefFor('routes', { id: r.id })
              }}
              rowClassName={(r) => (r.enabled ? undefined : 'row-disabled')}
            />
          )}
        </>
      )}
    </>
  )

  return (
    <>
      {detailId ? (
        <RouteDetailView id={detailId} onEdit={(route) => setEditing({ mode: 'edit', route })} />
      ) : (
        list
      )}
      <Toast message={notice} onDone={() => setNotice('')} />

      {editing?.mode === 'create' && (
        <Dialog title="New route" onClose={() => setEditing(undefined)} wide>
          <RouteForm
            routePrefix={routePrefix}
            onCancel={() => setEditing(undefined)}
            onDone={(_saved, message) => {
              setEditing(undefined)
              setNotice(message)
            }}
          />
        </Dialog>
      )}
      {editing?.mode === 'edit' && (
        <EditRoute
          route={editing.route}
          routePrefix={routePrefix}
          onClose={() => setEditing(undefined)}
          onDone={(message) => {
            setEditing(undefined)
            setNotice(message)
          }}
        />
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
