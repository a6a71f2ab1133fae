/** Go-style duration ("30s", "1m30s", "500ms", "0") → milliseconds; undefined when malformed. */
export function goDurationMs(text: string): number | undefined {
  if (text === '0') return 0
  const re = /(\d+(?:\.\d+)?)(ms|us|µs|ns|h|m|s)/gy
  let total = 0
  let matched = 0
  for (const m of text.matchAll(re)) {
    const n = Number(m[1])
    const unit = m[2]
    if (unit === 'h') total += n * 3_600_000
    else if (unit === 'm') total += n * 60_000
    else if (unit === 's') total += n * 1000
    else if (unit === 'ms') total += n
    else if (unit === 'ns') total += n / 1e6
    else total += n / 1000
    matched += m[0].length
  }
  return matched === text.length && text.length > 0 ? Math.round(total) : undefined
}
