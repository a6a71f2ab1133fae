// Wire shapes the admin API, the realtime stream and the dashboard share (bastion document shapes).
import Type from 'typebox'
import { HeaderRules, RouteProtocol } from './config.ts'

export const RouteSource = Type.Union([
  Type.Literal('config'),
  Type.Literal('manual'),
  Type.Literal('farp'),
  Type.Literal('discovery'),
])
export type RouteSource = Type.Static<typeof RouteSource>

export const CircuitState = Type.Union([
  Type.Literal('closed'),
  Type.Literal('open'),
  Type.Literal('half-open'),
])
export type CircuitState = Type.Static<typeof CircuitState>

export const TargetView = Type.Object({
  id: Type.String(),
  url: Type.String(),
  weight: Type.Number(),
  healthy: Type.Boolean(),
  /** Why the target is out of rotation (failed health checks or consecutive failed requests). */
  healthReason: Type.Optional(Type.String()),
  activeConns: Type.Number(),
  circuitState: Type.Optional(CircuitState),
  totalRequests: Type.Number(),
  totalErrors: Type.Number(),
  avgLatencyMs: Type.Number(),
  p99LatencyMs: Type.Optional(Type.Number()),
  /** Requests finished in the window avg/p99 cover (`windowS`); 0: the latency numbers mean nothing. */
  windowRequests: Type.Optional(Type.Number()),
})
export type TargetView = Type.Static<typeof TargetView>

export const UpstreamView = Type.Object({
  ...TargetView.properties,
  circuitState: CircuitState,
  p99LatencyMs: Type.Number(),
  routeId: Type.String(),
  routePath: Type.String(),
})
export type UpstreamView = Type.Static<typeof UpstreamView>

export const RouteView = Type.Object({
  id: Type.String(),
  path: Type.String(),
  pathType: Type.Optional(Type.String()),
  methods: Type.Array(Type.String()),
  hosts: Type.Optional(Type.Array(Type.String())),
  targets: Type.Array(TargetView),
  stripPrefix: Type.Boolean(),
  protocol: RouteProtocol,
  source: RouteSource,
  serviceName: Type.Optional(Type.String()),
  priority: Type.Number(),
  enabled: Type.Boolean(),
  loadBalancer: Type.Optional(Type.String()),
  headers: Type.Optional(HeaderRules),
  timeout: Type.Optional(Type.Union([Type.Number(), Type.String()])),
  error: Type.Optional(Type.String({ description: 'why this route is disabled by the gateway' })),
  createdAt: Type.Optional(Type.String()),
  updatedAt: Type.Optional(Type.String()),
})
export type RouteView = Type.Static<typeof RouteView>

/** Latency (avg, p50, p99) and `windowRequests` cover the same recent window of `windowS` seconds. */
const windowFields = {
  windowS: Type.Optional(Type.Number({ description: 'seconds avg/p50/p99 and windowRequests cover' })),
  windowRequests: Type.Optional(
    Type.Number({ description: 'requests finished in the window; 0 means the latencies are not measured' }),
  ),
  windowErrors4xx: Type.Optional(Type.Number({ description: '4xx answers in the window' })),
  windowErrors5xx: Type.Optional(Type.Number({ description: '5xx answers in the window' })),
}

/** Answers by class since start; the bastion's totalErrors stays "5xx or failed". */
const outcomeFields = {
  errors4xx: Type.Optional(Type.Number()),
  errors5xx: Type.Optional(Type.Number()),
  gatewayErrors: Type.Optional(
    Type.Number({
      description: 'error answers the gateway made itself (no route, limit, breaker, upstream failure)',
    }),
  ),
  validationFailures: Type.Optional(
    Type.Number({ description: 'requests refused by OpenAPI request validation' }),
  ),
}

export const GatewayStats = Type.Object({
  totalRequests: Type.Number(),
  totalErrors: Type.Number(),
  activeConns: Type.Number(),
  activeWsConns: Type.Number(),
  activeSseConns: Type.Number(),
  avgLatencyMs: Type.Number(),
  p50LatencyMs: Type.Optional(Type.Number()),
  p99LatencyMs: Type.Number(),
  requestsPerSec: Type.Number(),
  cacheHits: Type.Number(),
  cacheMisses: Type.Number(),
  rateLimited: Type.Number(),
  circuitBreaks: Type.Number(),
  retryAttempts: Type.Number(),
  totalRoutes: Type.Number(),
  healthyUpstreams: Type.Number(),
  totalUpstreams: Type.Number(),
  uptime: Type.Number(),
  startedAt: Type.String(),
  /** How long the event loop was held beyond its 10 ms sampling tick, over the last `windowS` seconds. */
  eventLoop: Type.Optional(
    Type.Object({
      p50Ms: Type.Number(),
      p99Ms: Type.Number(),
      maxMs: Type.Number(),
      windowS: Type.Number(),
    }),
  ),
  /** Present when `store.redis` is configured: whether the shared store answers, and how limits were decided. */
  sharedStore: Type.Optional(
    Type.Object({
      up: Type.Boolean(),
      reason: Type.Union([Type.String(), Type.Null()], { description: 'why it is down; null while up' }),
      failMode: Type.Union([Type.Literal('open'), Type.Literal('closed')]),
      roundTrips: Type.Number({ description: 'rate-limit decisions the shared store made' }),
      localRefusals: Type.Number({ description: 'refusals the local bucket made without asking the store' }),
      fallbacks: Type.Number({ description: 'decisions made without the store (down or too slow)' }),
    }),
  ),
  ...windowFields,
  ...outcomeFields,
})
export type GatewayStats = Type.Static<typeof GatewayStats>

export const RouteStats = Type.Object({
  routeId: Type.String(),
  path: Type.String(),
  totalRequests: Type.Number(),
  totalErrors: Type.Number(),
  avgLatencyMs: Type.Number(),
  p50LatencyMs: Type.Optional(Type.Number()),
  p99LatencyMs: Type.Number(),
  cacheHits: Type.Number(),
  cacheMisses: Type.Number(),
  rateLimited: Type.Number(),
  contractViolations: Type.Optional(
    Type.Number({ description: 'responses that broke the OpenAPI contract' }),
  ),
  lastRequestAt: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  circuitBreaks: Type.Optional(Type.Number()),
  retryAttempts: Type.Optional(Type.Number()),
  ...windowFields,
  ...outcomeFields,
})
export type RouteStats = Type.Static<typeof RouteStats>

export const ConfigIssue = Type.Object({
  entity: Type.Union([Type.Literal('route'), Type.Literal('settings'), Type.Literal('file')]),
  id: Type.String(),
  source: Type.String(),
  code: Type.String(),
  message: Type.String(),
  effect: Type.Union([Type.Literal('disabled'), Type.Literal('rejected'), Type.Literal('warning')]),
  /** The file the problem is in (config-file problems). */
  file: Type.Optional(Type.String()),
  line: Type.Optional(Type.Number()),
  column: Type.Optional(Type.Number()),
  /** The field the problem is about, e.g. `routes[6].timeout`. */
  field: Type.Optional(Type.String()),
})
export type ConfigIssue = Type.Static<typeof ConfigIssue>

/** GET /gateway/api/config: the applied configuration and every problem that kept a part of a save out. */
export const ConfigView = Type.Object({
  version: Type.Number({ description: 'the applied version: a save that applied nothing leaves it' }),
  hash: Type.String({ description: 'hash of the applied configuration' }),
  appliedAt: Type.String({ description: 'when this version was applied (ISO time)' }),
  configFile: Type.Union([Type.String(), Type.Null()]),
  dataDir: Type.Union([Type.String(), Type.Null()]),
  config: Type.Unknown({ description: 'the effective configuration, secrets redacted' }),
  issues: Type.Array(ConfigIssue, {
    description:
      'rejected sources (effect "rejected": their last save was not applied) first, then left-out routes',
  }),
  status: Type.Union([Type.Literal('applied'), Type.Literal('partial'), Type.Literal('rejected')]),
  sources: Type.Array(
    Type.Object({
      source: Type.String(),
      hash: Type.String(),
      updatedAt: Type.String(),
      error: Type.Union([Type.String(), Type.Null()]),
      applied: Type.Boolean({ description: "false while the source's last save is rejected" }),
    }),
  ),
})
export type ConfigView = Type.Static<typeof ConfigView>

export const ErrorBody = Type.Object({ error: Type.String() })
export type ErrorBody = Type.Static<typeof ErrorBody>

export const StatusBody = Type.Object({ status: Type.String() })
