import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts'
import { type ChartUnit, niceTicks, tickLabels, timeTicks } from '../lib/chart-scale.ts'
import { formatClock, formatShortClock } from '../lib/format.ts'

/** One bucket: its start time and value (null: nothing measured, e.g. no request for a latency). */
export interface ChartPoint {
  t: number
  v: number | null
}

interface TimeChartProps {
  title: string
  /** What each point and the whole chart cover, e.g. "10 s buckets · last hour". */
  windowLabel: string
  points: ChartPoint[]
  unit: ChartUnit
  /** How a value reads in the header and the tooltip. */
  format: (value: number) => string
  /** What the header's value covers, e.g. "last 10 s". */
  latestLabel: string
  color: string
  start: number
  end: number
  /** The span of one point (tooltips say which interval a value covers). */
  bucketMs: number
  testId: string
}

/** About the width of one 11 px tick character, for a Y axis wide enough that labels never clip. */
const CHAR_PX = 7

export function TimeChart(props: TimeChartProps) {
  const { title, windowLabel, points, unit, format, latestLabel, color, start, end, bucketMs, testId } = props
  const clamp = (v: number) => (unit === 'percent' ? Math.min(v, 100) : v)
  const data = points.map((p) => ({ t: p.t, v: p.v === null ? null : clamp(p.v) }))
  const measured = data.filter((p): p is { t: number; v: number } => p.v !== null)
  const latest = measured.at(-1)
  const peak = measured.reduce((max, p) => Math.max(max, p.v), 0)
  const yTicks = niceTicks(peak, unit)
  const labels = tickLabels(yTicks, unit)
  const labelOf = new Map(yTicks.map((t, i) => [t, labels[i] as string]))
  const axisWidth = Math.max(...labels.map((l) => l.length)) * CHAR_PX + 10
  const xTicks = timeTicks(start, end)
  const shortTimes = end - start > 10 * 60_000
  return (
    <figure className="chart-card" aria-label={title} data-testid={`chart-${testId}`}>
      <figcaption>
        <span className="chart-heading">
          <span className="chart-title">{title}</span>
          <span className="chart-window">{windowLabel}</span>
        </span>
        <span className="chart-value" title={latestLabel}>
          <span data-testid={`chart-${testId}-latest`}>{latest === undefined ? '–' : format(latest.v)}</span>
          <span className="chart-window"> {latestLabel}</span>
        </span>
      </figcaption>
      <p className="visually-hidden">
        {measured.length === 0
          ? `No data in the ${windowLabel}.`
          : `Latest ${format(latest?.v ?? 0)} (${latestLabel}), peak ${format(peak)} over the ${windowLabel}.`}
      </p>
      <div className="chart-body" aria-hidden="true">
        <ResponsiveContainer width="100%" height={180}>
          <LineChart data={data} margin={{ top: 12, right: 16, bottom: 4, left: 4 }}>
            <CartesianGrid stroke="var(--grid)" vertical={false} />
            <XAxis
              dataKey="t"
              type="number"
              scale="time"
              domain={[start, end]}
              ticks={xTicks}
              tickFormatter={(t: number) => (shortTimes ? formatShortClock(t) : formatClock(t))}
              stroke="var(--muted)"
              fontSize={11}
              interval="preserveStartEnd"
              minTickGap={8}
            />
            <YAxis
              stroke="var(--muted)"
              fontSize={11}
              width={axisWidth}
              domain={[0, yTicks.at(-1) as number]}
              ticks={yTicks}
              interval={0}
              allowDataOverflow
              tickFormatter={(v: number) => labelOf.get(v) ?? format(v)}
            />
            <Tooltip
              labelFormatter={(t) => `${formatClock(Number(t))} – ${formatClock(Number(t) + bucketMs)}`}
              formatter={(value) => [value === null ? 'no requests' : format(Number(value)), title]}
              contentStyle={{
                background: 'var(--surface)',
                border: '1px solid var(--border)',
                color: 'var(--text)',
              }}
            />
            <Line
              type="monotone"
              dataKey="v"
              stroke={color}
              strokeWidth={2}
              // A lone bucket is a dot; idle buckets (null) between measured ones are bridged.
              dot={measured.length <= 2 ? { r: 3 } : false}
              connectNulls
              isAnimationActive={false}
            />
          </LineChart>
        </ResponsiveContainer>
      </div>
    </figure>
  )
}
