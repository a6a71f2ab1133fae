// FluxGate's middleware endpoints. An instance id (mw_…) names one middleware instance — its type and
// config — wherever it is attached: attaching it to another route shares it, and detach and get accept
// the same id. A type name (jwt-auth, rate-limit, cors) makes a new instance on attach.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { GatewayCore } from '../../../core.ts'
import type { GatewayError } from '../../../errors.ts'
import type { RouteConfig } from '../../../model/index.ts'
import {
  type FluxMiddleware,
  MIDDLEWARE_FIELDS,
  MIDDLEWARE_TYPES,
  type MiddlewareType,
  parseMiddleware,
} from './input.ts'
import { invalid } from './errors.ts'
import { foreignMiddleware, foreignRoutes } from './foreign-routes.ts'
import {
  BASE,
  type FluxRouteRecord,
  fluxRoutes,
  instanceIdOf,
  middlewareIdFor,
  restoreSecrets,
  writeAnswer,
} from './mapping.ts'

export interface MiddlewareDeps {
  core: GatewayCore
  /** Changes a FluxGate route's middleware list (404 for an unknown route, refused for a read-only one). */
  setMiddleware(
    routeId: string,
    change: (list: FluxMiddleware[], cfg: RouteConfig) => FluxMiddleware[],
  ): Promise<FluxRouteRecord>
  notFound(what: string, id: string): GatewayError
}

const isType = (ref: string): ref is MiddlewareType => (MIDDLEWARE_TYPES as readonly string[]).includes(ref)

interface Instance {
  id: string
  m: FluxMiddleware
  cfg: RouteConfig
  routeIds: string[]
  /** On a route another source owns (its policy shown as FluxGate middleware). */
  readOnly: boolean
}

/** Every attached instance, once each, with the routes it is attached to (in route order). */
function instances(core: GatewayCore): Map<string, Instance> {
  const out = new Map<string, Instance>()
  for (const { cfg, rec } of fluxRoutes(core.manual.routes()))
    for (const m of rec.middleware) {
      const id = instanceIdOf(rec.id, m)
      const seen = out.get(id)
      if (seen) seen.routeIds.push(rec.id)
      else out.set(id, { id, m, cfg, routeIds: [rec.id], readOnly: false })
    }
  for (const spec of foreignRoutes(core))
    for (const m of foreignMiddleware(spec.config)) {
      const id = middlewareIdFor(spec.id, m.type)
      out.set(id, { id, m, cfg: spec.config, routeIds: [spec.id], readOnly: true })
    }
  return out
}

function instanceView(i: Instance) {
  return {
    id: i.id,
    type: i.m.type,
    config: i.m.config,
    route_id: i.routeIds[0],
    route_ids: i.routeIds,
    read_only: i.readOnly,
    links: { self: `${BASE}/middleware/${i.id}`, route: `${BASE}/routes/${i.routeIds[0]}` },
  }
}

function typeView(type: MiddlewareType, attached: readonly Instance[]) {
  return {
    id: type,
    type,
    config_fields: MIDDLEWARE_FIELDS[type],
    instances: attached.filter((i) => i.m.type === type).map((i) => i.id),
    links: { self: `${BASE}/middleware/${type}`, attach: `${BASE}/middleware/${type}/attach` },
  }
}

const bodyOf = (req: FastifyRequest) =>
  typeof req.body === 'object' && req.body !== null && !Array.isArray(req.body)
    ? (req.body as Record<string, unknown>)
    : {}

export function registerMiddlewareRoutes(scope: FastifyInstance, deps: MiddlewareDeps): void {
  const { core, setMiddleware, notFound } = deps

  scope.get('/middleware', async () => {
    const all = [...instances(core).values()]
    return {
      middleware: all.map(instanceView),
      types: [...MIDDLEWARE_TYPES],
      available: MIDDLEWARE_TYPES.map((t) => typeView(t, all)),
      total: all.length,
    }
  })

  scope.get<{ Params: { id: string } }>('/middleware/:id', async (req) => {
    const ref = req.params.id
    if (isType(ref)) return typeView(ref, [...instances(core).values()])
    const found = instances(core).get(ref)
    if (!found) throw notFound('middleware', ref)
    return instanceView(found)
  })

  /** The instance attach adds: a shared one for an instance id, a new one for a type name. */
  function resolve(ref: string, body: Record<string, unknown>): FluxMiddleware {
    if (isType(ref)) return parseMiddleware({ type: ref, config: body.config }, 'body')
    const found = instances(core).get(ref)
    if (!found) throw notFound('middleware', ref)
    if (body.config !== undefined)
      throw invalid(
        'config',
        `instance ${ref} keeps its config; attach the type (POST ${BASE}/middleware/${found.m.type}/attach) for a new one`,
      )
    // A copy of another source's policy is a new instance; its secret is not ours to copy.
    if (found.readOnly) {
      if (found.m.config.secret !== undefined)
        throw invalid(
          'config',
          `instance ${ref} has a secret that is not shown here; attach ${found.m.type} with its config`,
        )
      return parseMiddleware(found.m, 'body')
    }
    return { ...restoreSecrets(found.m, found.cfg), id: ref }
  }

  const answer = (rec: FluxRouteRecord, id: string, type: MiddlewareType, status: string) => ({
    id,
    type,
    route_id: rec.id,
    status,
    route: writeAnswer(core, rec),
  })

  scope.post<{ Params: { id: string } }>('/middleware/:id/attach', async (req) => {
    const body = bodyOf(req)
    if (typeof body.route_id !== 'string') throw invalid('route_id', 'is required')
    const m = resolve(req.params.id, body)
    // One instance of a type per route: attaching replaces the route's current one.
    const rec = await setMiddleware(body.route_id, (list) => [...list.filter((x) => x.type !== m.type), m])
    return answer(rec, instanceIdOf(rec.id, m), m.type, 'attached')
  })

  scope.delete<{ Params: { id: string } }>('/middleware/:id/detach', async (req) => {
    const ref = req.params.id
    const q = (req.query as Record<string, unknown>).route_id
    const b = bodyOf(req).route_id
    const given = typeof b === 'string' ? b : typeof q === 'string' ? q : undefined
    const found = isType(ref) ? undefined : instances(core).get(ref)
    if (!isType(ref) && !found) throw notFound('middleware', ref)
    const routeId = given ?? found?.routeIds[0]
    if (routeId === undefined) throw invalid('route_id', 'is required')
    const matches = (x: FluxMiddleware, rtId: string) =>
      isType(ref) ? x.type === ref : instanceIdOf(rtId, x) === ref
    let removed: FluxMiddleware | undefined
    const rec = await setMiddleware(routeId, (list) => {
      removed = list.find((x) => matches(x, routeId))
      if (!removed) throw notFound('middleware', `${ref} on route ${routeId}`)
      return list.filter((x) => x !== removed)
    })
    const m = removed as FluxMiddleware
    return answer(rec, instanceIdOf(rec.id, m), m.type, 'detached')
  })
}
