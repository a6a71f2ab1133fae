// One route in full for GET /api/routes/:id: its view plus where it was defined, which routes answer its
// requests instead (the router's own order), and each policy with the settings it runs with.
import { effectivePolicy } from '../config/policy-defaults.ts'
import type { RouteSpec } from '../config/route-spec.ts'
import type { Snapshot } from '../config/snapshot.ts'
import type {
  ConfigIssue,
  PolicyName,
  RouteDetail,
  RouteOrigin,
  RoutePolicySummary,
  RouteRank,
  RoutesSummary,
  ServiceSettingsOrigin,
} from '../model/index.ts'
import { mockPolicyOf } from '../policies/mock-answer.ts'
import { retryPolicy } from '../policies/retry.ts'
import { cacheEnabled } from '../policies/response-cache.ts'
import { outrankedRoutes } from '../router/route-outranking.ts'
import { toMs } from '../util/duration.ts'
import type { RouteOriginDeps } from './admin-deps.ts'
import { META_KEY as FLUXGATE_ROUTE_KEY } from './dialects/fluxgate/mapping.ts'
import { redactConfig } from './native/redact.ts'
import { routeView } from './views.ts'

// One analysis per applied version: the Routes table asks on every refresh.
const outrankedBySnapshot = new WeakMap<Snapshot, Map<string, RouteRank[]>>()

/** Every route something outranks, with the routes that win its requests, best first. */
export function outrankedIn(snapshot: Snapshot): Map<string, RouteRank[]> {
  let found = outrankedBySnapshot.get(snapshot)
  if (!found) {
    const byId = new Map(snapshot.routes.map((r) => [r.id, r]))
    found = new Map()
    for (const [id, winners] of outrankedRoutes(snapshot.routes))
      found.set(
        id,
        winners.map((w) => rankOf(byId.get(w) as RouteSpec)),
      )
    outrankedBySnapshot.set(snapshot, found)
  }
  return found
}

function rankOf(r: RouteSpec): RouteRank {
  const rank: RouteRank = { id: r.id, path: r.path, source: r.source, priority: r.priority }
  if (r.serviceName !== undefined) rank.serviceName = r.serviceName
  return rank
}

/** The ranks with who made each winner (asked per answer: discovery's sources change between versions). */
function withOwners(ranks: readonly RouteRank[], deps: RouteOriginDeps): RouteRank[] {
  const routes = deps.core.watcher.current.routes
  return ranks.map((rank) => {
    const spec = routes.find((r) => r.id === rank.id)
    return spec ? { ...rank, owner: ownerOf(originOf(spec, deps)) } : rank
  })
}

export function originOf(spec: RouteSpec, { core, discovery }: RouteOriginDeps): RouteOrigin {
  switch (spec.source) {
    case 'config': {
      const at = core.watcher.current.routeLocation?.(spec.id)
      const file = at?.file ?? core.watcher.current.configFile
      if (!file) return { kind: 'config-file', label: 'built-in configuration' }
      const line = at?.line
      return {
        kind: 'config-file',
        label: line === undefined ? file : `${file}:${line}`,
        file,
        ...(line === undefined ? {} : { line }),
      }
    }
    case 'manual':
      if (spec.config.metadata?.[FLUXGATE_ROUTE_KEY] !== undefined)
        return { kind: 'dialect', label: 'FluxGate API (/api/v2/gateway)', dialect: 'fluxgate' }
      return { kind: 'admin-api', label: 'admin API (POST /gateway/api/routes)' }
    default: {
      const service = spec.serviceName
      const learned = discovery.services().find((s) => s.name === service)?.source
      const how =
        learned === 'push'
          ? 'pushed (POST /gateway/api/discovery/register)'
          : learned === 'mdns'
            ? 'announced over mDNS'
            : 'discovered'
      const origin: RouteOrigin = {
        kind: 'discovery',
        label: `${service ?? spec.id} · ${how}${spec.source === 'farp' ? ' · FARP' : ''}`,
      }
      if (learned !== undefined) origin.discovery = learned
      if (service !== undefined) origin.service = service
      return origin
    }
  }
}

/** Each policy with the settings it runs with (the gateway's defaults resolved); secrets never shown. */
export function policySummary(spec: RouteSpec, snapshot: Snapshot): RoutePolicySummary {
  const cfg = spec.config
  const b = spec.breaker
  const h = spec.health
  const out: RoutePolicySummary = {
    timeoutMs: spec.timeoutMs,
    loadBalancer: spec.balancer,
    circuitBreaker: {
      enabled: b.enabled,
      maxFailures: b.maxFailures,
      intervalMs: b.intervalMs,
      openTimeoutMs: b.openTimeoutMs,
      halfOpenMaxRequests: b.halfOpenMax,
    },
    healthCheck: {
      enabled: h.enabled,
      active: h.active,
      ...(h.path === undefined ? {} : { path: h.path }),
      intervalMs: h.intervalMs,
      passiveFailures: h.passiveFailures,
    },
  }
  const d = snapshot.settings.policyDefaults
  // Marks a policy the route runs because the gateway's `defaults` set it (the view says "gateway default").
  const marked = (p: { fromDefault: boolean }) => (p.fromDefault ? { fromDefault: true } : {})
  const cache = effectivePolicy(cfg, d, 'cache')
  if (cache && cacheEnabled(cache.config)) {
    const c = cache.config
    out.cache = { ...marked(cache) }
    if (c.ttl !== undefined) out.cache.ttlMs = toMs(c.ttl, 0)
    if (c.maxEntries !== undefined) out.cache.maxEntries = c.maxEntries
    if (c.varyBy !== undefined) out.cache.varyBy = [...c.varyBy]
  }
  const limit = effectivePolicy(cfg, d, 'rateLimit')
  const rl = limit?.config
  if (limit && rl && rl.enabled !== false && rl.requestsPerSec !== undefined)
    out.rateLimit = {
      requestsPerSec: rl.requestsPerSec,
      ...(rl.burst === undefined ? {} : { burst: rl.burst }),
      scope: rl.scope ?? 'route',
      ...(rl.key === undefined ? {} : { key: rl.key }),
      ...marked(limit),
    }
  const retryGiven = cfg.retry ?? d.retry
  const retry = retryPolicy(cfg.retry, d.retry)
  if (retry) {
    out.retry = { maxAttempts: retry.maxAttempts, retryOn: [...retry.retryOn], methods: [...retry.methods] }
    if (retryGiven?.backoff !== undefined) out.retry.backoff = retryGiven.backoff
  }
  const auth = effectivePolicy(cfg, d, 'jwt')
  const jwt = auth?.config
  if (auth && jwt && jwt.enabled !== false)
    out.jwt = {
      keys: jwt.jwksUrl ?? (jwt.publicKey ? 'public key' : 'secret'),
      ...(jwt.issuer === undefined ? {} : { issuer: jwt.issuer }),
      ...(jwt.audience === undefined ? {} : { audience: jwt.audience }),
      ...(jwt.algorithms === undefined ? {} : { algorithms: [...jwt.algorithms] }),
      ...marked(auth),
    }
  const cors = effectivePolicy(cfg, d, 'cors')
  if (cors && cors.config.enabled !== false)
    out.cors = {
      origins: [...(cors.config.origins ?? ['*'])],
      credentials: cors.config.credentials === true,
      ...marked(cors),
    }
  const mode = cfg.metadata?.openapiValidate
  if (mode && mode !== 'off') out.validation = mode
  const mock = mockPolicyOf(cfg.mock, spec, () => undefined)
  if (mock) out.mock = { mode: mock.mode, seed: mock.seed, service: spec.serviceName ?? spec.id }
  return out
}

/** The per-service settings service management lays over this route (config/service-settings.ts), if any. */
function settingsFrom(spec: RouteSpec, { core }: RouteOriginDeps): ServiceSettingsOrigin | undefined {
  const service = spec.serviceName ?? spec.id
  const all = core.manual.services()
  const s = Object.hasOwn(all, service) ? all[service] : undefined
  if (!s) return undefined
  const settings: string[] = []
  if (s.loadBalancer !== undefined) settings.push('load balancer')
  if (s.rateLimit !== undefined)
    settings.push(s.rateLimit === null || s.rateLimit === false ? 'rate limit (off)' : 'rate limit')
  if (s.circuitBreaker !== undefined) settings.push('circuit breaker')
  return settings.length > 0 ? { service, by: 'service management', settings } : undefined
}

export function routeDetail(spec: RouteSpec, deps: RouteOriginDeps): RouteDetail {
  const snapshot = deps.core.watcher.current
  const settings = settingsFrom(spec, deps)
  return {
    ...routeView(spec, deps.core),
    definedBy: originOf(spec, deps),
    ...(settings ? { settingsFrom: settings } : {}),
    outrankedBy: withOwners(outrankedIn(snapshot).get(spec.id) ?? [], deps),
    policies: policySummary(spec, snapshot),
    config: redactConfig(spec.config),
  }
}

/** The policies a route runs (its own or the gateway's defaults), in the order a request meets them. */
export function policyNames(spec: RouteSpec, snapshot: Snapshot): PolicyName[] {
  const cfg = spec.config
  const p = policySummary(spec, snapshot)
  const out: PolicyName[] = []
  if (p.cors) out.push('CORS')
  if (p.rateLimit) out.push('rate limit')
  if (p.jwt) out.push('JWT')
  if (p.validation) out.push('validation')
  if (p.mock) out.push('mock')
  if (p.cache) out.push('cache')
  if (p.retry) out.push('retry')
  if (cfg.circuitBreaker !== undefined && p.circuitBreaker.enabled) out.push('breaker')
  if (cfg.timeout !== undefined) out.push('timeout')
  return out
}

export function routesSummary(deps: RouteOriginDeps): RoutesSummary {
  const snapshot = deps.core.watcher.current
  const outranked = outrankedIn(snapshot)
  const routes: RoutesSummary['routes'] = {}
  for (const spec of snapshot.routes)
    routes[spec.id] = {
      definedBy: originOf(spec, deps),
      policies: policyNames(spec, snapshot),
      outrankedBy: withOwners(outranked.get(spec.id) ?? [], deps),
    }
  return { version: snapshot.version, routes }
}

/** Who made a route, in a few words: "pushed service catalog", "config file", "admin API". */
function ownerOf(origin: RouteOrigin): string {
  if (origin.kind === 'discovery') {
    const how = origin.discovery === 'push' ? 'pushed' : origin.discovery === 'mdns' ? 'mDNS' : 'discovered'
    return `${how} service ${origin.service ?? ''}`.trim()
  }
  if (origin.kind === 'config-file') return 'config file'
  if (origin.kind === 'dialect') return `${origin.dialect ?? 'dialect'} API`
  return 'admin API'
}

/**
 * A warning for every route another one outranks (nothing of it is reached: its policies never run), at
 * its file and line when it is written in the config file. GET /config lists them after the problems.
 */
export function outrankedIssues(deps: RouteOriginDeps): ConfigIssue[] {
  const snapshot = deps.core.watcher.current
  const out: ConfigIssue[] = []
  for (const [id, winners] of outrankedIn(snapshot)) {
    const spec = snapshot.routes.find((r) => r.id === id)
    const winner = winners[0]
    if (!spec || !winner) continue
    const at = snapshot.routeLocation?.(id)
    const where = at ? `${at.file}${at.line === undefined ? '' : `:${at.line}`}: ` : ''
    const [owned] = withOwners([winner], deps)
    const who = `${winner.id} (${winner.path}, ${owned?.owner ?? winner.source}, priority ${winner.priority})`
    out.push({
      entity: 'route',
      id,
      source: spec.source,
      code: 'SP_ERR_ROUTE_OUTRANKED',
      message: `${where}route ${id} (${spec.path}, priority ${spec.priority}) is never reached: ${who} answers its requests`,
      effect: 'warning',
      ...(at ? { file: at.file } : {}),
      ...(at?.line === undefined ? {} : { line: at.line }),
    })
  }
  return out
}
