// GET /metrics: a prom-client Registry of its own, filled from the live counters at scrape time
// (nothing is recorded twice; the hot path never sees prom-client).
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client'
import type { GatewayCore } from '../core.ts'
import { EVENT_LOOP_BUCKETS_S } from '../stats/event-loop-delay.ts'

const CIRCUIT = { closed: 0, 'half-open': 1, open: 2 } as const

export interface Metrics {
  readonly contentType: string
  text(): Promise<string>
}

export function createMetrics(core: GatewayCore): Metrics {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry, prefix: 'sallyport_' })
  const routes = () => core.watcher.current.routes
  const targets = () => {
    const seen = new Map<string, { routeId: string; url: string }>()
    for (const r of routes())
      for (const t of r.targets) if (!seen.has(t.id)) seen.set(t.id, { routeId: r.id, url: t.url })
    return seen
  }

  new Counter({
    name: 'sallyport_requests_total',
    help: 'Proxied requests, by route',
    labelNames: ['route'],
    registers: [registry],
    collect() {
      this.reset()
      for (const r of routes()) this.inc({ route: r.id }, core.routeCounters.peek(r.id)?.totalRequests ?? 0)
    },
  })
  new Counter({
    name: 'sallyport_request_errors_total',
    help: 'Proxied requests that failed or answered 5xx, by route',
    labelNames: ['route'],
    registers: [registry],
    collect() {
      this.reset()
      for (const r of routes()) this.inc({ route: r.id }, core.routeCounters.peek(r.id)?.totalErrors ?? 0)
    },
  })
  new Gauge({
    name: 'sallyport_request_latency_seconds',
    help: 'Request latency over the recent window, by route and statistic (avg, p50, p99)',
    labelNames: ['route', 'stat'],
    registers: [registry],
    collect() {
      this.reset()
      for (const r of routes()) {
        // One merge of the route's recent slices for all three numbers.
        const w = core.routeCounters.peek(r.id)?.window()
        this.set({ route: r.id, stat: 'avg' }, (w?.avgMs() ?? 0) / 1000)
        this.set({ route: r.id, stat: 'p50' }, (w?.percentile(50) ?? 0) / 1000)
        this.set({ route: r.id, stat: 'p99' }, (w?.percentile(99) ?? 0) / 1000)
      }
    },
  })
  new Gauge({
    name: 'sallyport_active_connections',
    help: 'Requests in flight, by protocol',
    labelNames: ['protocol'],
    registers: [registry],
    collect() {
      this.set({ protocol: 'http' }, core.traffic.counters.activeConns)
      this.set({ protocol: 'websocket' }, core.traffic.activeWs)
      this.set({ protocol: 'sse' }, core.traffic.activeSse)
    },
  })
  new Gauge({
    name: 'sallyport_upstream_healthy',
    help: '1 when the upstream target is healthy, else 0',
    labelNames: ['target', 'route'],
    registers: [registry],
    collect() {
      this.reset()
      for (const [id, t] of targets())
        this.set({ target: id, route: t.routeId }, (core.targetStates.peek(id)?.healthy ?? true) ? 1 : 0)
    },
  })
  new Gauge({
    name: 'sallyport_circuit_state',
    help: 'Circuit breaker state per upstream target: 0 closed, 1 half-open, 2 open',
    labelNames: ['target', 'route'],
    registers: [registry],
    collect() {
      this.reset()
      for (const [id, t] of targets())
        this.set(
          { target: id, route: t.routeId },
          CIRCUIT[core.targetStates.peek(id)?.circuitState ?? 'closed'],
        )
    },
  })
  new Gauge({
    name: 'sallyport_routes',
    help: 'Routes in the live configuration',
    registers: [registry],
    collect() {
      this.set(routes().length)
    },
  })
  const store = core.sharedStore
  if (store) {
    new Gauge({
      name: 'sallyport_shared_store_up',
      help: '1 while the shared store (store.redis) answers, else 0',
      registers: [registry],
      collect() {
        this.set(store.up ? 1 : 0)
      },
    })
    new Counter({
      name: 'sallyport_shared_limit_decisions_total',
      help: 'Rate-limit decisions on shared limits, by who made them: store (a round trip), local (refused without asking), fallback (store unreachable)',
      labelNames: ['by'],
      registers: [registry],
      collect() {
        const c = core.policies.sharedLimits
        this.reset()
        this.inc({ by: 'store' }, c.roundTrips)
        this.inc({ by: 'local' }, c.localRefusals)
        this.inc({ by: 'fallback' }, c.fallbacks)
      },
    })
  }

  // A histogram filled from perf_hooks.monitorEventLoopDelay; prom-client's default metrics only export
  // gauges of it (nodejs_eventloop_lag_*_seconds, reset at each scrape).
  registry.registerMetric({
    name: 'sallyport_event_loop_delay_seconds',
    get() {
      const h = core.eventLoop.histogram()
      const name = 'sallyport_event_loop_delay_seconds'
      return {
        name,
        help: 'How long the event loop was held beyond its 10 ms sampling tick, since start',
        type: 'histogram',
        aggregator: 'sum',
        values: [
          ...EVENT_LOOP_BUCKETS_S.map((le, i) => ({
            metricName: `${name}_bucket`,
            labels: { le },
            value: h.buckets[i] ?? 0,
          })),
          { metricName: `${name}_bucket`, labels: { le: '+Inf' }, value: h.count },
          { metricName: `${name}_sum`, labels: {}, value: h.sumS },
          { metricName: `${name}_count`, labels: {}, value: h.count },
        ],
      }
    },
  } as never)

  return { contentType: registry.contentType, text: () => registry.metrics() }
}
