// Axis ticks people can read: values on 1, 2 or 5 × 10ⁿ steps labelled with just enough decimals
// that no two labels repeat, and clock times on whole 10 s / minute / hour marks.

export type ChartUnit = 'rate' | 'ms' | 'percent'

/** The smallest 1, 2 or 5 × 10ⁿ at least `raw`. */
export function niceStep(raw: number): number {
  if (!(raw > 0)) return 1
  const power = 10 ** Math.floor(Math.log10(raw))
  for (const m of [1, 2, 5, 10]) if (m * power >= raw * (1 - 1e-9)) return m * power
  return 10 * power
}

/** Ticks from 0 to a nice top ≥ `max`, at most `target` + 1 of them; percentages stop at 100. */
export function niceTicks(max: number, unit: ChartUnit, target = 4): number[] {
  const cap = unit === 'percent' ? 100 : Number.POSITIVE_INFINITY
  const top = Math.min(Math.max(max, unit === 'percent' ? 1 : unit === 'ms' ? 1 : 0.1), cap)
  const step = niceStep(top / target)
  const decimals = Math.max(0, -Math.floor(Math.log10(step)))
  const ticks: number[] = []
  for (let i = 0; ; i++) {
    const v = Number((i * step).toFixed(decimals))
    if (v > cap) break
    ticks.push(v)
    if (v >= top) break
  }
  return ticks
}

/** Decimals a step needs so that neighbouring ticks read differently. */
function decimalsFor(step: number): number {
  return step > 0 ? Math.max(0, Math.ceil(-Math.log10(step) - 1e-9)) : 0
}

const NBSP = '\u00a0'

/**
 * A tick's label: the unit after a no-break space (labels never wrap), as precise as the step. An
 * axis reaching a second or more is in seconds throughout (`seconds`).
 */
export function tickLabel(value: number, unit: ChartUnit, step: number, seconds = false): string {
  if (unit === 'percent') return `${value.toFixed(decimalsFor(step))}${NBSP}%`
  if (unit === 'ms') {
    if (seconds) return `${(value / 1000).toFixed(decimalsFor(step / 1000))}${NBSP}s`
    return `${value.toFixed(decimalsFor(step))}${NBSP}ms`
  }
  return value.toFixed(decimalsFor(step))
}

/** The labels of a tick list, as `tickLabel` writes them. */
export function tickLabels(ticks: readonly number[], unit: ChartUnit): string[] {
  const step = ticks.length > 1 ? (ticks[1] as number) - (ticks[0] as number) : 1
  const seconds = (ticks.at(-1) ?? 0) >= 1000
  return ticks.map((t) => tickLabel(t, unit, step, seconds))
}

const TIME_STEPS_MS = [10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600].map((s) => s * 1000)

/** Clock ticks on whole marks between `start` and `end`, about `target` of them. */
export function timeTicks(start: number, end: number, target = 5): number[] {
  const span = Math.max(end - start, 1)
  const step = TIME_STEPS_MS.find((s) => span / s <= target) ?? 3_600_000
  const out: number[] = []
  for (let t = Math.ceil(start / step) * step; t <= end; t += step) out.push(t)
  return out
}
