import { useEffectiveConfig, useRoutes, useStats, useUpstreams } from '../api/queries.ts'
import { useGatewayHistory } from '../api/stats-queries.ts'
import { type ChartPoint, TimeChart } from '../components/time-chart.tsx'
import { CodeLine, EmptyState, queryGate } from '../components/states.tsx'
import {
  errorPercent,
  formatCount,
  formatLatency,
  formatMs,
  formatPercent,
  formatRate,
  formatUptime,
} from '../lib/format.ts'
import { hrefFor } from '../lib/hash-route.ts'
import { ProblemList } from '../components/problem-list.tsx'

const HOUR_MS = 3_600_000
const BUCKET_MS = 10_000

function Stat({ label, value, hint, id }: { label: string; value: string; hint?: string; id: string }) {
  return (
    <div className="stat">
      <dt>{label}</dt>
      <dd data-testid={`stat-${id}`}>{value}</dd>
      {hint && <dd className="stat-hint">{hint}</dd>}
    </div>
  )
}

export default function OverviewPage() {
  const stats = useStats()
  const routes = useRoutes()
  const upstreams = useUpstreams()
  const config = useEffectiveConfig()
  const history = useGatewayHistory()
  const gate = queryGate(stats, 'gateway statistics')
  const s = stats.data
  const points = history.data?.points ?? []
  const series = points.map((p) => ({ t: Date.parse(p.t), p }))
  const end = Math.max(Date.now(), (series.at(-1)?.t ?? 0) + BUCKET_MS)
  const rps: ChartPoint[] = series.map(({ t, p }) => ({ t, v: p.requests / (BUCKET_MS / 1000) }))
  const p99: ChartPoint[] = series.map(({ t, p }) => ({ t, v: p.p99Ms }))
  const errorRate: ChartPoint[] = series.map(({ t, p }) => ({
    t,
    v: p.requests > 0 ? errorPercent(p.errors5xx, p.requests) : null,
  }))
  const windowS = s?.windowS ?? 60
  const measured = (s?.windowRequests ?? 0) > 0
  const cacheLookups = (s?.cacheHits ?? 0) + (s?.cacheMisses ?? 0)

  return (
    <>
      <div className="page-header">
        <div>
          <h1>Overview</h1>
          <p className="subtitle">What needs attention now, then live traffic through this gateway.</p>
        </div>
      </div>
      {gate}
      <h2 className="section-title">Needs attention</h2>
      <ProblemList
        upstreams={upstreams.data}
        routes={routes.data}
        config={config.data}
        totals={s ? { usable: s.healthyUpstreams, total: s.totalUpstreams } : undefined}
        store={s?.sharedStore}
      />
      {s && (
        <dl className="stats-grid" aria-label="Gateway totals">
          <Stat
            id="rps"
            label="Requests / s (last 10 s)"
            value={formatRate(s.requestsPerSec)}
            hint={`${formatCount(s.activeConns)} in flight`}
          />
          <Stat
            id="p99"
            label={`p99 latency (last ${windowS} s)`}
            value={formatLatency(s.p99LatencyMs, measured)}
            hint={
              measured
                ? `p50 ${formatMs(s.p50LatencyMs)} · avg ${formatMs(s.avgLatencyMs)} · ${formatCount(s.windowRequests)} requests`
                : `no request finished in the last ${windowS} s`
            }
          />
          <Stat
            id="error-rate"
            label={`5xx rate (last ${windowS} s)`}
            value={
              measured ? formatPercent(errorPercent(s.windowErrors5xx ?? 0, s.windowRequests ?? 0)) : '–'
            }
            hint={`${formatCount(s.windowErrors5xx ?? 0)} 5xx · ${formatCount(s.windowErrors4xx ?? 0)} 4xx of ${formatCount(s.windowRequests ?? 0)}`}
          />
          <Stat
            id="total-requests"
            label="Requests since start"
            value={formatCount(s.totalRequests)}
            hint={`${formatCount(s.errors5xx ?? 0)} 5xx · ${formatCount(s.errors4xx ?? 0)} 4xx · ${formatCount(s.gatewayErrors ?? 0)} answered by the gateway`}
          />
          <Stat
            id="upstreams"
            label="Usable targets"
            value={`${formatCount(s.healthyUpstreams)} / ${formatCount(s.totalUpstreams)}`}
            hint="healthy, circuit not open"
          />
          <Stat id="routes" label="Routes" value={formatCount(s.totalRoutes)} />
          <Stat
            id="connections"
            label="Open tunnels and streams"
            value={formatCount(s.activeWsConns + s.activeSseConns)}
            hint={`${s.activeWsConns} WebSocket · ${s.activeSseConns} SSE`}
          />
          <Stat
            id="uptime"
            label="Uptime"
            value={formatUptime(s.uptime)}
            hint={`since ${new Date(s.startedAt).toLocaleString()}`}
          />
        </dl>
      )}
      {s && (
        <>
          <h2 className="section-title">Policy outcomes since start</h2>
          <dl className="stats-grid" aria-label="Policy outcomes">
            <Stat
              id="cache-hits"
              label="Cache hits"
              value={formatCount(s.cacheHits)}
              hint={
                cacheLookups > 0
                  ? `${formatPercent((s.cacheHits / cacheLookups) * 100)} of ${formatCount(cacheLookups)} lookups`
                  : 'no cached route used yet'
              }
            />
            <Stat id="rate-limited" label="Rate limited (429)" value={formatCount(s.rateLimited)} />
            <Stat id="circuit-breaks" label="Circuit breaks" value={formatCount(s.circuitBreaks)} />
            {s.sharedStore && (
              <Stat
                id="shared-limits"
                label="Shared limit decisions"
                value={formatCount(s.sharedStore.roundTrips)}
                hint={`${formatCount(s.sharedStore.localRefusals)} refused locally · ${formatCount(s.sharedStore.fallbacks)} without the store`}
              />
            )}
            <Stat id="retries" label="Retries" value={formatCount(s.retryAttempts)} />
            <Stat
              id="validation-failures"
              label="Failed validation (400)"
              value={formatCount(s.validationFailures ?? 0)}
            />
          </dl>
        </>
      )}
      {routes.data?.length === 0 && (
        <EmptyState title="No routes yet">
          <p>
            Sallyport answers on one port and forwards each path to a service.{' '}
            <a href={hrefFor('routes', { new: '1' })}>Create a route</a> (for example{' '}
            <code>/api/users → http://127.0.0.1:3000</code>), add <code>routes:</code> to your config file, or
            let a service announce itself:
          </p>
          <CodeLine>npx sallyport announce --name svc --port 3000</CodeLine>
        </EmptyState>
      )}
      <h2 className="section-title">The last hour</h2>
      <section aria-label="Charts" className="charts">
        <TimeChart
          title="Requests / s"
          testId="rps"
          windowLabel="10 s buckets · last hour"
          latestLabel="last bucket"
          points={rps}
          unit="rate"
          format={formatRate}
          color="var(--chart-1)"
          start={end - HOUR_MS}
          end={end}
          bucketMs={BUCKET_MS}
        />
        <TimeChart
          title="p99 latency"
          testId="p99"
          windowLabel="10 s buckets · last hour"
          latestLabel="last bucket with requests"
          points={p99}
          unit="ms"
          format={formatMs}
          color="var(--chart-2)"
          start={end - HOUR_MS}
          end={end}
          bucketMs={BUCKET_MS}
        />
        <TimeChart
          title="5xx rate"
          testId="errorRate"
          windowLabel="10 s buckets · last hour"
          latestLabel="last bucket with requests"
          points={errorRate}
          unit="percent"
          format={formatPercent}
          color="var(--chart-3)"
          start={end - HOUR_MS}
          end={end}
          bucketMs={BUCKET_MS}
        />
      </section>
      <p className="footnote">
        The gateway keeps this hour itself (10 s buckets, {points.length} so far); new buckets arrive every 10
        s.
      </p>
    </>
  )
}
