// FluxGate shapes ↔ the core. A FluxGate route is a manual route `manual-rt_<8 hex>` whose FluxGate
// definition rides along in its metadata; upstream clusters `usm_<8 hex>` live in the dialect's own
// state file and are copied into every route that uses them. A route may name a cluster that does not
// exist yet: it is live but answers 503 until the cluster is created (then every such route is rewritten).
import { createHash } from 'node:crypto'
import type { GatewayCore } from '../../../core.ts'
import { type RouteConfig, UNAVAILABLE_METADATA_KEY } from '../../../model/index.ts'
import { contentHash } from '../../../util/content-hash.ts'
import { toMs } from '../../../util/duration.ts'
import { ownPolicy } from '../../../config/policy-defaults.ts'
import { REDACTED } from '../../native/redact.ts'
import { liveRoute } from '../manual-routes.ts'
import {
  type FluxMatch,
  type FluxMiddleware,
  type FluxRouteInput,
  type FluxTarget,
  STRATEGIES,
} from './input.ts'

export const BASE = '/api/v2/gateway'
export const META_KEY = 'fluxgate.route'
const SECRET_KEYS = new Set(['secret'])

export interface FluxUpstream {
  id: string
  name: string
  targets: FluxTarget[]
  strategy?: string
  health_check?: Record<string, unknown>
  circuit_breaker?: Record<string, unknown>
  pool?: Record<string, unknown>
  created_at: string
  updated_at: string
}

export interface FluxState {
  upstreams: FluxUpstream[]
}

/** What a route's metadata keeps: the definition as given, secrets replaced by a marker. */
export interface FluxRouteRecord extends FluxRouteInput {
  id: string
  created_at: string
}

const hex8 = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 8)
export const routeIdFor = (name: string) => `rt_${hex8(`route:${name}`)}`
export const upstreamIdFor = (name: string) => `usm_${hex8(`upstream:${name}`)}`
export const middlewareIdFor = (routeId: string, type: string) => `mw_${hex8(`${routeId}/${type}`)}`
/** A middleware instance's id: the one it was attached under, else the one its route gave it. */
export const instanceIdOf = (routeId: string, m: FluxMiddleware) => m.id ?? middlewareIdFor(routeId, m.type)
export const coreIdOf = (rtId: string) => `manual-${rtId}`

export function recordOf(route: RouteConfig): FluxRouteRecord | undefined {
  const raw = route.metadata?.[META_KEY]
  if (!raw) return undefined
  try {
    return JSON.parse(raw) as FluxRouteRecord
  } catch {
    return undefined
  }
}

export function fluxRoutes(routes: readonly RouteConfig[]): { cfg: RouteConfig; rec: FluxRouteRecord }[] {
  const out: { cfg: RouteConfig; rec: FluxRouteRecord }[] = []
  for (const cfg of routes) {
    const rec = recordOf(cfg)
    if (rec) out.push({ cfg, rec })
  }
  return out
}

const withoutSecrets = (m: FluxMiddleware): FluxMiddleware => ({
  ...(m.id !== undefined ? { id: m.id } : {}),
  type: m.type,
  config: Object.fromEntries(
    Object.entries(m.config).map(([k, v]) => [k, SECRET_KEYS.has(k) ? REDACTED : v]),
  ),
})

/** A stored middleware config with its secret put back from the route that holds it. */
export function restoreSecrets(m: FluxMiddleware, from: RouteConfig): FluxMiddleware {
  if (m.type !== 'jwt-auth' || m.config.secret !== REDACTED) return m
  return { ...m, config: { ...m.config, secret: ownPolicy(from, 'jwt')?.secret } }
}

export function matchKey(match: FluxMatch, upstreamId: string): string {
  const kind =
    match.path !== undefined
      ? `path:${match.path}`
      : match.prefix !== undefined
        ? `prefix:${match.prefix}`
        : `regex:${match.regex}`
  const methods = [...(match.methods ?? [])].sort().join(',')
  const hosts = [...(match.hosts ?? [])].sort().join(',')
  return `${kind}|${methods}|${hosts}|${upstreamId}`
}

function middlewareFields(list: readonly FluxMiddleware[]): Partial<RouteConfig> {
  const out: Partial<RouteConfig> = {}
  for (const m of list) {
    const c = m.config as Record<string, never>
    if (m.type === 'jwt-auth') {
      out.jwt = {
        ...(c.issuer !== undefined ? { issuer: c.issuer } : {}),
        ...(c.audience !== undefined ? { audience: c.audience } : {}),
        ...(c.secret !== undefined ? { secret: c.secret } : {}),
        ...(c.public_key !== undefined ? { publicKey: c.public_key } : {}),
        ...(c.jwks_url !== undefined ? { jwksUrl: c.jwks_url } : {}),
        ...(c.algorithms !== undefined ? { algorithms: c.algorithms } : {}),
        ...(c.required_claims !== undefined ? { requiredClaims: c.required_claims } : {}),
        ...(c.roles !== undefined ? { roles: c.roles } : {}),
      }
    } else if (m.type === 'rate-limit') {
      const requests = m.config.requests as number
      const windowMs = Math.max(1, toMs(c.window as string | number | undefined, 1000))
      const key = c.key as string | undefined
      out.rateLimit = {
        requestsPerSec: (requests * 1000) / windowMs,
        burst: (c.burst as number | undefined) ?? requests,
        ...(key ? { scope: 'client' as const, key } : { scope: 'route' as const }),
      }
    } else {
      out.cors = {
        ...(c.origins !== undefined ? { origins: c.origins } : {}),
        ...(c.methods !== undefined ? { methods: c.methods } : {}),
        ...(c.headers !== undefined ? { headers: c.headers } : {}),
        ...(c.expose_headers !== undefined ? { exposeHeaders: c.expose_headers } : {}),
        ...(c.credentials !== undefined ? { credentials: c.credentials } : {}),
        ...(c.max_age !== undefined ? { maxAge: c.max_age } : {}),
      }
    }
  }
  return out
}

function upstreamFields(u: FluxUpstream): Partial<RouteConfig> {
  const out: Partial<RouteConfig> = { targets: u.targets.map((t) => ({ url: t.url, weight: t.weight })) }
  const h = u.health_check as Record<string, never> | undefined
  if (h)
    out.healthCheck = {
      enabled: h.enabled ?? true,
      ...(h.path !== undefined ? { path: h.path } : {}),
      ...(h.interval !== undefined ? { interval: h.interval } : {}),
      ...(h.timeout !== undefined ? { timeout: h.timeout } : {}),
      ...(h.healthy_threshold !== undefined ? { healthyThreshold: h.healthy_threshold } : {}),
      ...(h.unhealthy_threshold !== undefined ? { unhealthyThreshold: h.unhealthy_threshold } : {}),
    }
  const c = u.circuit_breaker as Record<string, never> | undefined
  if (c)
    out.circuitBreaker = {
      enabled: c.enabled ?? true,
      ...(c.max_failures !== undefined ? { maxFailures: c.max_failures } : {}),
      ...(c.interval !== undefined ? { interval: c.interval } : {}),
      ...(c.open_timeout !== undefined ? { openTimeout: c.open_timeout } : {}),
      ...(c.half_open_max_requests !== undefined ? { halfOpenMaxRequests: c.half_open_max_requests } : {}),
    }
  return out
}

/** What a route answers (503) while its cluster is not defined yet. */
export const pendingReason = (upstreamId: string) =>
  `upstream ${upstreamId} not defined yet; create it with POST ${BASE}/upstreams`

/** Never contacted: the schema wants a target, and the route is marked unavailable until the cluster exists. */
const placeholderTarget = (upstreamId: string) => ({ url: `http://${upstreamId}.invalid` })

/** The manual route a FluxGate route becomes (middleware configs still carry their secrets here). */
export function toRouteConfig(
  rec: FluxRouteRecord,
  upstream: FluxUpstream | undefined,
  updatedAt: string,
): RouteConfig {
  const m = rec.match
  const strategy = rec.upstream.strategy ?? upstream?.strategy
  const stored: FluxRouteRecord = { ...rec, middleware: rec.middleware.map(withoutSecrets) }
  const cfg: RouteConfig = {
    id: coreIdOf(rec.id),
    path: (m.path ?? m.prefix ?? m.regex) as string,
    pathType: m.path !== undefined ? 'exact' : m.prefix !== undefined ? 'prefix' : 'regex',
    ...(m.methods ? { methods: m.methods } : {}),
    ...(m.hosts ? { hosts: m.hosts } : {}),
    targets: [placeholderTarget(rec.upstream.id)],
    serviceName: rec.name,
    ...(upstream ? upstreamFields(upstream) : {}),
    ...middlewareFields(rec.middleware),
    ...(strategy ? { loadBalancer: STRATEGIES[strategy] } : {}),
    ...(rec.enabled !== undefined ? { enabled: rec.enabled } : {}),
    ...(rec.strip_prefix !== undefined ? { stripPrefix: rec.strip_prefix } : {}),
    metadata: {
      [META_KEY]: JSON.stringify(stored),
      ...(upstream ? {} : { [UNAVAILABLE_METADATA_KEY]: pendingReason(rec.upstream.id) }),
    },
    createdAt: rec.created_at,
    updatedAt,
  }
  return cfg
}

/** The content hash FluxGate shows: 12 hex of the definition (secrets excluded). */
export function routeHash(rec: FluxRouteRecord): string {
  return contentHash({
    name: rec.name,
    match: rec.match,
    upstream: rec.upstream,
    middleware: rec.middleware.map((m) => ({ type: m.type, config: withoutSecrets(m).config })),
    enabled: rec.enabled ?? true,
  })
}

/** FluxGate's metrics of a live route (by its core id). */
export function routeMetrics(core: GatewayCore, coreId: string) {
  const c = core.routeCounters.peek(coreId)
  const total = c?.totalRequests ?? 0
  return {
    avg_latency_ms: Math.round(c?.avgLatencyMs() ?? 0),
    error_rate_1h: total === 0 ? 0 : Math.round(((c?.totalErrors ?? 0) / total) * 10_000) / 10_000,
  }
}

function status(core: GatewayCore, rtId: string): 'active' | 'disabled' | 'error' {
  const live = liveRoute(core, coreIdOf(rtId))
  if (!live) return 'error'
  return live.enabled ? 'active' : 'disabled'
}

const links = (rec: FluxRouteRecord) => ({
  self: `${BASE}/routes/${rec.id}`,
  upstream: `${BASE}/upstreams/${rec.upstream.id}`,
})

/** The 201/200 answer to a write: exactly the document's keys. */
export function writeAnswer(core: GatewayCore, rec: FluxRouteRecord) {
  return {
    id: rec.id,
    status: status(core, rec.id),
    created_at: rec.created_at,
    hash: routeHash(rec),
    links: links(rec),
    metrics: routeMetrics(core, coreIdOf(rec.id)),
  }
}

export function routeView(core: GatewayCore, cfg: RouteConfig, rec: FluxRouteRecord) {
  const live = liveRoute(core, cfg.id as string)
  return {
    id: rec.id,
    name: rec.name,
    match: rec.match,
    upstream: rec.upstream,
    middleware: rec.middleware.map((m) => ({ id: instanceIdOf(rec.id, m), type: m.type, config: m.config })),
    ...(rec.strip_prefix !== undefined ? { strip_prefix: rec.strip_prefix } : {}),
    status: status(core, rec.id),
    created_at: rec.created_at,
    updated_at: cfg.updatedAt ?? rec.created_at,
    hash: routeHash(rec),
    links: links(rec),
    metrics: routeMetrics(core, coreIdOf(rec.id)),
    // Extension: why the route answers 503 (its cluster is not defined yet).
    ...(live?.unavailable !== undefined ? { problem: live.unavailable } : {}),
    read_only: false,
    owner: 'FluxGate API (/api/v2/gateway)',
  }
}

export function upstreamView(core: GatewayCore, u: FluxUpstream) {
  const routes = fluxRoutes(core.manual.routes()).filter((r) => r.rec.upstream.id === u.id)
  const live = routes.flatMap((r) => liveRoute(core, r.cfg.id as string)?.targets ?? [])
  const targets = u.targets.map((t) => {
    const states = live.filter((l) => l.url === t.url).map((l) => core.targetStates.peek(l.id))
    const healthy = states.every((s) => s?.available ?? true)
    const circuit = states.find((s) => s && s.circuitState !== 'closed')?.circuitState ?? 'closed'
    return { url: t.url, weight: t.weight, healthy, circuit_state: circuit }
  })
  return {
    id: u.id,
    name: u.name,
    targets,
    ...(u.strategy !== undefined ? { strategy: u.strategy } : {}),
    ...(u.health_check !== undefined ? { health_check: u.health_check } : {}),
    ...(u.circuit_breaker !== undefined ? { circuit_breaker: u.circuit_breaker } : {}),
    ...(u.pool !== undefined ? { pool: u.pool } : {}),
    routes: routes.map((r) => r.rec.id),
    created_at: u.created_at,
    updated_at: u.updated_at,
    hash: contentHash({
      name: u.name,
      targets: u.targets,
      strategy: u.strategy ?? null,
      health_check: u.health_check ?? null,
      circuit_breaker: u.circuit_breaker ?? null,
    }),
    links: { self: `${BASE}/upstreams/${u.id}` },
  }
}
