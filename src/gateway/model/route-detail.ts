// GET /gateway/api/routes/:id answers a RouteView plus these fields: where the route comes from, which
// routes take its requests, and every policy with the settings it runs with (defaults resolved).
import Type from 'typebox'
import { RouteConfig } from './config.ts'
import { RouteSource, RouteView } from './views.ts'

export const RouteOrigin = Type.Object({
  kind: Type.Union([
    Type.Literal('config-file'),
    Type.Literal('admin-api'),
    Type.Literal('dialect'),
    Type.Literal('discovery'),
  ]),
  /** One line for people: `sallyport.yaml:14`, `admin API`, `FluxGate API`, `pushed (POST …/register)`. */
  label: Type.String(),
  file: Type.Optional(Type.String()),
  line: Type.Optional(Type.Number()),
  /** The compatible API that wrote it (`fluxgate`). */
  dialect: Type.Optional(Type.String()),
  /** How a discovered service was learned: `push` (registered) or `mdns`. */
  discovery: Type.Optional(Type.String()),
  service: Type.Optional(Type.String()),
})
export type RouteOrigin = Type.Static<typeof RouteOrigin>

/** A route that answers this route's requests instead of it (the router's order, best first). */
export const RouteRank = Type.Object({
  id: Type.String(),
  path: Type.String(),
  source: RouteSource,
  priority: Type.Number(),
  serviceName: Type.Optional(Type.String()),
  /** Who made it, in a few words: `pushed service catalog`, `config file`, `admin API`. */
  owner: Type.Optional(Type.String()),
})
export type RouteRank = Type.Static<typeof RouteRank>

const Ms = Type.Number({ description: 'milliseconds' })
/** Set when the route runs the gateway's `defaults.<policy>` (it names none of its own). */
const fromDefault = {
  fromDefault: Type.Optional(Type.Boolean({ description: "the gateway's default (defaults.*)" })),
}

export const RoutePolicySummary = Type.Object({
  timeoutMs: Ms,
  loadBalancer: Type.String(),
  circuitBreaker: Type.Object({
    enabled: Type.Boolean(),
    maxFailures: Type.Number(),
    intervalMs: Ms,
    openTimeoutMs: Ms,
    halfOpenMaxRequests: Type.Number(),
  }),
  healthCheck: Type.Object({
    enabled: Type.Boolean(),
    active: Type.Boolean(),
    path: Type.Optional(Type.String()),
    intervalMs: Ms,
    passiveFailures: Type.Number(),
  }),
  cache: Type.Optional(
    Type.Object({
      ttlMs: Type.Optional(Ms),
      maxEntries: Type.Optional(Type.Number()),
      varyBy: Type.Optional(Type.Array(Type.String())),
      ...fromDefault,
    }),
  ),
  rateLimit: Type.Optional(
    Type.Object({
      requestsPerSec: Type.Optional(Type.Number()),
      burst: Type.Optional(Type.Number()),
      scope: Type.Optional(Type.String()),
      key: Type.Optional(Type.String()),
      ...fromDefault,
    }),
  ),
  retry: Type.Optional(
    Type.Object({
      maxAttempts: Type.Number(),
      backoff: Type.Optional(Type.String()),
      retryOn: Type.Optional(Type.Array(Type.Number())),
      methods: Type.Optional(Type.Array(Type.String())),
    }),
  ),
  jwt: Type.Optional(
    Type.Object({
      keys: Type.String({ description: '"secret", "public key" or the JWKS URL (secrets never shown)' }),
      issuer: Type.Optional(Type.String()),
      audience: Type.Optional(Type.Union([Type.String(), Type.Array(Type.String())])),
      algorithms: Type.Optional(Type.Array(Type.String())),
      ...fromDefault,
    }),
  ),
  cors: Type.Optional(
    Type.Object({
      origins: Type.Array(Type.String()),
      credentials: Type.Boolean(),
      ...fromDefault,
    }),
  ),
  /** OpenAPI validation of requests, responses or both. */
  validation: Type.Optional(Type.String()),
  /** Mock answers from the service's OpenAPI document (route option `mock`). */
  mock: Type.Optional(
    Type.Object({
      mode: Type.Union([Type.Literal('fallback'), Type.Literal('always')]),
      seed: Type.Number(),
      service: Type.String({ description: 'whose document answers: the serviceName, else the route id' }),
    }),
  ),
})
export type RoutePolicySummary = Type.Static<typeof RoutePolicySummary>

/** Settings an API dialect lays over every route of a service (service management's per-service config). */
export const ServiceSettingsOrigin = Type.Object({
  /** The service whose settings these are (the route's serviceName, or its id). */
  service: Type.String(),
  /** Who set them, for people: `service management`. */
  by: Type.String(),
  /** What they replace on the route: `load balancer`, `rate limit`, `circuit breaker`. */
  settings: Type.Array(Type.String()),
})
export type ServiceSettingsOrigin = Type.Static<typeof ServiceSettingsOrigin>

export const RouteDetail = Type.Object({
  ...RouteView.properties,
  definedBy: RouteOrigin,
  /** Present when a dialect's per-service settings override the route's own. */
  settingsFrom: Type.Optional(ServiceSettingsOrigin),
  outrankedBy: Type.Array(RouteRank),
  policies: RoutePolicySummary,
  /** The route as its source gave it, secrets redacted (what an edit starts from). */
  config: RouteConfig,
})
export type RouteDetail = Type.Static<typeof RouteDetail>

/** A policy a route runs beyond the defaults every route has (the Routes table's badges). */
export const PolicyName = Type.Union([
  Type.Literal('cache'),
  Type.Literal('rate limit'),
  Type.Literal('breaker'),
  Type.Literal('timeout'),
  Type.Literal('JWT'),
  Type.Literal('CORS'),
  Type.Literal('retry'),
  Type.Literal('validation'),
  Type.Literal('mock'),
])
export type PolicyName = Type.Static<typeof PolicyName>

/** GET /gateway/api/routes-summary: per route id, what the Routes table shows beside the route's view. */
export const RoutesSummary = Type.Object({
  version: Type.Number({ description: 'the configuration version these facts are about' }),
  routes: Type.Record(
    Type.String(),
    Type.Object({
      definedBy: RouteOrigin,
      /** Policies set on the route itself (the breaker and timeout only when the route sets them). */
      policies: Type.Array(PolicyName),
      /** Routes that answer this route's requests instead of it, the winner first; empty when none. */
      outrankedBy: Type.Array(RouteRank),
    }),
  ),
})
export type RoutesSummary = Type.Static<typeof RoutesSummary>
