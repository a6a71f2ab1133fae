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

/** A name of the static table: its lowest index, and the index of each value it is listed with. */
export interface StaticName {
  readonly index: number
  readonly values: ReadonlyMap<string, number>
}

/** Name → its entries: a field is looked up by name, then by value, with no key string built per field. */
export const STATIC_INDEX: ReadonlyMap<string, StaticName> = buildIndex()

function buildIndex(): Map<string, StaticName> {
  const index = new Map<string, { index: number; values: Map<string, number> }>()
  entries.forEach(([name, value], i) => {
    let slot = index.get(name)
    if (slot === undefined) {
      slot = { index: i + 1, values: new Map() }
      index.set(name, slot)
    }
    slot.values.set(value, i + 1)
  })
  return index
}
