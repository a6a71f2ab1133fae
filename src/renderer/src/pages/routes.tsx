import { useDeferredValue, useMemo, useState, useSyncExternalStore } from 'react'
import { actionError, errorText } from '../api/client.ts'
import { useDeleteRoute, useToggleRoute } from '../api/mutations.ts'
import { useEffectiveConfig, useRoutes } from '../api/queries.ts'
import {
  type RouteRank,
  type RoutesSummary,
  useRouteDetail,
  useRoutesSummary,
} from '../api/route-detail-queries.ts'
import type { RouteSource, RouteView } from '../api/types.ts'
import { Badge, PolicyBadges, RouteHealth, routeHealthRank } from '../components/badges.tsx'
import { type Column, compareBy, DataTable, type SortState } from '../components/data-table.tsx'
import { Dialog } from '../components/dialog.tsx'
import { Switch } from '../components/switch.tsx'
import { CodeLine, EmptyState, queryGate } from '../components/states.tsx'
import { Toast } from '../components/toast.tsx'
import { formatCount } from '../lib/format.ts'
import { hrefFor, type PageProps } from '../lib/hash-route.ts'
import { rankOwner, readOnlyShort } from '../lib/route-source.ts'
import { RouteDetailView } from './route-detail.tsx'
import { givenPath, RouteForm } from './route-form.tsx'
import './routes.css'

const SOURCES: RouteSource[] = ['manual', 'config', 'farp', 'discovery']
const PROTOCOLS = ['http', 'websocket', 'sse', 'grpc', 'graphql']

/** Narrow windows stack more into each row: the virtual table needs the row height it will get. */
const NARROW = '(max-width: 1100px)'
const subscribeNarrow = (onChange: () => void) => {
  const query = window.matchMedia(NARROW)
  query.addEventListener('change', onChange)
  return () => query.removeEventListener('change', onChange)
}
const isNarrow = () => window.matchMedia(NARROW).matches

/** "outranked by /catalog/* (pushed service catalog)". */
function outrankedText(winner: RouteRank, summary: RoutesSummary | undefined): string {
  return `outranked by ${winner.path} (${rankOwner(winner, summary?.routes[winner.id]?.definedBy)})`
}

type Facts = RoutesSummary['routes'][string]

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
  const factsOf = (route: RouteView): Facts | undefined => summary.data?.routes[route.id]
  const narrow = useSyncExternalStore(subscribeNarrow, isNarrow, isNarrow)

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

  const columns: Column<RouteView>[] = [
    {
      id: 'path',
      header: 'Path',
      className: 'col-path',
      sortable: true,
      cell: (route) => {
        const facts = factsOf(route)
        const winner = facts?.outrankedBy[0]
        return (
          <div className="cell-stack">
            <span>
              <a href={hrefFor('routes', { id: route.id })} title={`Open ${route.id}`}>
                <code>{route.path}</code>
              </a>
              {route.methods.length > 0 && <span className="muted small"> {route.methods.join(' ')}</span>}
              {route.hosts && <span className="muted small"> on {route.hosts.join(', ')}</span>}
            </span>
            {facts && <PolicyBadges names={facts.policies} />}
            {winner && (
              <span className="outranked-flag small" data-testid="outranked-flag">
                ⚠ {outrankedText(winner, summary.data)}
              </span>
            )}
          </div>
        )
      },
    },
    {
      id: 'source',
      header: 'Source',
      className: 'col-source',
      sortable: true,
      cell: (route) => (
        <div className="cell-stack">
          <Badge tone={route.source === 'manual' ? 'info' : 'muted'}>{route.source}</Badge>
          <span className="muted small">{route.protocol}</span>
        </div>
      ),
    },
    {
      id: 'targets',
      header: 'Targets',
      className: 'col-targets',
      cell: (route) => (
        <ul className="target-list">
          {route.targets.slice(0, 2).map((t) => (
            <li key={t.id}>
              {t.url}
              {route.targets.length > 1 && <span className="muted small"> ×{t.weight}</span>}
            </li>
          ))}
          {route.targets.length > 2 && <li className="muted small">+{route.targets.length - 2} more</li>}
          {route.targets.length === 0 && <li>—</li>}
        </ul>
      ),
    },
    {
      id: 'health',
      header: 'Health',
      className: 'col-health',
      sortable: true,
      cell: (route) => <RouteHealth route={route} />,
    },
    {
      id: 'enabled',
      header: 'Enabled',
      className: 'col-enabled',
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
      className: 'col-actions',
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
          <span className="read-only small">
            <strong>Read-only:</strong> {readOnlyShort[route.source]}
          </span>
        ),
    },
  ]

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

/** The edit dialog opens once the route's whole configuration is loaded, so the save keeps all of it. */
function EditRoute(props: {
  route: RouteView
  routePrefix: string
  onClose: () => void
  onDone: (message: string) => void
}) {
  const detail = useRouteDetail(props.route.id)
  if (detail.isPending) return null
  return (
    <Dialog title={`Edit ${props.route.path}`} onClose={props.onClose} wide>
      {detail.isError && (
        <p className="error-box" role="alert">
          Could not load the route's policies ({errorText(detail.error)}): saving keeps only what this form
          shows.
        </p>
      )}
      <RouteForm
        route={props.route}
        {...(detail.data ? { config: detail.data.config } : {})}
        routePrefix={props.routePrefix}
        onCancel={props.onClose}
        onDone={(_saved, message) => props.onDone(message)}
      />
    </Dialog>
  )
}
