// The only place that turns configuration plus live state into the wire shapes of the bastion
// document. The REST API, the realtime stream and every dialect call these.
import type { RouteSpec, TargetSpec } from '../config/route-spec.ts'
import type { GatewayCore } from '../core.ts'
import type { GatewayStats, RouteStats, RouteView, TargetView, UpstreamView } from '../model/index.ts'

export function targetView(
  t: TargetSpec,
  core: GatewayCore,
): TargetView & { circuitState: UpstreamView['circuitState']; p99LatencyMs: number } {
  const c = core.targetCounters.peek(t.id)
  const s = core.targetStates.peek(t.id)
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
    avgLatencyMs: c?.avgLatencyMs() ?? 0,
    p99LatencyMs: c?.p99LatencyMs() ?? 0,
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
  const stats: RouteStats = {
    routeId: r.id,
    path: r.path,
    totalRequests: c?.totalRequests ?? 0,
    totalErrors: c?.totalErrors ?? 0,
    avgLatencyMs: c?.avgLatencyMs() ?? 0,
    p50LatencyMs: c?.p50LatencyMs() ?? 0,
    p99LatencyMs: c?.p99LatencyMs() ?? 0,
    cacheHits: c?.cacheHits ?? 0,
    cacheMisses: c?.cacheMisses ?? 0,
    rateLimited: c?.rateLimited ?? 0,
    lastRequestAt: c?.lastRequestAt ? new Date(c.lastRequestAt).toISOString() : null,
  }
  // Only routes that validate responses carry the count, so the bastion shape stays as documented.
  const mode = r.config.metadata?.openapiValidate
  if (mode === 'response' || mode === 'both') stats.contractViolations = c?.contractViolations ?? 0
  return stats
}

export function gatewayStats(core: GatewayCore): GatewayStats {
  const g = core.traffic.counters
  const routes = core.watcher.current.routes
  const seen = new Set<string>()
  let healthy = 0
  for (const r of routes) {
    for (const t of r.targets) {
      if (seen.has(t.id)) continue
      seen.add(t.id)
      if (core.targetStates.peek(t.id)?.up ?? true) healthy++
    }
  }
  let cacheHits = 0
  let cacheMisses = 0
  let rateLimited = 0
  let circuitBreaks = 0
  let retryAttempts = 0
  for (const r of routes) {
    const c = core.routeCounters.peek(r.id)
    if (!c) continue
    cacheHits += c.cacheHits
    cacheMisses += c.cacheMisses
    rateLimited += c.rateLimited
    circuitBreaks += c.circuitBreaks
    retryAttempts += c.retryAttempts
  }
  return {
    totalRequests: g.totalRequests,
    totalErrors: g.totalErrors,
    activeConns: g.activeConns,
    activeWsConns: core.traffic.activeWs,
    activeSseConns: core.traffic.activeSse,
    avgLatencyMs: g.avgLatencyMs(),
    p50LatencyMs: g.p50LatencyMs(),
    p99LatencyMs: g.p99LatencyMs(),
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
  }
}
