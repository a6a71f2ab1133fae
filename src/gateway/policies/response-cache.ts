// A shared response cache for GET/HEAD with RFC 9111 rules: what may be stored (§3), when a stored
// response may be used as it is, must be validated first, or may be served stale (§4, RFC 5861), the
// head a 304 updates (§4.3.4), invalidation by unsafe methods (§4.4). Each response's directives are
// read once, when it is stored (cache-freshness.ts). Bounded by entries and bytes (lru-cache). Misses
// still stream: the interceptor (cache-interceptor.ts) tees chunks into a Capture and stores it only
// when the whole body fits.
import { LRUCache } from 'lru-cache'
import type { RequestHead } from '../http/request-head.ts'
import type { ResponseFields } from '../http/response-fields.ts'
import type { RouteConfig } from '../model/index.ts'
import { toMs } from '../util/duration.ts'
import { updatedHead } from './cache-conditions.ts'
import {
  currentAge,
  deltaSeconds,
  freshnessOf,
  isUnderstoodStatus,
  parseCacheControl,
  type StoredFreshness,
} from './cache-freshness.ts'

type Cfg = Exclude<RouteConfig['cache'], false | undefined>
type Fields = Readonly<Record<string, string | string[] | undefined>>

const MAX_BYTES = 64 * 1024 * 1024
/** Every entry counts at least 256 bytes against MAX_BYTES, so no more than this many ever fit. */
const MAX_ENTRIES = Math.floor(MAX_BYTES / 256)
/** Stored variants (Vary) per URL. */
const MAX_VARIANTS = 8

export interface CachedResponse {
  readonly status: number
  /** The upstream's head, without the fields the cache writes itself (Age, X-Cache). */
  readonly headers: ResponseFields
  readonly body: Buffer
  readonly freshness: StoredFreshness
  /** The request's values of the fields the response varies on. */
  readonly vary: readonly (readonly [string, string])[]
  /** A background refresh (stale-while-revalidate) is on its way: no second one. */
  refreshing: boolean
}

/**
 * A stored response that matches a request, with what to do with it: `use` it as it is, `validate`
 * it upstream first (stale, no-cache, or the client asked), or `serve-stale` while a background
 * refresh validates it (stale-while-revalidate). `ifError`: it may stand in for a 5xx or a failed
 * upstream (stale-if-error).
 */
export interface Found {
  readonly entry: CachedResponse
  readonly ageS: number
  readonly action: 'use' | 'validate' | 'serve-stale'
  readonly ifError: boolean
}

export interface Capture {
  readonly key: string
  chunks: Buffer[]
  size: number
  aborted: boolean
}

function headerValue(req: RequestHead, name: string): string {
  const v = req.headers[name]
  return Array.isArray(v) ? v.join(', ') : (v ?? '')
}

/** The field names of Vary, over all its lines; '*' among them when present. */
function varyNames(v: string | string[] | undefined): string[] {
  if (v === undefined) return []
  return (Array.isArray(v) ? v.join(',') : v)
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter((h) => h !== '')
}

/** The request's cache directives (§5.2.1); Pragma: no-cache counts only without Cache-Control. */
function requestDirectives(req: RequestHead): Map<string, string> | undefined {
  const cc = parseCacheControl(req.headers['cache-control'])
  if (cc === undefined && req.headers.pragma === 'no-cache') return new Map([['no-cache', '']])
  return cc
}

export class ResponseCache {
  readonly routeId: string
  readonly #store: LRUCache<string, CachedResponse[]>
  readonly #heuristicS: number | undefined
  readonly #maxEntrySize: number
  readonly #varyBy: readonly string[]
  readonly cfgKey: string

  constructor(routeId: string, cfg: Cfg) {
    this.routeId = routeId
    this.cfgKey = JSON.stringify(cfg)
    this.#heuristicS = cfg.ttl !== undefined ? toMs(cfg.ttl, 0) / 1000 : undefined
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

  keyOf(req: RequestHead, url = req.url ?? '/'): string {
    let key = `${req.headers.host ?? ''}${url}`
    for (const h of this.#varyBy) key += `\n${h}:${headerValue(req, h)}`
    return key
  }

  /**
   * The key of a URL an unsafe request's answer names (Location, Content-Location), or undefined when
   * it is of another origin: those are never invalidated (§4.4).
   */
  keyOfNamed(req: RequestHead, reference: string): string | undefined {
    try {
      const base = new URL(`http://${req.headers.host ?? 'localhost'}${req.url ?? '/'}`)
      const u = new URL(reference, base)
      return u.host === base.host && u.protocol === base.protocol
        ? this.keyOf(req, `${u.pathname}${u.search}`)
        : undefined
    } catch {
      return undefined
    }
  }

  /** The stored response for this request and what to do with it, or undefined. `now` in ms. */
  lookup(req: RequestHead, key: string, now: number): Found | undefined {
    const list = this.#store.get(key)
    if (list === undefined) return undefined
    const cc = requestDirectives(req)
    if (cc?.has('no-store')) return undefined
    const entry = list.find((e) => e.vary.every(([name, value]) => headerValue(req, name) === value))
    if (entry === undefined) return undefined
    const f = entry.freshness
    const ageS = currentAge(f, now)
    const staleByS = ageS - f.lifetimeS
    const mayServeStale = !f.mustRevalidate && !f.noCache
    const ifErrorS = Math.max(f.staleIfErrorS, deltaSeconds(cc?.get('stale-if-error')) ?? 0)
    const ifError = mayServeStale && ifErrorS > 0 && staleByS <= ifErrorS
    const maxAge = deltaSeconds(cc?.get('max-age'))
    const minFresh = deltaSeconds(cc?.get('min-fresh'))
    const clientValidates =
      cc !== undefined &&
      (cc.has('no-cache') ||
        (maxAge !== undefined && ageS > maxAge) ||
        (minFresh !== undefined && -staleByS < minFresh))
    if (!f.noCache && !clientValidates) {
      if (staleByS < 0) return { entry, ageS, action: 'use', ifError }
      // max-stale without a value accepts any staleness.
      const maxStale = cc?.get('max-stale')
      if (mayServeStale && maxStale !== undefined && staleByS <= (deltaSeconds(maxStale) ?? Infinity))
        return { entry, ageS, action: 'use', ifError }
      if (mayServeStale && staleByS < f.staleWhileRevalidateS)
        return { entry, ageS, action: 'serve-stale', ifError }
    }
    return { entry, ageS, action: 'validate', ifError }
  }

  /**
   * Whether a response may be stored (§3, as a shared cache): its freshness facts, or undefined.
   * Stored whatever its status when it has explicit freshness, heuristically (the route's ttl) only
   * for the statuses RFC 9110 §15.1 allows; kept only when it is fresh or can be validated.
   */
  admit(
    req: RequestHead,
    status: number,
    headers: Fields,
    requestTime: number,
    now: number,
  ): StoredFreshness | undefined {
    if (req.method !== 'GET' || status < 200 || status > 599 || status === 206 || status === 304)
      return undefined
    if (requestDirectives(req)?.has('no-store')) return undefined
    const cc = parseCacheControl(headers['cache-control'])
    // must-understand (§5.2.2.3): no-store stays the fallback of a status the cache does not know.
    const understood = cc?.has('must-understand') === true && isUnderstoodStatus(status)
    if (cc?.has('must-understand') && !understood) return undefined
    if ((cc?.has('no-store') && !understood) || cc?.has('private')) return undefined
    // A shared cache keeps no one's cookie; a Vary of '*' matches no later request.
    if (headers['set-cookie'] !== undefined || varyNames(headers.vary).includes('*')) return undefined
    if (
      req.headers.authorization !== undefined &&
      !(cc?.has('public') || cc?.has('s-maxage') || cc?.has('must-revalidate'))
    )
      return undefined
    const f = freshnessOf(cc, status, headers, requestTime, now, this.#heuristicS)
    if (f === undefined) return undefined
    const useful = f.lifetimeS > f.initialAgeS || f.etag !== undefined || f.lastModified !== undefined
    return useful ? f : undefined
  }

  begin(key: string, contentLength: string | string[] | undefined): Capture | undefined {
    if (typeof contentLength === 'string' && Number(contentLength) > this.#maxEntrySize) return undefined
    return { key, chunks: [], size: 0, aborted: false }
  }

  /** Adds a chunk; drops the capture once the body outgrows maxEntrySize. */
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
    upstream: ResponseFields,
    freshness: StoredFreshness,
  ): void {
    if (c.aborted) return
    const headers = { ...upstream }
    delete headers['x-cache']
    delete headers.age
    const entry: CachedResponse = {
      status,
      headers,
      body: Buffer.concat(c.chunks, c.size),
      freshness,
      vary: varyNames(upstream.vary).map((n) => [n, headerValue(req, n)] as const),
      refreshing: false,
    }
    // The new response replaces a stored one for the same variant.
    const list = (this.#store.get(c.key) ?? []).filter(
      (e) =>
        e.vary.length !== entry.vary.length ||
        !e.vary.every(([n, v]) => entry.vary.some(([n2, v2]) => n2 === n && v2 === v)),
    )
    list.unshift(entry)
    this.#store.set(c.key, list.slice(0, MAX_VARIANTS))
  }

  /**
   * A 304 validated `entry` (§4.3.4): its head takes the 304's fields and its freshness is read
   * again from the result. The updated entry, stored in place of the old one unless it may no longer
   * be stored (then it answers this request only).
   */
  revalidated(
    key: string,
    entry: CachedResponse,
    notModified: ResponseFields,
    requestTime: number,
    now: number,
  ): CachedResponse {
    const headers = updatedHead(entry.headers, notModified)
    const cc = parseCacheControl(headers['cache-control'])
    // The age the 304 brings is the entry's now (§4.3.4: it is the newer response).
    const age = notModified.age
    const freshness = cc?.has('no-store')
      ? undefined
      : freshnessOf(cc, entry.status, age ? { ...headers, age } : headers, requestTime, now, this.#heuristicS)
    const updated: CachedResponse = {
      ...entry,
      headers,
      freshness: freshness ?? { ...entry.freshness, lifetimeS: 0, storedAt: now, initialAgeS: 0 },
      refreshing: false,
    }
    const list = this.#store.get(key)
    if (list !== undefined) {
      const i = list.indexOf(entry)
      if (i >= 0) {
        if (freshness === undefined) list.splice(i, 1)
        else list[i] = updated
      }
    }
    return updated
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

/** only-if-cached (§5.2.1.7): the client takes a stored answer or a 504, nothing from the upstream. */
export function onlyIfCached(req: RequestHead): boolean {
  return requestDirectives(req)?.has('only-if-cached') === true
}

export function cacheEnabled(cfg: Cfg | undefined): cfg is Cfg {
  return cfg !== undefined && cfg.enabled !== false
}
