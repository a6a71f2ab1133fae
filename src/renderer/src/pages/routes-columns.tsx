// The Routes table's columns: the path (a link to the route's page) with its policies and an outranked
// flag, where it comes from, its targets, usable count, the switch, and what can be done with it.
import type { RouteRank, RoutesSummary } from '../api/route-detail-queries.ts'
import type { RouteView } from '../api/types.ts'
import { Badge, PolicyBadges, RouteHealth } from '../components/badges.tsx'
import type { Column } from '../components/data-table.tsx'
import { Switch } from '../components/switch.tsx'
import { hrefFor } from '../lib/hash-route.ts'
import { readOnlyShort } from '../lib/route-source.ts'

/** "outranked by /catalog/* (pushed service catalog)". */
function outrankedText(winner: RouteRank): string {
  return `outranked by ${winner.path} (${winner.owner ?? winner.source})`
}

interface ColumnDeps {
  summary: RoutesSummary | undefined
  /** The route whose switch is being flipped right now. */
  switching: string | undefined
  onToggle: (route: RouteView, enabled: boolean) => void
  onEdit: (route: RouteView) => void
  onDelete: (route: RouteView) => void
}

export function routeColumns({
  summary,
  switching,
  onToggle,
  onEdit,
  onDelete,
}: ColumnDeps): Column<RouteView>[] {
  return [
    {
      id: 'path',
      header: 'Path',
      className: 'col-path',
      sortable: true,
      cell: (route) => {
        const facts = summary?.routes[route.id]
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
                ⚠ {outrankedText(winner)}
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
          disabled={switching === route.id}
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
              onClick={() => onEdit(route)}
            >
              Edit
            </button>
            <button
              type="button"
              className="button ghost small danger"
              aria-label={`Delete route ${route.path}`}
              onClick={() => onDelete(route)}
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
}
