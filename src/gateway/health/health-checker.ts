// Active health checks: an HTTP GET to each target's health path on an interval. 200–399 counts as
// a success; `unhealthyThreshold` failures in a row take the target out, `healthyThreshold`
// successes bring it back. Targets of gRPC routes are asked the standard gRPC way instead
// (grpc.health.v1.Health/Check; the check's `path`, without its "/", names the service).
// Reconciled on every snapshot; state lives on TargetState (keyed by id).
import type { Snapshot } from '../config/snapshot.ts'
import { UpstreamAgent } from '../upstream/agent.ts'
import { requestStatus } from '../upstream/request.ts'
import { probeGrpcHealth } from './grpc-health-probe.ts'
import type { TargetState, TargetStateRegistry } from './target-state.ts'

export interface CheckSpec {
  readonly targetId: string
  readonly url: string
  readonly intervalMs: number
  readonly timeoutMs: number
  readonly unhealthyThreshold: number
  readonly healthyThreshold: number
  /** A gRPC target: the service its health is asked about ('' for the whole server). */
  readonly grpcService?: string
}

/** Every target that should be actively checked under this snapshot. */
export function checkSpecs(snapshot: Snapshot): CheckSpec[] {
  const out = new Map<string, CheckSpec>()
  for (const route of snapshot.routes) {
    const h = route.health
    if (!route.enabled || route.protocol === 'websocket' || !h.enabled) continue
    const grpc = route.protocol === 'grpc'
    for (const t of route.targets) {
      const path = t.healthCheckPath ?? h.path
      // A gRPC server answers the standard check without a path being named; others need one.
      if ((path === undefined && !(grpc && h.active)) || out.has(t.id)) continue
      out.set(t.id, {
        targetId: t.id,
        ...(grpc ? { grpcService: (path ?? '/').slice(1) } : {}),
        url: grpc ? t.origin : t.origin + path,
        intervalMs: Math.max(50, h.intervalMs),
        timeoutMs: Math.max(10, h.timeoutMs),
        unhealthyThreshold: h.unhealthyThreshold,
        healthyThreshold: h.healthyThreshold,
      })
    }
  }
  return [...out.values()]
}

interface Job {
  readonly key: string
  readonly spec: CheckSpec
  timer: NodeJS.Timeout | undefined
  abort: AbortController | undefined
  stopped: boolean
}

export interface HealthChecker {
  reconcile(snapshot: Snapshot): void
  /** Runs one check for a target now (tests, the /health report). */
  checkNow(targetId: string): Promise<void>
  readonly checking: ReadonlySet<string>
  close(): Promise<void>
}

export interface ProbeResult {
  readonly ok: boolean
  readonly latencyMs: number | null
  readonly error: string | null
}

/** One GET; any 200–399 is healthy. Shared with the /health report's on-demand pings. */
export async function probe(
  agent: UpstreamAgent,
  url: string,
  timeoutMs: number,
  signal?: AbortSignal,
  healthyStatus: (status: number) => boolean = (s) => s >= 200 && s < 400,
): Promise<ProbeResult> {
  const started = performance.now()
  try {
    const status = await requestStatus(agent, url, {
      timeoutMs,
      ...(signal ? { signal } : {}),
      headers: { 'user-agent': 'sallyport-health-check' },
    })
    const latencyMs = Math.round(performance.now() - started)
    if (healthyStatus(status)) return { ok: true, latencyMs, error: null }
    return { ok: false, latencyMs, error: `health check answered ${status}` }
  } catch (err) {
    const e = err as Error & { code?: string }
    const timedOut = e.code === 'UPSTREAM_HEADERS_TIMEOUT' || e.code === 'UPSTREAM_CONNECT_TIMEOUT'
    return {
      ok: false,
      latencyMs: null,
      error: timedOut
        ? `no answer within ${timeoutMs} ms`
        : e.code === 'ECONNREFUSED'
          ? 'connection refused'
          : (e.code ?? e.message),
    }
  }
}

/** The standard gRPC health check of one target, as a probe result. */
async function probeGrpc(
  origin: string,
  service: string,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<ProbeResult> {
  const r = await probeGrpcHealth(origin, { service, timeoutMs, signal })
  return r.healthy
    ? { ok: true, latencyMs: Math.round(r.latencyMs), error: null }
    : { ok: false, latencyMs: null, error: `gRPC health check: ${r.detail}` }
}

export function record(state: TargetState, spec: CheckSpec, r: ProbeResult): void {
  state.lastCheckAt = Date.now()
  state.lastCheckLatencyMs = r.latencyMs
  state.lastCheckError = r.error
  if (r.ok) {
    state.checkFailures = 0
    state.checkSuccesses++
    if (!state.healthy && state.checkSuccesses >= spec.healthyThreshold) state.markHealthy()
  } else {
    state.checkSuccesses = 0
    state.checkFailures++
    if (state.checkFailures >= spec.unhealthyThreshold) {
      state.healthy = false
      state.passiveUntil = 0
      state.passiveTrial = false
      state.reason = r.error
    }
  }
}

export function createHealthChecker(states: TargetStateRegistry): HealthChecker {
  const agent = new UpstreamAgent({ connections: 4, keepAliveTimeoutMs: 10_000, connectTimeoutMs: 5_000 })
  const jobs = new Map<string, Job>()
  let closed = false

  const run = async (job: Job): Promise<void> => {
    if (job.stopped || job.abort) return
    job.abort = new AbortController()
    try {
      const spec = job.spec
      const r =
        spec.grpcService !== undefined
          ? await probeGrpc(spec.url, spec.grpcService, spec.timeoutMs, job.abort.signal)
          : await probe(agent, spec.url, spec.timeoutMs, job.abort.signal)
      if (!job.stopped) record(states.get(job.spec.targetId), job.spec, r)
    } finally {
      job.abort = undefined
    }
  }
  const schedule = (job: Job) => {
    if (job.stopped) return
    job.timer = setTimeout(() => {
      void run(job).finally(() => schedule(job))
    }, job.spec.intervalMs)
  }
  const stop = (job: Job) => {
    job.stopped = true
    clearTimeout(job.timer)
    job.abort?.abort()
  }

  return {
    reconcile(snapshot) {
      if (closed) return
      const wanted = new Map(checkSpecs(snapshot).map((s) => [s.targetId, s]))
      for (const [id, job] of jobs) {
        const spec = wanted.get(id)
        if (!spec || JSON.stringify(spec) !== job.key) {
          stop(job)
          jobs.delete(id)
          // No longer checked: a target the checker took out must not stay out forever.
          if (!spec) {
            const s = states.peek(id)
            if (s && !s.healthy && s.passiveUntil === 0) s.markHealthy()
          }
        }
      }
      for (const [id, spec] of wanted) {
        if (jobs.has(id)) continue
        const job: Job = {
          key: JSON.stringify(spec),
          spec,
          timer: undefined,
          abort: undefined,
          stopped: false,
        }
        jobs.set(id, job)
        // First probe at once, so a down target is known before the first interval passes.
        void run(job).finally(() => schedule(job))
      }
    },
    async checkNow(targetId) {
      const job = jobs.get(targetId)
      if (job) await run(job)
    },
    get checking() {
      return new Set(jobs.keys())
    },
    async close() {
      if (closed) return
      closed = true
      for (const job of jobs.values()) stop(job)
      jobs.clear()
      await agent.close().catch(() => {})
    },
  }
}
