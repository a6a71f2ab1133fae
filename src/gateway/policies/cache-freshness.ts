// What a shared cache reads from a response once, when it stores it (RFC 9111 §4.2, §5, RFC 5861):
// its freshness lifetime, the age it came with, the directives that limit serving it stale, and its
// validators. Reading a stored response later is then plain arithmetic on these fields.
import { parseHttpDate } from '../http/http-date.ts'

type Fields = Readonly<Record<string, string | string[] | undefined>>

/** delta-seconds past this are this (RFC 9111 §1.2.2). */
const MAX_DELTA_S = 2147483648

/**
 * Status codes whose responses may be stored without explicit freshness, with a heuristic lifetime
 * (RFC 9110 §15.1; 206 left out: partial content is never stored).
 */
const HEURISTICALLY_CACHEABLE = new Set([200, 203, 204, 300, 301, 308, 404, 405, 410, 414, 501])

/** The status codes RFC 9110 defines: a cache knows their caching rules (must-understand, §5.2.2.3). */
const DEFINED = /^(?:20[0-6]|30[0-578]|4(?:0\d|1[0-7]|2[126])|50[0-5])$/

export function isUnderstoodStatus(status: number): boolean {
  return DEFINED.test(String(status))
}

export interface StoredFreshness {
  /** Freshness lifetime in s (§4.2.1): s-maxage, max-age, Expires − Date, else the heuristic. */
  readonly lifetimeS: number
  /** corrected_initial_age of §4.2.3 (s), and response_time (ms since the epoch). */
  readonly initialAgeS: number
  readonly storedAt: number
  /** must-revalidate, proxy-revalidate or s-maxage: once stale, never served without validation. */
  readonly mustRevalidate: boolean
  /** no-cache: validated on every use, fresh or not. */
  readonly noCache: boolean
  /** RFC 5861 windows past the lifetime (s). */
  readonly staleWhileRevalidateS: number
  readonly staleIfErrorS: number
  readonly etag: string | undefined
  /** Last-Modified, else Date, else when it was stored: what If-Modified-Since is compared with (§4.3.2). */
  readonly modifiedAt: number
  readonly lastModified: string | undefined
}

/** Cache-Control as a map of lower-case directive names to their (unquoted) arguments. */
export function parseCacheControl(v: string | string[] | undefined): Map<string, string> | undefined {
  if (v === undefined) return undefined
  const out = new Map<string, string>()
  for (const part of (Array.isArray(v) ? v.join(',') : v).split(',')) {
    const eq = part.indexOf('=')
    const name = (eq < 0 ? part : part.slice(0, eq)).trim().toLowerCase()
    if (name === '' || out.has(name)) continue
    out.set(
      name,
      eq < 0
        ? ''
        : part
            .slice(eq + 1)
            .trim()
            .replace(/^"|"$/g, ''),
    )
  }
  return out
}

/** A delta-seconds argument, or undefined when it is absent or not one. */
export function deltaSeconds(v: string | undefined): number | undefined {
  if (v === undefined || !/^\d+$/.test(v)) return undefined
  return Math.min(Number(v), MAX_DELTA_S)
}

/**
 * The Age a response came with (RFC 9111 §5.1, `Age = delta-seconds`). Of several lines the first
 * counts, and of a list in one line its first member ("7200, 0" is 7200 old, "0, 7200" fresh: the
 * cache-tests age-parse-suffix and age-parse-prefix cases); a value that is not a non-negative
 * integer ("abc", "-7200", "7200.0") is ignored as if there were no Age.
 */
export function parseAge(v: string | string[] | undefined): number {
  const line = Array.isArray(v) ? v[0] : v
  if (line === undefined) return 0
  const comma = line.indexOf(',')
  return deltaSeconds((comma < 0 ? line : line.slice(0, comma)).trim()) ?? 0
}

function single(v: string | string[] | undefined): string | undefined {
  // A date field on several lines is no valid date.
  return typeof v === 'string' ? v : undefined
}

/**
 * The freshness facts of a response as received (request sent at `requestTime`, response at
 * `responseTime`, both ms), or undefined when it carries no explicit freshness and its status may not
 * be stored heuristically. `heuristicS`: the route's `ttl`, the lifetime of a response without one.
 */
export function freshnessOf(
  cc: Map<string, string> | undefined,
  status: number,
  headers: Fields,
  requestTime: number,
  responseTime: number,
  heuristicS: number | undefined,
): StoredFreshness | undefined {
  const dateText = single(headers.date)
  const dateMs = dateText !== undefined ? parseHttpDate(dateText, responseTime) : undefined
  let lifetimeS = deltaSeconds(cc?.get('s-maxage')) ?? deltaSeconds(cc?.get('max-age'))
  if (lifetimeS === undefined && headers.expires !== undefined) {
    // An invalid Expires (another format, several lines, "0") means already expired (§5.3).
    const expiresText = single(headers.expires)
    const expires = expiresText !== undefined ? parseHttpDate(expiresText, responseTime) : undefined
    lifetimeS = expires === undefined ? 0 : Math.max(0, (expires - (dateMs ?? responseTime)) / 1000)
  }
  const lastModified = single(headers['last-modified'])
  const lastModifiedMs = lastModified !== undefined ? parseHttpDate(lastModified, responseTime) : undefined
  if (lifetimeS === undefined) {
    if (!HEURISTICALLY_CACHEABLE.has(status) && !cc?.has('public')) return undefined
    // §4.2.2: without the route's ttl, the usual tenth of the time since Last-Modified.
    lifetimeS =
      heuristicS ??
      (lastModifiedMs === undefined ? 0 : Math.max(0, ((dateMs ?? responseTime) - lastModifiedMs) / 10_000))
  }
  // §4.2.3: the age it had on arrival, whichever of the Date and the Age fields says more.
  const apparentAge = dateMs === undefined ? 0 : Math.max(0, (responseTime - dateMs) / 1000)
  const correctedAge = parseAge(headers.age) + Math.max(0, responseTime - requestTime) / 1000
  const etag = single(headers.etag)
  return {
    lifetimeS,
    initialAgeS: Math.min(MAX_DELTA_S, Math.max(apparentAge, correctedAge)),
    storedAt: responseTime,
    mustRevalidate:
      cc !== undefined && (cc.has('must-revalidate') || cc.has('proxy-revalidate') || cc.has('s-maxage')),
    noCache: cc?.has('no-cache') === true,
    staleWhileRevalidateS: deltaSeconds(cc?.get('stale-while-revalidate')) ?? 0,
    staleIfErrorS: deltaSeconds(cc?.get('stale-if-error')) ?? 0,
    etag,
    lastModified,
    modifiedAt: lastModifiedMs ?? dateMs ?? responseTime,
  }
}

/** current_age of §4.2.3 (s) at `now` (ms). */
export function currentAge(f: StoredFreshness, now: number): number {
  return Math.min(MAX_DELTA_S, f.initialAgeS + Math.max(0, now - f.storedAt) / 1000)
}
