/** Milliseconds from a config duration: a number (ms) or "250ms" / "5s" / "1.5m" / "1h". */
export function toMs(value: number | string | undefined, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value === 'number') return value
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(value)
  if (!m) return fallback
  const n = Number(m[1])
  const unit = m[2]
  return Math.round(unit === 'ms' ? n : unit === 's' ? n * 1000 : unit === 'm' ? n * 60_000 : n * 3_600_000)
}
