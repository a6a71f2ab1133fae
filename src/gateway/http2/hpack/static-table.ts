// The HPACK static table, RFC 7541 Appendix A: indices 1-61, shared by every connection.

// biome-ignore format: one row per entry, as in the appendix
const entries: readonly (readonly [name: string, value: string])[] = [
  [':authority', ''],
  [':method', 'GET'],
  [':method', 'POST'],
  [':path', '/'],
  [':path', '/index.html'],
  [':scheme', 'http'],
  [':scheme', 'https'],
  [':status', '200'],
  [':status', '204'],
  [':status', '206'],
  [':status', '304'],
  [':status', '400'],
  [':status', '404'],
  [':status', '500'],
  ['accept-charset', ''],
  ['accept-encoding', 'gzip, deflate'],
  ['accept-language', ''],
  ['accept-ranges', ''],
  ['accept', ''],
  ['access-control-allow-origin', ''],
  ['age', ''],
  ['allow', ''],
  ['authorization', ''],
  ['cache-control', ''],
  ['content-disposition', ''],
  ['content-encoding', ''],
  ['content-language', ''],
  ['content-length', ''],
  ['content-location', ''],
  ['content-range', ''],
  ['content-type', ''],
  ['cookie', ''],
  ['date', ''],
  ['etag', ''],
  ['expect', ''],
  ['expires', ''],
  ['from', ''],
  ['host', ''],
  ['if-match', ''],
  ['if-modified-since', ''],
  ['if-none-match', ''],
  ['if-range', ''],
  ['if-unmodified-since', ''],
  ['last-modified', ''],
  ['link', ''],
  ['location', ''],
  ['max-forwards', ''],
  ['proxy-authenticate', ''],
  ['proxy-authorization', ''],
  ['range', ''],
  ['referer', ''],
  ['refresh', ''],
  ['retry-after', ''],
  ['server', ''],
  ['set-cookie', ''],
  ['strict-transport-security', ''],
  ['transfer-encoding', ''],
  ['user-agent', ''],
  ['vary', ''],
  ['via', ''],
  ['www-authenticate', ''],
]

/** Number of static entries; dynamic indices start right after (62). */
export const STATIC_TABLE_LENGTH = 61

/** Names and values by HPACK index (slot 0 unused, so an index reads the slot directly). */
export const STATIC_NAMES: readonly string[] = ['', ...entries.map((e) => e[0])]
export const STATIC_VALUES: readonly string[] = ['', ...entries.map((e) => e[1])]

/** `fieldKey(name, value)` → index of the entry holding exactly that field. */
export const STATIC_FIELD_INDEX: ReadonlyMap<string, number> = new Map(
  entries.map((e, i) => [fieldKey(e[0], e[1]), i + 1]),
)

/** Name → lowest index of an entry with that name. */
export const STATIC_NAME_INDEX: ReadonlyMap<string, number> = new Map()
for (let i = entries.length - 1; i >= 0; i--)
  (STATIC_NAME_INDEX as Map<string, number>).set(entries[i]![0], i + 1)

/** The look-up key of a whole field; NUL cannot occur in a valid name, so keys never collide. */
export function fieldKey(name: string, value: string): string {
  return name + '\0' + value
}
