import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts'
import type { StatsPoint } from '../api/types.ts'
import { formatClock } from '../lib/format.ts'

interface TimeChartProps {
  title: string
  points: StatsPoint[]
  field: 'rps' | 'p99' | 'errorRate'
  format: (value: number) => string
  color: string
  windowMs: number
}

export function TimeChart({ title, points, field, format, color, windowMs }: TimeChartProps) {
  const now = points.at(-1)?.t ?? Date.now()
  // the axis grows with the samples we have, up to the full window
  const start = Math.max(now - windowMs, Math.min(points[0]?.t ?? now, now - 60_000))
  const latest = points.at(-1)?.[field]
  const peak = points.reduce((max, p) => Math.max(max, p[field]), 0)
  return (
    <figure className="chart-card" aria-label={title}>
      <figcaption>
        <span className="chart-title">{title}</span>
        <span className="chart-value" data-testid={`chart-${field}-latest`}>
          {latest === undefined ? '–' : format(latest)}
        </span>
      </figcaption>
      <p className="visually-hidden">
        {points.length === 0
          ? 'No data yet.'
          : `Latest ${format(latest ?? 0)}, peak ${format(peak)} over the last ${Math.round((now - (points[0]?.t ?? now)) / 60000)} minutes.`}
      </p>
      <div className="chart-body" aria-hidden="true">
        <ResponsiveContainer width="100%" height={170}>
          <LineChart data={points} margin={{ top: 8, right: 12, bottom: 0, left: 0 }}>
            <CartesianGrid stroke="var(--grid)" vertical={false} />
            <XAxis
              dataKey="t"
              type="number"
              scale="time"
              domain={[start, now]}
              tickFormatter={formatClock}
              stroke="var(--muted)"
              fontSize={11}
              minTickGap={40}
            />
            <YAxis stroke="var(--muted)" fontSize={11} width={48} tickFormatter={format} allowDecimals />
            <Tooltip
              labelFormatter={(t) => formatClock(Number(t))}
              formatter={(value) => [format(Number(value)), title]}
              contentStyle={{
                background: 'var(--surface)',
                border: '1px solid var(--border)',
                color: 'var(--text)',
              }}
            />
            <Line
              type="monotone"
              dataKey={field}
              stroke={color}
              strokeWidth={2}
              dot={false}
              isAnimationActive={false}
            />
          </LineChart>
        </ResponsiveContainer>
      </div>
    </figure>
  )
}
