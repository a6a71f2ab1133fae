// A shared response cache for GET/HEAD with RFC 9111 rules: Cache-Control (no-store, private,
// no-cache, max-age, s-maxage, public, must-revalidate), Expires, Age, Vary, request directives,
// invalidation by unsafe methods. Bounded by entries and bytes (lru-cache). Misses still stream:
// the interceptor (cache-interceptor.ts) tees chunks into a Capture and stores it only when the
// whole body fits.
import { LRUCache } from 'lru-cache'
import type { RequestHead } from '../http/request-head.ts'
import type { ResponseFields } from '../http/response-fields.ts'
import type { RouteConfig } from '../model/index.ts'
import { toMs } from '../util/duration.ts'

type Cfg = Exclude<RouteConfig['cache'], false | undefined>

const MAX_BYTES = 64 * 1024 * 1024
/** Every entry counts at least 256 bytes against MAX_BYTES, so no more than this many ever fit. */
const MAX_ENTRIES = Math.floor(MAX_BYTES / 256)

export interface CachedResponse {
  readonly status: number
  readonly headers: ResponseFields
  readonly body: Buffer
  /** Date.now() when stored, and the Age the response already had then (s). */
  readonly storedAt: number
  readonly initialAgeS: number
  readonly freshForS: number
  readonly vary: readonly (readonly [string, string])[]
}

export interface Capture {
  readonly key: string
  chunks: Buffer[]
  size: number
  aborted: boolean
}

/** Statuses a cache may store without explicit freshness only if the route gives a TTL (RFC 9110 15.1). */
const CACHEABLE = new Set([200, 203, 204, 300, 301, 308, 404, 405, 410, 414, 501])

export function parseCacheControl(v: string | string[] | undefined): Map<string, string> | undefined {
  if (v === undefined) return undefined
  const out = new Map<string, string>()
  for (const part of (Array.isArray(v) ? v.join(',') : v).split(',')) {
    const eq = part.indexOf('=')
    const name = (eq < 0 ? part : part.slice(0, eq)).trim().toLowerCase()
    if (name === '') continue
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

function seconds(v: string | undefined): number | undefined {
  if (v === undefined || !/^\d+$/.test(v)) return undefined
  return Number(v)
}

function headerValue(req: RequestHead, name: string): string {
  const v = req.headers[name]
  return Array.isArray(v) ? v.join(', ') : (v ?? '')
}

export class ResponseCache {
  readonly routeId: string
  readonly #store: LRUCache<string, CachedResponse[]>
  readonly #defaultTtlS: number | undefined
  readonly #maxEntrySize: number
  readonly #varyBy: readonly string[]
  readonly cfgKey: string

  constructor(routeId: string, cfg: Cfg) {
    this.routeId = routeId
    this.cfgKey = JSON.stringify(cfg)
    this.#defaultTtlS = cfg.ttl !== undefined ? toMs(cfg.ttl, 0) / 1000 : undefined
    this.#maxEntrySize = cfg.maxEntrySize ?? 1024 * 1024
    this.#varyBy = (cfg.varyBy ?? []).map((h) => h.toLowerCase())
    this.#store = new LRUCache<string, CachedResponse[]>({
      // lru-cache allocates `max` slots up front: an unbounded maxEntries (2e9) would exhaust the heap
      max: Math.min(cfg.maxEntries ?? 1000, MAX_ENTRIES),
      maxSize: MAX_BYTES,
      sizeCalculation: (list) => list.reduce((n, e) => n + e.body.length + 256, 0) || 1,
    })
  }

  get entries(): number {
    return this.#store.size
  }

  keyOf(req: RequestHead): string {
    let key = `${req.headers.host ?? ''}${req.url ?? '/'}`
    for (const h of this.#varyBy) key += `\n${h}:${headerValue(req, h)}`
    return key
  }

  /** A fresh stored response for this request, or undefined. `now` in ms. */
  lookup(req: RequestHead, key: string, now: number): { entry: CachedResponse; ageS: number } | undefined {
    const cc = parseCacheControl(req.headers['cache-control'])
    if (cc?.has('no-cache') || cc?.has('no-store') || req.headers.pragma === 'no-cache') return undefined
    const list = this.#store.get(key)
    if (!list) return undefined
    const maxAge = seconds(cc?.get('max-age'))
    for (const e of list) {
      if (!e.vary.every(([name, value]) => headerValue(req, name) === value)) continue
      const ageS = e.initialAgeS + (now - e.storedAt) / 1000
      if (ageS >= e.freshForS) continue
      if (maxAge !== undefined && ageS > maxAge) continue
      return { entry: e, ageS }
    }
    return undefined
  }

  /** Whether a response may be stored; returns its freshness lifetime (s) or undefined. */
  storable(
    req: RequestHead,
    status: number,
    headers: Record<string, string | string[] | undefined>,
  ): number | undefined {
    if (req.method !== 'GET') return undefined
    const reqCc = parseCacheControl(req.headers['cache-control'])
    if (reqCc?.has('no-store')) return undefined
    const cc = parseCacheControl(headers['cache-control'])
    if (cc?.has('no-store') || cc?.has('private') || cc?.has('no-cache')) return undefined
    if (headers['set-cookie'] !== undefined) return undefined
    const vary = headers.vary
    if (typeof vary === 'string' && vary.includes('*')) return undefined
    if (
      req.headers.authorization !== undefined &&
      !(cc?.has('public') || cc?.has('s-maxage') || cc?.has('must-revalidate'))
    )
      return undefined
    let fresh = seconds(cc?.get('s-maxage')) ?? seconds(cc?.get('max-age'))
    if (fresh === undefined && typeof headers.expires === 'string') {
      const exp = Date.parse(headers.expires)
      const date = typeof headers.date === 'string' ? Date.parse(headers.date) : Date.now()
      // An invalid Expires (e.g. "0") means already expired.
      fresh = Number.isNaN(exp) ? 0 : Math.max(0, (exp - (Number.isNaN(date) ? Date.now() : date)) / 1000)
    }
    if (fresh === undefined) {
      if (this.#defaultTtlS === undefined || !CACHEABLE.has(status)) return undefined
      fresh = this.#defaultTtlS
    } else if (!CACHEABLE.has(status) && !cc?.has('public') && status !== 200) return undefined
    return fresh > 0 ? fresh : undefined
  }

  begin(key: string, contentLength: string | string[] | undefined): Capture | undefined {
    if (typeof contentLength === 'string' && Number(contentLength) > this.#maxEntrySize) return undefined
    return { key, chunks: [], size: 0, aborted: false }
  }

  /** Adds a chunk; returns false (and drops the capture) once the body outgrows maxEntrySize. */
  add(c: Capture, chunk: Buffer): void {
    if (c.aborted) return
    c.size += chunk.length
    if (c.size > this.#maxEntrySize) {
      c.aborted = true
      c.chunks = []
    } else c.chunks.push(Buffer.from(chunk))
  }

  commit(
    c: Capture,
    req: RequestHead,
    status: number,
    upstream: Record<string, string | string[] | undefined>,
    headers: ResponseFields,
    freshForS: number,
    now: number,
  ): void {
    if (c.aborted) return
    const varyNames =
      typeof upstream.vary === 'string'
        ? upstream.vary
            .split(',')
            .map((h) => h.trim().toLowerCase())
            .filter((h) => h !== '')
        : []
    const entry: CachedResponse = {
      status,
      headers: { ...headers },
      body: Buffer.concat(c.chunks, c.size),
      storedAt: now,
      initialAgeS: seconds(typeof upstream.age === 'string' ? upstream.age : undefined) ?? 0,
      freshForS,
      vary: varyNames.map((n) => [n, headerValue(req, n)] as const),
    }
    delete entry.headers['x-cache']
    delete entry.headers.age
    const list = (this.#store.get(c.key) ?? []).filter(
      (e) =>
        !e.vary.every(([n, v]) => entry.vary.some(([n2, v2]) => n2 === n && v2 === v)) ||
        e.vary.length !== entry.vary.length,
    )
    list.unshift(entry)
    this.#store.set(c.key, list.slice(0, 8))
  }

  /** RFC 9111 4.4: a successful unsafe request invalidates the stored responses for its URL. */
  invalidate(key: string): void {
    this.#store.delete(key)
  }

  clear(): number {
    const n = this.#store.size
    this.#store.clear()
    return n
  }
}

export function cacheEnabled(cfg: Cfg | undefined): cfg is Cfg {
  return cfg !== undefined && cfg.enabled !== false
}
