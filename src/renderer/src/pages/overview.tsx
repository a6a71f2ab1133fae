import { useRoutes, useStats, useStatsHistory } from '../api/queries.ts'
import { TimeChart } from '../components/time-chart.tsx'
import { CodeLine, EmptyState, queryGate } from '../components/states.tsx'
import {
  errorPercent,
  formatCount,
  formatMs,
  formatPercent,
  formatRate,
  formatUptime,
} from '../lib/format.ts'
import { hrefFor } from '../lib/hash-route.ts'
import { STATS_POINTS } from '../realtime/realtime.ts'

const WINDOW_MS = STATS_POINTS * 2000

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
  const history = useStatsHistory()
  const gate = queryGate(stats, 'gateway statistics')
  const s = stats.data

  return (
    <>
      <div className="page-header">
        <div>
          <h1>Overview</h1>
          <p className="subtitle">Live traffic through this gateway, sampled every 2 s.</p>
        </div>
      </div>
      {gate}
      {s && (
        <dl className="stats-grid" aria-label="Gateway totals">
          <Stat id="rps" label="Requests / s" value={formatRate(s.requestsPerSec)} />
          <Stat
            id="p99"
            label="p99 latency"
            value={formatMs(s.p99LatencyMs)}
            hint={`avg ${formatMs(s.avgLatencyMs)}`}
          />
          <Stat
            id="error-rate"
            label="Error rate"
            value={formatPercent(errorPercent(s.totalErrors, s.totalRequests))}
            hint={`${formatCount(s.totalErrors)} errors`}
          />
          <Stat id="total-requests" label="Total requests" value={formatCount(s.totalRequests)} />
          <Stat
            id="upstreams"
            label="Healthy upstreams"
            value={`${formatCount(s.healthyUpstreams)} / ${formatCount(s.totalUpstreams)}`}
          />
          <Stat id="routes" label="Routes" value={formatCount(s.totalRoutes)} />
          <Stat
            id="connections"
            label="Active connections"
            value={formatCount(s.activeConns)}
            hint={`${s.activeWsConns} ws · ${s.activeSseConns} sse`}
          />
          <Stat
            id="uptime"
            label="Uptime"
            value={formatUptime(s.uptime)}
            hint={`since ${new Date(s.startedAt).toLocaleString()}`}
          />
        </dl>
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
      <section aria-label="Charts" className="charts">
        <TimeChart
          title="Requests / s"
          field="rps"
          points={history}
          format={formatRate}
          color="var(--chart-1)"
          windowMs={WINDOW_MS}
        />
        <TimeChart
          title="p99 latency"
          field="p99"
          points={history}
          format={formatMs}
          color="var(--chart-2)"
          windowMs={WINDOW_MS}
        />
        <TimeChart
          title="Error rate"
          field="errorRate"
          points={history}
          format={formatPercent}
          color="var(--chart-3)"
          windowMs={WINDOW_MS}
        />
      </section>
      <p className="footnote">
        Charts cover the last 15 minutes while this window is open ({history.length} samples so far).
      </p>
    </>
  )
}
