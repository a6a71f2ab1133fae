// The service-management API (junqirao/api-gateway) at {adminBasePath}/management/*: an encapsulated
// fastify scope answering {message, code, data?}; per-service configuration is persisted here (the
// document's shape, for GET) and handed to the manual store as settings laid over every route of the
// service, discovered, pushed or manual (config/service-settings.ts). Programs travel the same way and
// run on every request of the service (policies/service-programs.ts); their variables live in the
// policy registry, loaded from here and written back here (set_global's writes coalesced).
import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify'
import { GatewayError } from '../../../errors.ts'
import { compileProgram } from '../../../programs/index.ts'
import type { AdminDialect, DialectDeps } from '../dialect.ts'
import { checkDialectAccess } from '../dialect-guard.ts'
import { goDurationMs } from '../go-duration.ts'
import { contentHash } from '../../../util/content-hash.ts'
import { createStateFile } from '../state-file.ts'
import { bad, CODE_INVALID_PARAMETER, CODE_MISSING_PARAMETER, CODE_NOT_FOUND, sendError } from './errors.ts'
import {
  type Breaker,
  configView,
  type Program,
  type ServiceConfig,
  type ServiceState,
  STRATEGIES,
  serviceNames,
  serviceOf,
  serviceSettingsMap,
  stateView,
} from './mapping.ts'
import { syncVariables } from './program-variables.ts'

const ok = (data?: unknown) =>
  data === undefined ? { message: 'success', code: 0 } : { message: 'success', code: 0, data }

type Obj = Record<string, unknown>
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)

function body(req: FastifyRequest): Obj {
  if (!isObj(req.body)) throw bad('request body must be a JSON object')
  return req.body
}
function requiredString(o: Obj, key: string, where = ''): string {
  const v = o[key]
  if (v === undefined || v === '') throw bad(`${where}${key} is required`, CODE_MISSING_PARAMETER)
  if (typeof v !== 'string') throw bad(`${where}${key} must be a string`)
  return v
}
function query(req: FastifyRequest, key: string): string | undefined {
  const v = (req.query as Obj)[key]
  return typeof v === 'string' && v !== '' ? v : undefined
}
function configOf(b: Obj): Obj {
  if (!isObj(b.config))
    throw bad(
      'config must be an object',
      b.config === undefined ? CODE_MISSING_PARAMETER : CODE_INVALID_PARAMETER,
    )
  return b.config
}
function number(o: Obj, key: string, opts: { integer?: boolean; min?: number; fallback: number }): number {
  const v = o[key]
  if (v === undefined) return opts.fallback
  if (
    typeof v !== 'number' ||
    !Number.isFinite(v) ||
    (opts.integer && !Number.isInteger(v)) ||
    v < (opts.min ?? 0)
  )
    throw bad(`config.${key} must be ${opts.integer ? 'an integer' : 'a number'} ≥ ${opts.min ?? 0}`)
  return v
}
function duration(o: Obj, key: string, fallback: string): string {
  const v = o[key]
  if (v === undefined) return fallback
  if (typeof v !== 'string' || goDurationMs(v) === undefined)
    throw bad(`config.${key} must be a duration such as "30s" or "1m30s"`)
  return v
}

const md5 = (text: string) => createHash('md5').update(text).digest('hex')
function same(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

export async function registerServiceManagement(app: FastifyInstance, deps: DialectDeps): Promise<void> {
  const { core, guard } = deps
  const settings = core.watcher.current.settings.dialects.serviceManagement ?? {}
  if (settings.enabled === false) return
  const password = settings.password
  const store = createStateFile<ServiceState>(
    core.documents,
    'service-management.yaml',
    () => ({ services: {}, variables: {}, programs: [] }),
    'Service configuration, program variables and programs set through {entrance}/management/*.',
  )
  const prefix = `${core.watcher.current.settings.adminBasePath}/management`

  /** Accepts md5(password) (the document's Authorization) or, for a stored double hash, md5(Authorization). */
  function authorized(header: string | undefined): boolean | undefined {
    if (password === undefined) return undefined
    if (!header) return false
    const value = header.replace(/^(bearer|basic)\s+/i, '').trim()
    return same(value.toLowerCase(), md5(password)) || same(md5(value.toLowerCase()), password.toLowerCase())
  }

  /** Stores a change of configuration or programs, then lays the result over every route; resolves once live. */
  async function updateServices(change: (state: ServiceState) => ServiceState): Promise<void> {
    await store.update(async (state) => {
      const next = change(state)
      await core.manual.updateState((s) => ({ ...s, services: serviceSettingsMap(next) }))
      return next
    })
  }

  /** Stores a service's config section, then lays it over all the service's routes; resolves once live. */
  async function setConfig(service: string, patch: ServiceConfig): Promise<void> {
    await updateServices((state) => ({
      ...state,
      services: { ...state.services, [service]: { ...state.services[service], ...patch } },
    }))
  }

  // This file is the truth: settings stored before they reached every route (or the manual store's copy
  // lost) are laid over the routes again.
  const stored = await store.read()
  const wanted = serviceSettingsMap(stored)
  if (contentHash(wanted) !== contentHash(core.manual.services()))
    await core.manual.updateState((s) => ({ ...s, services: wanted }))

  // Programs read the stored variables as `global`; set_global's changes are written back, coalesced.
  const programs = core.policies.programs
  const variables = syncVariables(store, programs, stored.variables)
  // Another instance set a variable (shared store): programs here see it from the next request.
  const stopWatching = store.onChange(() => {
    void store.read().then(
      (s) => variables.refresh(s.variables),
      () => {},
    )
  })
  app.addHook('onClose', async () => {
    stopWatching()
    await variables.close()
  })

  await app.register(
    async (scope) => {
      scope.setErrorHandler((err: FastifyError, _req, reply) => sendError(reply, err))
      scope.addHook('onRequest', async (req) => {
        const header = req.headers.authorization
        checkDialectAccess(
          guard,
          req.method,
          req.headers,
          authorized(typeof header === 'string' ? header : undefined),
        )
      })
      scope.all('/*', async (req) => {
        throw new GatewayError(
          'SP_ERR_DIALECT_NOT_FOUND',
          `${req.method} ${req.url} is not a management endpoint`,
        )
      })

      scope.get('/config', async (req) => {
        const name = query(req, 'service_name')
        const state = await store.read()
        return ok(configView(name === undefined ? undefined : state.services[name]))
      })
      scope.put('/config/load_balance', async (req) => {
        const b = body(req)
        const service = requiredString(b, 'service_name')
        const strategy = requiredString(configOf(b), 'strategy', 'config.')
        if (!(strategy in STRATEGIES))
          throw bad(
            `unsupported strategy ${strategy}; use round-robin, random, weighted-round-robin, weighted-random, less-load or hash`,
          )
        await setConfig(service, { load_balance: { strategy } })
        return ok()
      })
      scope.put('/config/rate_limiter', async (req) => {
        const b = body(req)
        const service = requiredString(b, 'service_name')
        const c = configOf(b)
        const rate = number(c, 'rate', { fallback: 0 })
        const peak = number(c, 'peak', { integer: true, fallback: 0 })
        await setConfig(service, { rate_limiter: { rate, peak } })
        return ok()
      })
      scope.put('/config/breaker', async (req) => {
        const b = body(req)
        const service = requiredString(b, 'service_name')
        const c = configOf(b)
        const breaker: Breaker = {
          max_failures: number(c, 'max_failures', { integer: true, min: 1, fallback: 5 }),
          half_open_max_requests: number(c, 'half_open_max_requests', { integer: true, min: 1, fallback: 1 }),
          open_timeout: duration(c, 'open_timeout', '30s'),
          interval: duration(c, 'interval', '30s'),
        }
        if (typeof c.name === 'string') breaker.name = c.name
        await setConfig(service, { breaker })
        return ok()
      })

      scope.get('/program/variable', async () => ok(variables.current()))
      scope.put('/program/variable', async (req) => {
        const b = body(req)
        const key = requiredString(b, 'key')
        if (b.value === undefined) throw bad('value is required', CODE_MISSING_PARAMETER)
        await variables.set(key, b.value)
        return ok()
      })
      scope.delete('/program/variable', async (req) => {
        const key = query(req, 'key')
        if (key === undefined) throw bad('key is required', CODE_MISSING_PARAMETER)
        await variables.remove(key)
        return ok()
      })

      scope.get('/program/info', async (req) => {
        const name = query(req, 'service_name')
        const grouped: Record<string, Program[]> = {}
        for (const p of (await store.read()).programs) {
          if (name !== undefined && p.service_name !== name) continue
          const list = grouped[p.service_name] ?? []
          // Beside the document's fields, how often it ran and stopped a request (since start).
          list.push({ ...p, ...programs.countersFor(p.service_name, p.name) })
          grouped[p.service_name] = list
        }
        return ok(grouped)
      })
      scope.put('/program/info', async (req) => {
        const b = body(req)
        const program: Program = {
          expr: requiredString(b, 'expr'),
          name: requiredString(b, 'name'),
          service_name: requiredString(b, 'service_name'),
        }
        const decoded = Buffer.from(program.expr, 'base64')
        if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(program.expr) || decoded.length === 0)
          throw bad('expr must be the program text encoded in base64')
        // A program that does not parse is refused where it is wrong, not stored to fail on every request.
        const compiled = compileProgram(decoded.toString('utf8'))
        if (!compiled.ok) {
          const e = compiled.error
          throw bad(`program does not parse at line ${e.line}, column ${e.column}: ${e.message}`)
        }
        // A program PUT again keeps its place in the order the service's programs run in.
        await updateServices((s) => {
          const at = s.programs.findIndex(
            (p) => p.service_name === program.service_name && p.name === program.name,
          )
          return {
            ...s,
            programs: at < 0 ? [...s.programs, program] : s.programs.with(at, program),
          }
        })
        return ok()
      })
      scope.delete('/program/info', async (req) => {
        const service = query(req, 'service_name')
        const name = query(req, 'name')
        if (service === undefined && name === undefined)
          throw bad('give service_name, name or both', CODE_MISSING_PARAMETER)
        await updateServices((s) => ({
          ...s,
          programs: s.programs.filter(
            (p) =>
              !(
                (service === undefined || p.service_name === service) &&
                (name === undefined || p.name === name)
              ),
          ),
        }))
        return ok()
      })

      scope.get('/upstream/service/names', async () => ok(serviceNames(core)))
      scope.get('/upstream/service/state', async (req) => {
        const name = query(req, 'service_name')
        if (name === undefined) throw bad('service_name is required', CODE_MISSING_PARAMETER)
        const routes = core.watcher.current.routes.filter((r) => serviceOf(r) === name)
        if (routes.length === 0)
          throw new GatewayError('SP_ERR_DIALECT_NOT_FOUND', `service ${name} not found`, {
            gcode: CODE_NOT_FOUND,
          })
        return ok(stateView(core, routes))
      })
    },
    { prefix },
  )
}

export const dialect: AdminDialect = { name: 'service-management', register: registerServiceManagement }
