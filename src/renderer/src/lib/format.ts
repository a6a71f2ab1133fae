const integer = new Intl.NumberFormat('en', { maximumFractionDigits: 0 })
const decimal = new Intl.NumberFormat('en', { maximumFractionDigits: 1 })

const conjunction = new Intl.ListFormat('en', { type: 'conjunction' })

/** `['load balancer', 'rate limit']` → "Load balancer and rate limit" (the start of a sentence). */
export function formatSentenceList(items: readonly string[]): string {
  const text = conjunction.format(items)
  return text.charAt(0).toUpperCase() + text.slice(1)
}

export const formatCount = (n: number | undefined): string => (n === undefined ? '–' : integer.format(n))

export function formatRate(n: number | undefined): string {
  if (n === undefined) return '–'
  return n >= 100 ? integer.format(n) : decimal.format(n)
}

export function formatMs(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '–'
  if (ms >= 1000) return `${decimal.format(ms / 1000)} s`
  // Whole milliseconds from 10 ms up: a tenth of a millisecond there is noise (and column width).
  return `${ms >= 10 ? integer.format(ms) : decimal.format(ms)} ms`
}

export function formatPercent(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '–'
  return `${value > 0 && value < 0.1 ? '<0.1' : decimal.format(value)}%`
}

export function errorPercent(errors: number, requests: number): number {
  return requests > 0 ? (errors / requests) * 100 : 0
}

export function formatUptime(seconds: number | undefined): string {
  if (seconds === undefined) return '–'
  const s = Math.floor(seconds)
  const d = Math.floor(s / 86400)
  const h = Math.floor((s % 86400) / 3600)
  const m = Math.floor((s % 3600) / 60)
  if (d > 0) return `${d}d ${h}h`
  if (h > 0) return `${h}h ${m}m`
  if (m > 0) return `${m}m ${s % 60}s`
  return `${s}s`
}

export function formatClock(t: number): string {
  return new Date(t).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' })
}

/** Hours and minutes only, for axes spanning many minutes. */
export function formatShortClock(t: number): string {
  return new Date(t).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })
}

/** A latency that may not have been measured (no request in its window): "–", never "0 ms". */
export function formatLatency(ms: number | null | undefined, measured = true): string {
  return ms === null || ms === undefined || !measured ? '–' : formatMs(ms)
}

export function toMillis(time: string | number | null | undefined): number | undefined {
  if (time === null || time === undefined || time === '') return undefined
  const ms = typeof time === 'number' ? time : Date.parse(time)
  return Number.isFinite(ms) ? ms : undefined
}

export function formatAgo(time: string | number | null | undefined, now = Date.now()): string {
  const ms = toMillis(time)
  if (ms === undefined) return 'never'
  const s = Math.max(0, Math.round((now - ms) / 1000))
  if (s < 5) return 'just now'
  if (s < 60) return `${s}s ago`
  if (s < 3600) return `${Math.floor(s / 60)}m ago`
  if (s < 86400) return `${Math.floor(s / 3600)}h ago`
  return `${Math.floor(s / 86400)}d ago`
}
