// A tiny SVG sparkline: one per table row, so no chart library here.
export function Sparkline({
  values,
  label,
  span,
  width = 96,
  height = 24,
}: {
  values: number[]
  label: string
  /** The time the values cover, e.g. "15 min". */
  span: string
  width?: number
  height?: number
}) {
  const max = Math.max(1, ...values)
  const step = values.length > 1 ? width / (values.length - 1) : width
  const points = values.map(
    (v, i) => `${(i * step).toFixed(1)},${(height - 1 - (v / max) * (height - 2)).toFixed(1)}`,
  )
  const total = values.reduce((sum, v) => sum + v, 0)
  return (
    // Drawn in a width × height box and scaled to its cell (at most `width` px), so it never overflows.
    <svg
      className="sparkline"
      viewBox={`0 0 ${width} ${height}`}
      preserveAspectRatio="none"
      style={{ width: '100%', maxWidth: width, height }}
      role="img"
      aria-label={`${label}: ${total} requests in the last ${span}`}
    >
      {values.length > 1 ? (
        <polyline points={points.join(' ')} fill="none" vectorEffect="non-scaling-stroke" />
      ) : (
        <line x1={0} x2={width} y1={height - 1} y2={height - 1} />
      )}
    </svg>
  )
}
