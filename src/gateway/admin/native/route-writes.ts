// Write side of the native (bastion) API: create, update, delete, enable, disable. Every write goes
// through the manual store, is checked completely before anything changes, and is answered only once
// the new route table is live.
import type { FastifyInstance } from 'fastify'
import { assertServable } from '../../config/route-check.ts'
import type { ManualState } from '../../config/providers/manual-store.ts'
import type { Snapshot } from '../../config/snapshot.ts'
import { checkRouteInput, formatPath } from '../../config/validate.ts'
import type { GatewayCore } from '../../core.ts'
import { GatewayError } from '../../errors.ts'
import { type RouteConfig, type RouteInput, routeId } from '../../model/index.ts'
import { routeView } from '../views.ts'
import { REDACTED } from './redact.ts'
import { routeIdOf, splitAction } from './route-ref.ts'

/** Validates a POST/PUT body with the RouteInput schema: one sentence naming the first bad field. */
export function parseRouteInput(body: unknown): RouteInput {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new GatewayError('SP_ERR_ADMIN_BAD_BODY', 'request body must be a JSON object')
  const first = checkRouteInput(body)[0]
  if (first) {
    const field = formatPath(first.path)
    throw new GatewayError('SP_ERR_ROUTE_INVALID', field ? `${field}: ${first.message}` : first.message, {
      field,
    })
  }
  return body as RouteInput
}

/**
 * An edit starts from what GET gave, where secrets read "[redacted]": each such value is the stored one
 * again (a JWT secret survives an edit of the timeout). Any other value replaces it.
 */
export function keepRedacted<T>(input: T, stored: unknown): T {
  if (input === REDACTED && typeof stored === 'string') return stored as T
  if (!input || typeof input !== 'object' || !stored || typeof stored !== 'object') return input
  if (Array.isArray(input))
    return input.map((v, i) => keepRedacted(v, Array.isArray(stored) ? stored[i] : undefined)) as T
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(input)) out[k] = keepRedacted(v, (stored as Record<string, unknown>)[k])
  return out as T
}

/** `/products` under the route prefix `/api` → `/api/products` (regex paths are taken as given). */
function publicPath(input: RouteInput, prefix: string): string {
  if (input.pathType === 'regex') return input.path
  const given = input.path.startsWith('/') ? input.path : `/${input.path}`
  if (given === '/') return prefix || '/'
  return prefix + given
}

function givenPath(input: RouteInput): string {
  return input.path.startsWith('/') || input.pathType === 'regex' ? input.path : `/${input.path}`
}

/**
 * The whole route as the store keeps it; refused (400) when the gateway could not serve it. One clock
 * reading per write: a new route's createdAt and updatedAt are the same instant (reading the clock twice
 * could straddle a millisecond).
 */
function manualRoute(
  core: GatewayCore,
  id: string,
  input: RouteInput,
  now: string,
  createdAt: string = now,
): RouteConfig {
  const settings = core.watcher.current.settings
  const cfg: RouteConfig = {
    id,
    ...input,
    path: publicPath(input, settings.routePrefix),
    createdAt,
    updatedAt: now,
  }
  assertServable(cfg, settings, { id })
  return cfg
}

function liveView(core: GatewayCore, snap: Snapshot, id: string) {
  const spec = snap.routes.find((r) => r.id === id)
  if (!spec) throw new GatewayError('SP_ERR_ROUTE_NOT_FOUND', `route ${id} did not become live`)
  return routeView(spec, core)
}

export function registerRouteWrites(app: FastifyInstance, core: GatewayCore): void {
  const live = (id: string) => core.watcher.current.routes.find((r) => r.id === id)
  const isManual = (state: ManualState, id: string) => state.routes.some((r) => r.id === id)

  app.post('/api/routes', async (req, reply) => {
    const input = parseRouteInput(req.body)
    const id = routeId('manual', givenPath(input))
    const snap = await core.manual.updateState((state) => {
      if (isManual(state, id) || live(id)) throw new GatewayError('SP_ERR_ROUTE_EXISTS')
      const cfg = manualRoute(core, id, input, new Date().toISOString())
      return { ...state, routes: [...state.routes, cfg] }
    })
    return reply.code(201).send(liveView(core, snap, id))
  })

  app.put('/api/routes/*', async (req) => {
    const id = routeIdOf(req, core)
    const input = parseRouteInput(req.body)
    const snap = await core.manual.updateState((state) => {
      const existing = state.routes.find((r) => r.id === id)
      if (!existing) {
        if (live(id)) throw new GatewayError('SP_ERR_ROUTE_READ_ONLY', 'cannot update auto-discovered routes')
        throw new GatewayError('SP_ERR_ROUTE_NOT_FOUND')
      }
      const now = new Date().toISOString()
      const cfg = manualRoute(core, id, keepRedacted(input, existing), now, existing.createdAt ?? now)
      return { ...state, routes: state.routes.map((r) => (r.id === id ? cfg : r)) }
    })
    return liveView(core, snap, id)
  })

  app.delete('/api/routes/*', async (req) => {
    const id = routeIdOf(req, core)
    await core.manual.updateState((state) => {
      if (!isManual(state, id)) {
        if (live(id)) throw new GatewayError('SP_ERR_ROUTE_READ_ONLY', 'cannot delete auto-discovered routes')
        throw new GatewayError('SP_ERR_ROUTE_NOT_FOUND')
      }
      return { ...state, routes: state.routes.filter((r) => r.id !== id) }
    })
    return { status: 'deleted' }
  })

  app.post('/api/routes/*', async (req) => {
    const ref = splitAction(routeIdOf(req, core))
    if (!ref) throw new GatewayError('SP_ERR_ADMIN_NOT_FOUND')
    const { id, action } = ref
    const enabled = action === 'enable'
    await core.manual.updateState((state) => {
      const now = new Date().toISOString()
      if (isManual(state, id)) {
        const routes = state.routes.map((r) => (r.id === id ? { ...r, enabled, updatedAt: now } : r))
        return { ...state, routes }
      }
      if (!live(id)) throw new GatewayError('SP_ERR_ROUTE_NOT_FOUND')
      return { ...state, overrides: { ...state.overrides, [id]: enabled } }
    })
    return { status: enabled ? 'enabled' : 'disabled' }
  })
}
