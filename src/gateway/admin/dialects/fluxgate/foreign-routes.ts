// Every other route of the gateway (config file, native admin API, discovery, other dialects) in
// FluxGate's shape, so a FluxGate client sees the whole table. They are read-only here: the
// extension fields `read_only: true` and `owner` (who does own it) say so, and writes are refused.
import type { RouteSpec } from '../../../config/route-spec.ts'
import type { GatewayCore } from '../../../core.ts'
import { GatewayError } from '../../../errors.ts'
import type { RouteConfig } from '../../../model/index.ts'
import { contentHash } from '../../../util/content-hash.ts'
import type { RouteOriginDeps } from '../../admin-deps.ts'
import { REDACTED } from '../../native/redact.ts'
import { originOf } from '../../route-detail.ts'
import type { FluxMatch, FluxMiddleware } from './input.ts'
import { BASE, META_KEY, middlewareIdFor, routeMetrics } from './mapping.ts'

/** The gateway's live routes FluxGate did not write. */
export function foreignRoutes(core: GatewayCore): RouteSpec[] {
  return core.watcher.current.routes.filter((r) => r.config.metadata?.[META_KEY] === undefined)
}

export function foreignRoute(core: GatewayCore, id: string): RouteSpec | undefined {
  return foreignRoutes(core).find((r) => r.id === id)
}

/** The refusal of a write to a route another source owns (the document's error shape, 409). */
export function readOnlyRoute(deps: RouteOriginDeps, spec: RouteSpec): GatewayError {
  const owner = originOf(spec, deps).label
  return new GatewayError(
    'SP_ERR_DIALECT_CONFLICT',
    `route ${spec.id} is read-only here: it is owned by ${owner}; change it there`,
    { route_id: spec.id, owner, flux_code: 'READ_ONLY_ROUTE' },
  )
}

function matchOf(spec: RouteSpec): FluxMatch {
  const kind = spec.pathType === 'exact' ? 'path' : spec.pathType
  const match: FluxMatch = { [kind]: spec.matchPath }
  if (spec.methods.length > 0) match.methods = [...spec.methods]
  if (spec.hosts.length > 0) match.hosts = [...spec.hosts]
  return match
}

/** The route's JWT, rate limit and CORS policies as FluxGate middleware (secrets never shown). */
export function foreignMiddleware(cfg: RouteConfig): FluxMiddleware[] {
  const out: FluxMiddleware[] = []
  const { jwt, rateLimit: rl, cors } = cfg
  if (jwt && jwt.enabled !== false) {
    const config: Record<string, unknown> = {}
    if (jwt.issuer !== undefined) config.issuer = jwt.issuer
    if (jwt.audience !== undefined) config.audience = jwt.audience
    if (jwt.secret !== undefined) config.secret = REDACTED
    if (jwt.jwksUrl !== undefined) config.jwks_url = jwt.jwksUrl
    if (jwt.algorithms !== undefined) config.algorithms = jwt.algorithms
    if (jwt.requiredClaims !== undefined) config.required_claims = jwt.requiredClaims
    if (jwt.roles !== undefined) config.roles = jwt.roles
    out.push({ type: 'jwt-auth', config })
  }
  if (rl && rl.enabled !== false && rl.requestsPerSec !== undefined) {
    // FluxGate counts whole requests per window: a fractional rate is told per minute.
    const perSecond = Number.isInteger(rl.requestsPerSec)
    const config: Record<string, unknown> = {
      requests: perSecond ? rl.requestsPerSec : Math.max(1, Math.round(rl.requestsPerSec * 60)),
      window: perSecond ? '1s' : '60s',
    }
    if (rl.burst !== undefined) config.burst = rl.burst
    out.push({ type: 'rate-limit', config })
  }
  if (cors && cors.enabled !== false) {
    const config: Record<string, unknown> = {}
    if (cors.origins !== undefined) config.origins = cors.origins
    if (cors.methods !== undefined) config.methods = cors.methods
    if (cors.headers !== undefined) config.headers = cors.headers
    if (cors.exposeHeaders !== undefined) config.expose_headers = cors.exposeHeaders
    if (cors.credentials !== undefined) config.credentials = cors.credentials
    if (cors.maxAge !== undefined) config.max_age = cors.maxAge
    out.push({ type: 'cors', config })
  }
  return out
}

export function foreignRouteView(deps: RouteOriginDeps, spec: RouteSpec) {
  const match = matchOf(spec)
  const targets = spec.targets.map((t) => ({ url: t.url, weight: t.weight }))
  const middleware = foreignMiddleware(spec.config)
  return {
    id: spec.id,
    name: spec.serviceName ?? spec.id,
    match,
    upstream: { strategy: spec.balancer, targets },
    middleware: middleware.map((m) => ({ id: middlewareIdFor(spec.id, m.type), ...m })),
    ...(spec.stripPrefix ? { strip_prefix: true } : {}),
    status: spec.enabled ? 'active' : 'disabled',
    ...(spec.createdAt !== undefined ? { created_at: spec.createdAt } : {}),
    ...(spec.updatedAt !== undefined ? { updated_at: spec.updatedAt } : {}),
    hash: contentHash({ match, targets, middleware, enabled: spec.enabled }),
    links: { self: `${BASE}/routes/${encodeURIComponent(spec.id)}` },
    metrics: routeMetrics(deps.core, spec.id),
    read_only: true,
    owner: originOf(spec, deps).label,
  }
}
