// The route page's latency: percentiles over 1, 5 and 15 minutes, the 15-minute histogram and the last
// hour. Each part says which window it covers, and shows "–" for what the gateway does not send.
import { errorText } from '../api/client.ts'
import {
  type HistogramBucket,
  type StatsWindow,
  useRouteHistory,
  useRouteStatsDetail,
} from '../api/route-detail-queries.ts'
import { formatCount, formatMs } from '../lib/format.ts'
import { HistoryBars } from './history-bars.tsx'

const WINDOWS = ['1m', '5m', '15m'] as const
const count = (n: number | undefined) => formatCount(n)
const ms = (n: number | null | undefined) => formatMs(n ?? undefined)

function Histogram({ buckets }: { buckets: readonly HistogramBucket[] }) {
  const max = Math.max(1, ...buckets.map((b) => b.count))
  let below = 0
  return (
    <ol className="histogram" aria-label="Latency histogram, last 15 minutes">
      {buckets.map((b) => {
        const from = below
        below = b.upToMs ?? below
        const label = b.upToMs === null ? `over ${formatMs(from)}` : `up to ${formatMs(b.upToMs)}`
        return (
          <li key={label} title={`${label}: ${b.count}`}>
            <span className="histogram-label">{label}</span>
            <span className="histogram-bar" style={{ width: `${(b.count / max) * 100}%` }} />
            <span className="histogram-count">{formatCount(b.count)}</span>
          </li>
        )
      })}
    </ol>
  )
}

function LastHour({ id }: { id: string }) {
  const history = useRouteHistory(id)
  if (!history.data) return null
  return (
    <HistoryBars
      points={history.data.points}
      intervalS={history.data.intervalS}
      windowS={history.data.windowS}
    />
  )
}

export function RouteLatency({ id }: { id: string }) {
  const stats = useRouteStatsDetail(id)
  if (stats.isError)
    return (
      <section className="detail-card wide" aria-labelledby="latency-title">
        <h2 id="latency-title">Latency</h2>
        <p className="muted">Could not load the route's latency: {errorText(stats.error)}</p>
      </section>
    )
  const windows = stats.data?.windows
  const buckets = stats.data?.histogram?.['15m']
  if (stats.data && !windows)
    return (
      <section className="detail-card wide" aria-labelledby="latency-title">
        <h2 id="latency-title">Latency</h2>
        <p>
          Since start: avg {ms(stats.data.avgLatencyMs)}, p50 {ms(stats.data.p50LatencyMs)}, p99{' '}
          {ms(stats.data.p99LatencyMs)} over {count(stats.data.totalRequests)} requests.
        </p>
        <p className="muted small">This gateway keeps no 1, 5 and 15 minute windows for routes.</p>
        <LastHour id={id} />
      </section>
    )
  return (
    <section className="detail-card wide" aria-labelledby="latency-title">
      <h2 id="latency-title">Latency</h2>
      <table className="kv-table latency-table">
        <thead>
          <tr>
            <th scope="col">Window</th>
            <th scope="col" className="num">
              Requests
            </th>
            <th scope="col" className="num">
              4xx / 5xx
            </th>
            <th scope="col" className="num">
              p50
            </th>
            <th scope="col" className="num">
              p90
            </th>
            <th scope="col" className="num">
              p99
            </th>
          </tr>
        </thead>
        <tbody>
          {WINDOWS.map((w) => {
            const s: StatsWindow | undefined = windows?.[w]
            return (
              <tr key={w}>
                <th scope="row">last {w.replace('m', ' min')}</th>
                <td className="num">{count(s?.requests)}</td>
                <td className="num">
                  {count(s?.errors4xx)} / {count(s?.errors5xx)}
                </td>
                <td className="num">{ms(s?.p50Ms)}</td>
                <td className="num">{ms(s?.p90Ms)}</td>
                <td className="num">{ms(s?.p99Ms)}</td>
              </tr>
            )
          })}
        </tbody>
      </table>
      {buckets && buckets.length > 0 ? (
        <>
          <h3 className="histogram-title">How long requests took, last 15 minutes</h3>
          <Histogram buckets={buckets} />
        </>
      ) : (
        <p className="muted small">No latency histogram for the last 15 minutes yet.</p>
      )}
      <LastHour id={id} />
    </section>
  )
}
