// GET /health (platform-gateway document): one component per upstream service (targets grouped by
// the route's serviceName, else its id) plus the gateway's own parts. 200 healthy, 207 degraded,
// 503 unhealthy. Registered inside the admin guard, so configured admin credentials are required.
import type { FastifyInstance } from 'fastify'
import type { GatewayCore } from '../core.ts'
import { type ProbeResult, probe } from '../health/health-checker.ts'
import { probeGrpcHealth } from '../health/grpc-health-probe.ts'
import type { ComponentStatus, HealthComponent as Component, HealthReport } from '../model/index.ts'
import type { RedisConnection } from '../store/redis-connection.ts'
import { UpstreamAgent } from '../upstream/agent.ts'

/** A target slower than this is degraded. */
const SLOW_MS = 2000
const PING_TIMEOUT_MS = 2000

export function formatUptime(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000))
  return `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m${s % 60}s`
}

function worst(list: readonly ComponentStatus[]): ComponentStatus {
  if (list.includes('unhealthy')) return 'unhealthy'
  if (list.includes('degraded')) return 'degraded'
  return 'healthy'
}

export async function healthReport(core: GatewayCore, agent: UpstreamAgent): Promise<HealthReport> {
  const components: Record<string, Component> = {}
  const configErrors = core.watcher
    .sources()
    .filter((s) => s.error)
    .map((s) => `${s.source}: ${s.error?.message}`)
  components.config = {
    status: configErrors.length > 0 ? 'unhealthy' : 'healthy',
    latencyMs: 0,
    error: configErrors.length > 0 ? configErrors.join('; ') : null,
  }
  components.proxy = {
    status: core.lifecycle.draining ? 'unhealthy' : 'healthy',
    latencyMs: 0,
    error: core.lifecycle.draining ? 'gateway is draining' : null,
  }
  if (core.sharedStore) components.store = await storeHealth(core.sharedStore)
  const groups = new Map<string, { id: string; origin: string; path: string | undefined; grpc: boolean }[]>()
  for (const r of core.watcher.current.routes) {
    if (!r.enabled) continue
    const name = r.serviceName ?? r.id
    const list = groups.get(name) ?? []
    for (const t of r.targets)
      if (!list.some((x) => x.id === t.id))
        list.push({ id: t.id, origin: t.origin, path: t.healthCheckPath, grpc: r.protocol === 'grpc' })
    groups.set(name, list)
  }
  const checking = core.healthChecker.checking
  await Promise.all(
    [...groups].map(async ([name, targets]) => {
      const results = await Promise.all(
        targets.map(async (t): Promise<Component> => {
          const s = core.targetStates.peek(t.id)
          let latencyMs: number | null
          let error: string | null
          let reachable: boolean
          if (s && checking.has(t.id) && s.lastCheckAt > 0) {
            latencyMs = s.lastCheckLatencyMs
            error = s.lastCheckError
            reachable = s.healthy
          } else {
            // Not actively checked: ping now; any answer below 500 (any gRPC status) means it is up.
            const r = t.grpc
              ? await pingGrpc(t.origin)
              : await probe(agent, t.origin + (t.path ?? '/'), PING_TIMEOUT_MS, undefined, (c) => c < 500)
            latencyMs = r.latencyMs
            error = r.error
            reachable = r.ok && (s?.healthy ?? true)
          }
          if (!reachable) return { status: 'unhealthy', latencyMs, error: error ?? s?.reason ?? 'unhealthy' }
          if (s && s.circuitState !== 'closed')
            return { status: 'degraded', latencyMs, error: `circuit ${s.circuitState}` }
          if (latencyMs !== null && latencyMs > SLOW_MS)
            return { status: 'degraded', latencyMs, error: `response time > ${SLOW_MS}ms` }
          return { status: 'healthy', latencyMs, error: null }
        }),
      )
      const statuses = results.map((r) => r.status)
      const status: ComponentStatus = statuses.every((x) => x === 'unhealthy')
        ? 'unhealthy'
        : statuses.every((x) => x === 'healthy')
          ? 'healthy'
          : 'degraded'
      const latencies = results.map((r) => r.latencyMs).filter((l): l is number => l !== null)
      components[name] = {
        status,
        latencyMs: latencies.length > 0 ? Math.max(...latencies) : null,
        error: results.find((r) => r.error)?.error ?? null,
      }
    }),
  )
  return {
    status: worst(Object.values(components).map((c) => c.status)),
    version: core.version,
    uptime: formatUptime(Date.now() - core.startedAt.getTime()),
    components,
  }
}

export function registerHealthReport(app: FastifyInstance, core: GatewayCore): void {
  const agent = new UpstreamAgent({
    connections: 2,
    keepAliveTimeoutMs: 1000,
    connectTimeoutMs: PING_TIMEOUT_MS,
  })
  app.addHook('onClose', async () => agent.close())
  app.get('/health', async (_req, reply) => {
    const report = await healthReport(core, agent)
    reply.code(report.status === 'healthy' ? 200 : report.status === 'degraded' ? 207 : 503)
    return report
  })
}

/** A gRPC server is up when it answers the standard health check at all (even "not implemented"). */
async function pingGrpc(origin: string): Promise<ProbeResult> {
  const r = await probeGrpcHealth(origin, { timeoutMs: PING_TIMEOUT_MS })
  const latencyMs = Math.round(r.latencyMs)
  return r.answered ? { ok: true, latencyMs, error: null } : { ok: false, latencyMs: null, error: r.detail }
}

/** The shared store: a PING within the store's timeout; down means degraded (limits per instance or 503). */
async function storeHealth(store: RedisConnection): Promise<Component> {
  const started = performance.now()
  const error = store.up
    ? await store.client.ping().then(
        () => null,
        (e: Error) => e.message,
      )
    : store.reason
  if (error === null)
    return { status: 'healthy', latencyMs: Math.round(performance.now() - started), error: null }
  const effect =
    store.failMode === 'open'
      ? 'rate limits are enforced per instance'
      : 'rate-limited routes answer 503 (failMode closed)'
  return { status: 'degraded', latencyMs: null, error: `shared store unreachable (${error}): ${effect}` }
}
