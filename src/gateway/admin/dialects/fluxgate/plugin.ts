// The FluxGate management API at /api/v2/gateway/*: an encapsulated fastify scope with its own guard
// (X-FluxGate-API-Key), quota (500 calls/min) and error format {code, message, details}.
import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify'
import { GatewayError } from '../../../errors.ts'
import type { RouteConfig } from '../../../model/index.ts'
import type { AdminDialect, DialectDeps } from '../dialect.ts'
import { checkDialectAccess } from '../dialect-guard.ts'
import { isoSeconds, updateManualRoutes } from '../manual-routes.ts'
import { createStateFile } from '../state-file.ts'
import { type FluxMiddleware, type FluxRouteInput, parseRouteInput, parseUpstreamInput } from './input.ts'
import {
  BASE,
  coreIdOf,
  type FluxRouteRecord,
  type FluxState,
  type FluxUpstream,
  fluxRoutes,
  matchKey,
  restoreSecrets,
  routeIdFor,
  routeView,
  toRouteConfig,
  upstreamIdFor,
  upstreamView,
  writeAnswer,
} from './mapping.ts'
import { foreignRoute, foreignRoutes, foreignRouteView, readOnlyRoute } from './foreign-routes.ts'
import { registerMiddlewareRoutes } from './middleware.ts'
import { createQuota } from './quota.ts'
import { notFound, sendError } from './errors.ts'

export async function registerFluxgate(app: FastifyInstance, deps: DialectDeps): Promise<void> {
  const { core, guard } = deps
  const settings = core.watcher.current.settings.dialects.fluxgate ?? {}
  if (settings.enabled === false) return
  const store = createStateFile<FluxState>(
    core.documents,
    'fluxgate-upstreams.yaml',
    () => ({ upstreams: [] }),
    'FluxGate upstream clusters created through /api/v2/gateway/upstreams.',
  )
  const quota = createQuota(settings.quotaPerMinute ?? 500)
  const apiKey = settings.apiKey

  await app.register(
    async (scope) => {
      scope.setErrorHandler((err: FastifyError, _req, reply) => sendError(reply, err))
      scope.setNotFoundHandler(async (req) => {
        throw notFound('endpoint', `${req.method} ${req.url}`)
      })
      scope.addHook('onRequest', async (req: FastifyRequest) => {
        const given = req.headers['x-fluxgate-api-key']
        const own = apiKey === undefined ? undefined : given === apiKey
        checkDialectAccess(guard, req.method, req.headers, own)
        const wait = quota.take(typeof given === 'string' ? `key:${given}` : `ip:${req.ip}`)
        if (wait > 0)
          throw new GatewayError(
            'SP_ERR_DIALECT_QUOTA_EXHAUSTED',
            `management API calls exceed ${quota.limit} requests per minute; retry after ${wait} s`,
            { limit: quota.limit, retry_after: wait },
          )
      })

      const upstreamOf = async (id: string) => (await store.read()).upstreams.find((u) => u.id === id)
      const recordById = (id: string) => fluxRoutes(core.manual.routes()).find((r) => r.rec.id === id)

      /** Rewrites the routes that use cluster `u` (they copy it), so they serve its targets now. */
      const rewriteRoutesOf = (u: FluxUpstream) =>
        updateManualRoutes(core, (routes) =>
          routes.map((r) => {
            const found = fluxRoutes([r])[0]
            if (!found || found.rec.upstream.id !== u.id) return r
            return toRouteConfig(withSecrets(found.rec, r), u, new Date().toISOString())
          }),
        )

      /** Writes a FluxGate route (new or replacing `replacing`) after the duplicate checks. */
      async function writeRoute(
        given: FluxRouteInput,
        replacing: { rec: FluxRouteRecord; cfg: RouteConfig } | undefined,
      ) {
        // A client that sends back what GET showed keeps the stored secret.
        const input = replacing ? withSecrets({ ...replacing.rec, ...given }, replacing.cfg) : given
        // A cluster not created yet is fine: the route answers 503 until it is (see toRouteConfig).
        const upstream = await upstreamOf(input.upstream.id)
        const id = replacing?.rec.id ?? routeIdFor(input.name)
        const rec: FluxRouteRecord = { ...input, id, created_at: replacing?.rec.created_at ?? isoSeconds() }
        const key = matchKey(input.match, input.upstream.id)
        await updateManualRoutes(core, (routes) => {
          for (const { rec: other } of fluxRoutes(routes)) {
            if (other.id === id && !replacing)
              throw new GatewayError(
                'SP_ERR_DIALECT_CONFLICT',
                `a route named ${input.name} already exists (${id})`,
                { field: 'name', route_id: id },
              )
            if (other.id !== id && matchKey(other.match, other.upstream.id) === key)
              throw new GatewayError(
                'SP_ERR_DIALECT_CONFLICT',
                `route ${other.id} has the same match criteria and upstream`,
                { field: 'match', route_id: other.id },
              )
          }
          if (!replacing && routes.some((r) => r.id === coreIdOf(id)))
            throw new GatewayError('SP_ERR_DIALECT_CONFLICT', `route ${id} already exists`, {
              field: 'name',
              route_id: id,
            })
          const cfg = toRouteConfig(rec, upstream, new Date().toISOString())
          return replacing ? routes.map((r) => (r.id === cfg.id ? cfg : r)) : [...routes, cfg]
        })
        return rec
      }

      /** 404 for an unknown id, the read-only refusal for a route another source owns. */
      const cannotWrite = (id: string) => {
        const foreign = foreignRoute(core, id)
        return foreign ? readOnlyRoute(deps, foreign) : notFound('route', id)
      }

      scope.get('/routes', async () => {
        const list = [
          ...fluxRoutes(core.manual.routes()).map(({ cfg, rec }) => routeView(core, cfg, rec)),
          ...foreignRoutes(core).map((spec) => foreignRouteView(deps, spec)),
        ]
        return { routes: list, total: list.length }
      })
      scope.get<{ Params: { id: string } }>('/routes/:id', async (req) => {
        const found = recordById(req.params.id)
        if (found) return routeView(core, found.cfg, found.rec)
        const foreign = foreignRoute(core, req.params.id)
        if (!foreign) throw notFound('route', req.params.id)
        return foreignRouteView(deps, foreign)
      })
      scope.post('/routes', async (req, reply) => {
        const rec = await writeRoute(parseRouteInput(req.body), undefined)
        return reply.code(201).send(writeAnswer(core, rec))
      })
      scope.put<{ Params: { id: string } }>('/routes/:id', async (req) => {
        const found = recordById(req.params.id)
        if (!found) throw cannotWrite(req.params.id)
        const input = parseRouteInput(req.body)
        const rec = await writeRoute(input, found)
        return writeAnswer(core, rec)
      })
      scope.delete<{ Params: { id: string } }>('/routes/:id', async (req) => {
        const id = req.params.id
        await updateManualRoutes(core, (routes) => {
          if (!fluxRoutes(routes).some((r) => r.rec.id === id)) throw cannotWrite(id)
          return routes.filter((r) => r.id !== coreIdOf(id))
        })
        return { id, status: 'deleted' }
      })

      scope.get('/upstreams', async () => {
        const list = (await store.read()).upstreams.map((u) => upstreamView(core, u))
        return { upstreams: list, total: list.length }
      })
      scope.get<{ Params: { id: string } }>('/upstreams/:id', async (req) => {
        const u = await upstreamOf(req.params.id)
        if (!u) throw notFound('upstream', req.params.id)
        return upstreamView(core, u)
      })
      scope.post('/upstreams', async (req, reply) => {
        const input = parseUpstreamInput(req.body, false)
        const now = isoSeconds()
        const id = input.id ?? upstreamIdFor(input.name as string)
        let created: FluxUpstream | undefined
        await store.update(async (state) => {
          if (state.upstreams.some((u) => u.id === id))
            throw new GatewayError('SP_ERR_DIALECT_CONFLICT', `upstream ${id} already exists`, {
              field: input.id ? 'id' : 'name',
              flux_code: 'DUPLICATE_UPSTREAM',
            })
          const { id: _ignored, ...fields } = input
          created = {
            id,
            ...(fields as Omit<FluxUpstream, 'id' | 'created_at' | 'updated_at'>),
            created_at: now,
            updated_at: now,
          }
          // Routes created before their cluster start serving it now, without another call.
          await rewriteRoutesOf(created)
          return { upstreams: [...state.upstreams, created] }
        })
        return reply.code(201).send(upstreamView(core, created as FluxUpstream))
      })
      scope.patch<{ Params: { id: string } }>('/upstreams/:id', async (req) => {
        const input = parseUpstreamInput(req.body, true)
        let next: FluxUpstream | undefined
        await store.update(async (state) => {
          const current = state.upstreams.find((u) => u.id === req.params.id)
          if (!current) throw notFound('upstream', req.params.id)
          next = { ...current, ...input, updated_at: isoSeconds() } as FluxUpstream
          const u = next
          // Routes copy their cluster: rewrite them first, so a refused change leaves both files as they were.
          await rewriteRoutesOf(u)
          return { upstreams: state.upstreams.map((x) => (x.id === u.id ? u : x)) }
        })
        return upstreamView(core, next as FluxUpstream)
      })

      async function setMiddleware(
        routeId: string,
        change: (list: FluxMiddleware[], cfg: RouteConfig) => FluxMiddleware[],
      ) {
        const found = recordById(routeId)
        if (!found) throw cannotWrite(routeId)
        const upstream = await upstreamOf(found.rec.upstream.id)
        const rec: FluxRouteRecord = {
          ...found.rec,
          middleware: change(withSecrets(found.rec, found.cfg).middleware, found.cfg),
        }
        await updateManualRoutes(core, (routes) =>
          routes.map((r) =>
            r.id === found.cfg.id ? toRouteConfig(rec, upstream, new Date().toISOString()) : r,
          ),
        )
        return rec
      }

      registerMiddlewareRoutes(scope, { core, setMiddleware, notFound })
    },
    { prefix: BASE },
  )
}

/** A stored record with its middleware secrets put back from the live route config. */
function withSecrets(rec: FluxRouteRecord, cfg: RouteConfig): FluxRouteRecord {
  return { ...rec, middleware: rec.middleware.map((m) => restoreSecrets(m, cfg)) }
}

export const dialect: AdminDialect = { name: 'fluxgate', register: registerFluxgate }
