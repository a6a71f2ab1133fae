// The last hour of one route as bars, one per aggregate (10 s): requests, the part that failed in red.
// Small SVG, no chart library; the numbers that matter are written out beside it.
import type { HistoryPoint } from '../api/route-detail-queries.ts'
import { formatCount, formatMs } from '../lib/format.ts'

const WIDTH = 720
const HEIGHT = 64

export function HistoryBars({
  points,
  intervalS,
  windowS,
}: {
  points: readonly HistoryPoint[]
  intervalS: number
  windowS: number
}) {
  const slots = Math.max(1, Math.round(windowS / intervalS))
  const last = points.at(-1)
  const now = last ? Date.parse(last.t) : Date.now()
  const max = Math.max(1, ...points.map((p) => p.requests))
  const bar = WIDTH / slots
  let requests = 0
  let failed = 0
  let p99: number | undefined
  for (const p of points) {
    requests += p.requests
    failed += p.errors4xx + p.errors5xx
    if (p.p99Ms !== null) p99 = Math.max(p99 ?? 0, p.p99Ms)
  }
  const minutes = Math.round(windowS / 60)
  return (
    <figure className="history">
      <figcaption>
        Last {minutes} minutes: {formatCount(requests)} requests, {formatCount(failed)} answered 4xx/5xx,
        highest p99 of a {intervalS} s step {formatMs(p99)}
      </figcaption>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} preserveAspectRatio="none" role="img" aria-hidden="true">
        {points.map((p) => {
          const slot = slots - 1 - Math.round((now - Date.parse(p.t)) / (intervalS * 1000))
          if (slot < 0) return null
          const h = (p.requests / max) * HEIGHT
          const bad = ((p.errors4xx + p.errors5xx) / max) * HEIGHT
          return (
            <g key={p.t}>
              <rect
                className="history-ok"
                x={slot * bar}
                y={HEIGHT - h}
                width={Math.max(bar - 0.5, 0.5)}
                height={h}
              />
              {bad > 0 && (
                <rect
                  className="history-bad"
                  x={slot * bar}
                  y={HEIGHT - bad}
                  width={Math.max(bar - 0.5, 0.5)}
                  height={bad}
                />
              )}
            </g>
          )
        })}
      </svg>
      <div className="history-axis" aria-hidden="true">
        <span>{minutes} min ago</span>
        <span>now</span>
      </div>
    </figure>
  )
}
