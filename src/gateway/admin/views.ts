// The only place that turns configuration plus live state into the wire shapes of the bastion
// document. The REST API, the realtime stream and every dialect call these.
import type { RouteSpec, TargetSpec } from '../config/route-spec.ts'
import type { GatewayCore } from '../core.ts'
import type {
  GatewayStats,
  LatencyWindow,
  RouteStats,
  RouteStatsDetail,
  RouteView,
  TargetView,
  UpstreamView,
} from '../model/index.ts'
import type { SharedLimitCounters } from '../policies/shared-rate-limit.ts'
import { RECENT_WINDOW_S, type TrafficCounters } from '../stats/counters.ts'
import type { RedisConnection } from '../store/redis-connection.ts'
import { readableBuckets, Slice } from '../stats/latency-histogram.ts'

/** Avg, p50, p99 and the request count of one basis: the recent window (0 ms when it saw nothing). */
function recentLatency(c: TrafficCounters | undefined) {
  const w = c?.window()
  return {
    avgLatencyMs: w?.avgMs() ?? 0,
    p50LatencyMs: w?.percentile(50) ?? 0,
    p99LatencyMs: w?.percentile(99) ?? 0,
    windowS: RECENT_WINDOW_S,
    windowRequests: w?.requests ?? 0,
    windowErrors4xx: w?.errors4xx ?? 0,
    windowErrors5xx: w?.errors5xx ?? 0,
  }
}

/** A target takes requests: healthy and its circuit not open (the dashboard's target-health.ts rule). */
export function targetUsable(core: GatewayCore, targetId: string): boolean {
  const s = core.targetStates.peek(targetId)
  return (s?.healthy ?? true) && s?.circuitState !== 'open'
}

export function targetView(
  t: TargetSpec,
  core: GatewayCore,
): TargetView & { circuitState: UpstreamView['circuitState']; p99LatencyMs: number } {
  const c = core.targetCounters.peek(t.id)
  const s = core.targetStates.peek(t.id)
  const latency = recentLatency(c)
  return {
    id: t.id,
    url: t.url,
    weight: t.weight,
    healthy: s?.healthy ?? true,
    ...(s && !s.healthy && s.reason !== null ? { healthReason: s.reason } : {}),
    activeConns: c?.activeConns ?? 0,
    circuitState: s?.circuitState ?? 'closed',
    totalRequests: c?.totalRequests ?? 0,
    totalErrors: c?.totalErrors ?? 0,
    avgLatencyMs: latency.avgLatencyMs,
    p99LatencyMs: latency.p99LatencyMs,
    windowRequests: latency.windowRequests,
  }
}

export function routeView(r: RouteSpec, core: GatewayCore): RouteView {
  const cfg = r.config
  const view: RouteView = {
    id: r.id,
    path: r.path,
    methods: [...r.methods],
    targets: r.targets.map((t) => targetView(t, core)),
    stripPrefix: r.stripPrefix,
    protocol: r.protocol,
    source: r.source,
    priority: r.priority,
    enabled: r.enabled,
  }
  if (r.pathType !== 'prefix') view.pathType = r.pathType
  if (r.hosts.length > 0) view.hosts = [...r.hosts]
  if (r.serviceName !== undefined) view.serviceName = r.serviceName
  if (cfg.loadBalancer !== undefined) view.loadBalancer = cfg.loadBalancer
  if (cfg.headers !== undefined) view.headers = cfg.headers
  if (cfg.timeout !== undefined) view.timeout = cfg.timeout
  if (r.createdAt !== undefined) view.createdAt = r.createdAt
  if (r.updatedAt !== undefined) view.updatedAt = r.updatedAt
  return view
}

export function routeViews(core: GatewayCore): RouteView[] {
  return core.watcher.current.routes.map((r) => routeView(r, core))
}

export function upstreamViews(core: GatewayCore): UpstreamView[] {
  const out: UpstreamView[] = []
  for (const r of core.watcher.current.routes) {
    for (const t of r.targets) out.push({ ...targetView(t, core), routeId: r.id, routePath: r.path })
  }
  return out
}

export function routeStats(r: RouteSpec, core: GatewayCore): RouteStats {
  const c = core.routeCounters.peek(r.id)
  const latency = recentLatency(c)
  const stats: RouteStats = {
    routeId: r.id,
    path: r.path,
    totalRequests: c?.totalRequests ?? 0,
    totalErrors: c?.totalErrors ?? 0,
    avgLatencyMs: latency.avgLatencyMs,
    p50LatencyMs: latency.p50LatencyMs,
    p99LatencyMs: latency.p99LatencyMs,
    cacheHits: c?.cacheHits ?? 0,
    cacheMisses: c?.cacheMisses ?? 0,
    rateLimited: c?.rateLimited ?? 0,
    lastRequestAt: c?.lastRequestAt ? new Date(c.lastRequestAt).toISOString() : null,
    circuitBreaks: c?.circuitBreaks ?? 0,
    retryAttempts: c?.retryAttempts ?? 0,
    validationFailures: c?.validationFailures ?? 0,
    errors4xx: c?.errors4xx ?? 0,
    errors5xx: c?.errors5xx ?? 0,
    gatewayErrors: c?.gatewayErrors ?? 0,
    windowS: latency.windowS,
    windowRequests: latency.windowRequests,
    windowErrors4xx: latency.windowErrors4xx,
    windowErrors5xx: latency.windowErrors5xx,
  }
  // Only routes that validate responses carry the count, so the bastion shape stays as documented.
  const mode = r.config.metadata?.openapiValidate
  if (mode === 'response' || mode === 'both') stats.contractViolations = c?.contractViolations ?? 0
  return stats
}

function latencyWindow(w: Slice): LatencyWindow {
  return {
    requests: w.requests,
    errors4xx: w.errors4xx,
    errors5xx: w.errors5xx,
    p50Ms: w.percentile(50),
    p90Ms: w.percentile(90),
    p99Ms: w.percentile(99),
  }
}

/** A route's stats with its 1, 5 and 15 minute windows and the 15-minute latency histogram. */
export function routeStatsDetail(r: RouteSpec, core: GatewayCore, now = Date.now()): RouteStatsDetail {
  const c = core.routeCounters.peek(r.id)
  const empty = new Slice()
  const fifteen = c?.lastMinutes(15, now) ?? empty
  return {
    ...routeStats(r, core),
    windows: {
      '1m': latencyWindow(c?.window(now) ?? empty),
      '5m': latencyWindow(c?.lastMinutes(5, now) ?? empty),
      '15m': latencyWindow(fifteen),
    },
    histogram: { '15m': readableBuckets(fifteen) },
  }
}

export function gatewayStats(core: GatewayCore): GatewayStats {
  const g = core.traffic.counters
  const routes = core.watcher.current.routes
  // Counted like the Upstreams page lists them: each target id once, usable by the one rule.
  const seen = new Set<string>()
  let healthy = 0
  for (const r of routes) {
    for (const t of r.targets) {
      if (seen.has(t.id)) continue
      seen.add(t.id)
      if (targetUsable(core, t.id)) healthy++
    }
  }
  let cacheHits = 0
  let cacheMisses = 0
  let rateLimited = 0
  let circuitBreaks = 0
  let retryAttempts = 0
  let validationFailures = 0
  for (const r of routes) {
    const c = core.routeCounters.peek(r.id)
    if (!c) continue
    cacheHits += c.cacheHits
    cacheMisses += c.cacheMisses
    rateLimited += c.rateLimited
    circuitBreaks += c.circuitBreaks
    retryAttempts += c.retryAttempts
    validationFailures += c.validationFailures
  }
  const latency = recentLatency(g)
  return {
    totalRequests: g.totalRequests,
    totalErrors: g.totalErrors,
    activeConns: g.activeConns,
    activeWsConns: core.traffic.activeWs,
    activeSseConns: core.traffic.activeSse,
    avgLatencyMs: latency.avgLatencyMs,
    p50LatencyMs: latency.p50LatencyMs,
    p99LatencyMs: latency.p99LatencyMs,
    requestsPerSec: core.traffic.rate.perSecond(),
    cacheHits,
    cacheMisses,
    rateLimited,
    circuitBreaks,
    retryAttempts,
    totalRoutes: routes.length,
    healthyUpstreams: healthy,
    totalUpstreams: seen.size,
    uptime: Math.floor((Date.now() - core.startedAt.getTime()) / 1000),
    startedAt: core.startedAt.toISOString(),
    eventLoop: core.eventLoop.summary(),
    windowS: latency.windowS,
    windowRequests: latency.windowRequests,
    windowErrors4xx: latency.windowErrors4xx,
    windowErrors5xx: latency.windowErrors5xx,
    errors4xx: g.errors4xx,
    errors5xx: g.errors5xx,
    gatewayErrors: g.gatewayErrors,
    validationFailures,
    ...(core.sharedStore
      ? { sharedStore: sharedStoreStats(core.sharedStore, core.policies.sharedLimits) }
      : {}),
  }
}

function sharedStoreStats(
  store: RedisConnection,
  limits: SharedLimitCounters,
): NonNullable<GatewayStats['sharedStore']> {
  return {
    up: store.up,
    reason: store.up ? null : store.reason,
    failMode: store.failMode,
    roundTrips: limits.roundTrips,
    localRefusals: limits.localRefusals,
    fallbacks: limits.fallbacks,
  }
}
