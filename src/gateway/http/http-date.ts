// HTTP-date (RFC 9110 §5.6.7): IMF-fixdate and the two obsolete forms (RFC 850, asctime) are the
// only dates a recipient parses; anything else (a "UTC" zone, dashes in an IMF-fixdate, a one-digit
// hour, a two-digit year) is no date at all. Date.parse accepts all of those, so it is not used.

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec']
const DAY = '(?:mon|tue|wed|thu|fri|sat|sun)'
const LONG_DAY = '(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)'
const MONTH = '(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)'
const TIME = '(\\d\\d):(\\d\\d):(\\d\\d)'
// Case is not significant here: a cache that reads "THU" or "gMT" loses nothing (cache-tests: optimal).
const IMF_FIXDATE = new RegExp(`^${DAY}, (\\d\\d) ${MONTH} (\\d{4}) ${TIME} GMT$`, 'i')
const RFC850 = new RegExp(`^${LONG_DAY}, (\\d\\d)-${MONTH}-(\\d\\d) ${TIME} GMT$`, 'i')
const ASCTIME = new RegExp(`^${DAY} ${MONTH} ([ \\d]\\d) ${TIME} (\\d{4})$`, 'i')

const FIFTY_YEARS_MS = 50 * 365.25 * 24 * 3600 * 1000

/** Milliseconds since the epoch, or undefined when `value` is not an HTTP-date. */
export function parseHttpDate(value: string, now = Date.now()): number | undefined {
  let m = IMF_FIXDATE.exec(value)
  if (m) return utc(Number(m[3]), m[2] as string, m[1] as string, m[4], m[5], m[6])
  m = RFC850.exec(value)
  if (m) {
    // A two-digit year more than 50 years in the future is in the past century (RFC 9110 §5.6.7).
    const yy = Number(m[3])
    const t = utc(2000 + yy, m[2] as string, m[1] as string, m[4], m[5], m[6])
    return t !== undefined && t - now > FIFTY_YEARS_MS
      ? utc(1900 + yy, m[2] as string, m[1] as string, m[4], m[5], m[6])
      : t
  }
  m = ASCTIME.exec(value)
  if (m) return utc(Number(m[6]), m[1] as string, (m[2] as string).trim(), m[3], m[4], m[5])
  return undefined
}

function utc(
  year: number,
  month: string,
  day: string,
  h: string | undefined,
  min: string | undefined,
  s: string | undefined,
): number | undefined {
  const mon = MONTHS.indexOf(month.toLowerCase())
  const d = Number(day)
  const hh = Number(h)
  const mm = Number(min)
  const ss = Number(s)
  if (d < 1 || d > 31 || hh > 23 || mm > 59 || ss > 60) return undefined
  const t = Date.UTC(year, mon, d, hh, mm, ss)
  // 31 Feb and the like roll over into the next month: no such date.
  return new Date(t).getUTCDate() === d ? t : undefined
}
