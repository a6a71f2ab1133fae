// The response cache on a route. A usable stored answer is served without calling the upstream (a
// client's matching If-None-Match / If-Modified-Since gets a 304); a stale one is validated upstream
// with its ETag / Last-Modified, and a 304 serves it with its head updated; stale-while-revalidate
// serves it at once and validates it in the background; stale-if-error serves it when the upstream
// fails. A miss streams to the client as usual while a copy is stored; a successful unsafe request
// invalidates its URL (RFC 9111 §4.4). Upgrade requests never touch it.
// X-Cache says which: HIT, STALE, REVALIDATED (all from the store) or MISS (the upstream's answer).
import type { DispatchController, DispatchHandler, ResponseHeaders } from '../upstream/types.ts'
import { clientHasCurrent, notModifiedFields, validatingConditions } from './cache-conditions.ts'
import { currentAge, type StoredFreshness } from './cache-freshness.ts'
import { DecoratingHandler } from './decorating-handler.ts'
import type { Dispatch, Interceptor, ProxyContext } from './interceptor.ts'
import { answer, answerProblem } from './local-answer.ts'
import {
  type CachedResponse,
  type Capture,
  type Found,
  onlyIfCached,
  type ResponseCache,
} from './response-cache.ts'

/** Methods known to be safe; every other one, an unknown one too, invalidates (RFC 9111 §4.4). */
const SAFE = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE'])

type FromStore = 'HIT' | 'STALE' | 'REVALIDATED'

export function cacheInterceptor(cache: ResponseCache): Interceptor {
  return (next) => (ctx, handler) => {
    const m = ctx.method
    if (ctx.upgrade) next(ctx, handler)
    else if (m === 'GET' || m === 'HEAD') {
      const key = cache.keyOf(ctx.req)
      const now = Date.now()
      const found = cache.lookup(ctx.req, key, now)
      if (found?.action === 'use') serveStored(ctx, handler, found.entry, found.ageS, 'HIT')
      else if (found?.action === 'serve-stale') {
        // Sent before the answer: once the client has it, the exchange sends nothing more upstream.
        if (!found.entry.refreshing) {
          found.entry.refreshing = true
          validate(next, ctx, new CacheFill(DISCARD, cache, key, ctx, now, found, true), found)
        }
        serveStored(ctx, handler, found.entry, found.ageS, 'STALE')
      } else if (onlyIfCached(ctx.req))
        answerProblem(handler, ctx, 'gateway-timeout', {
          outcome: 'cache',
          detail: 'only-if-cached: no stored response may answer this request',
        })
      else if (found) validate(next, ctx, new CacheFill(handler, cache, key, ctx, now, found, false), found)
      else next(ctx, new CacheFill(handler, cache, key, ctx, now, undefined, false))
    } else if (!SAFE.has(m)) next(ctx, new CacheInvalidation(handler, cache, ctx))
    else next(ctx, handler)
  }
}

/** Asks the upstream with the stored validators; the client's own conditions give way to them. */
function validate(next: Dispatch, ctx: ProxyContext, fill: CacheFill, found: Found): void {
  ctx.upstreamHeaderChanges = { ...ctx.upstreamHeaderChanges, ...validatingConditions(found.entry.freshness) }
  next(ctx, fill)
}

/** A stored response as the answer, or a 304 when the client's conditions say it has it already. */
function serveStored(
  ctx: ProxyContext,
  handler: DispatchHandler,
  entry: CachedResponse,
  ageS: number,
  label: FromStore,
): void {
  ctx.routeCounters.cacheHits++
  ctx.outcome = 'cache'
  const age = String(Math.floor(ageS))
  // Conditions apply only where the answer would be a 2xx (RFC 9110 §13.2.1).
  if (entry.status >= 200 && entry.status < 300 && clientHasCurrent(ctx.req, entry.freshness))
    answer(handler, 304, { ...notModifiedFields(entry.headers), age, 'x-cache': label })
  else
    answer(
      handler,
      entry.status,
      { ...entry.headers, age, 'x-cache': label },
      ctx.method === 'HEAD' ? undefined : entry.body,
    )
}

const noop = () => {}
/** Where a background refresh's answer goes: nowhere, the client was served already. */
const DISCARD: DispatchHandler = {
  onResponseStart: noop,
  onResponseData: noop,
  onResponseEnd: noop,
  onResponseError: noop,
}

/**
 * The upstream's answer on a miss or to a validation. A 304 to the cache's own conditions updates the
 * stored entry and serves it; a 5xx or a failed upstream serves it within stale-if-error; any other
 * answer streams through and is stored when it may be. In the background (stale-while-revalidate)
 * only the store is updated.
 */
class CacheFill extends DecoratingHandler {
  readonly cache: ResponseCache
  readonly key: string
  readonly ctx: ProxyContext
  readonly requestTime: number
  readonly validating: Found | undefined
  readonly background: boolean
  /** The stored answer given instead of the upstream's, and why. */
  fromStore: CachedResponse | undefined
  label: FromStore = 'REVALIDATED'
  capture: Capture | undefined
  status = 0
  upstream: ResponseHeaders | undefined
  freshness: StoredFreshness | undefined
  started = false

  constructor(
    inner: DispatchHandler,
    cache: ResponseCache,
    key: string,
    ctx: ProxyContext,
    requestTime: number,
    validating: Found | undefined,
    background: boolean,
  ) {
    super(inner)
    this.cache = cache
    this.key = key
    this.ctx = ctx
    this.requestTime = requestTime
    this.validating = validating
    this.background = background
  }

  override onResponseStart(
    controller: DispatchController,
    statusCode: number,
    headers: ResponseHeaders,
  ): void {
    this.started = true
    // The gateway's own answer (502, 504, 503 with no target) is never stored.
    const fromUpstream = !this.ctx.upstreamError && !this.ctx.noTarget
    const v = this.validating
    if (v && statusCode === 304 && fromUpstream) {
      this.fromStore = this.cache.revalidated(this.key, v.entry, headers, this.requestTime, Date.now())
      return
    }
    if (v?.ifError && (statusCode >= 500 || !fromUpstream) && !this.background) {
      this.fromStore = v.entry
      this.label = 'STALE'
      return
    }
    const fresh = fromUpstream
      ? this.cache.admit(this.ctx.req, statusCode, headers, this.requestTime, Date.now())
      : undefined
    if (fresh !== undefined) {
      this.capture = this.cache.begin(this.key, headers['content-length'])
      this.status = statusCode
      this.upstream = headers
      this.freshness = fresh
    }
    if (this.background) return
    this.ctx.routeCounters.cacheMisses++
    this.inner.onResponseStart(controller, statusCode, { ...headers, 'x-cache': 'MISS' })
  }

  override onResponseData(controller: DispatchController, chunk: Buffer): void {
    if (this.fromStore) return
    // add() copies what it keeps: the chunk is a view of the upstream connection's read buffer.
    if (this.capture) this.cache.add(this.capture, chunk)
    if (!this.background) this.inner.onResponseData(controller, chunk)
  }

  override onResponseEnd(controller: DispatchController, trailers?: ResponseHeaders): void {
    this.settled()
    if (this.fromStore) {
      this.answerFromStore()
      return
    }
    if (!this.background) this.inner.onResponseEnd(controller, trailers)
    if (this.capture && this.upstream && this.freshness)
      this.cache.commit(this.capture, this.ctx.req, this.status, this.upstream, this.freshness)
  }

  override onResponseError(controller: DispatchController, err: Error): void {
    this.settled()
    if (this.background) return
    if (this.fromStore !== undefined || (!this.started && this.validating?.ifError)) {
      this.fromStore ??= (this.validating as Found).entry
      if (!this.ctx.gone) {
        this.answerFromStore()
        return
      }
    }
    this.inner.onResponseError(controller, err)
  }

  settled(): void {
    if (this.validating) this.validating.entry.refreshing = false
  }

  answerFromStore(): void {
    if (this.background) return
    const entry = this.fromStore as CachedResponse
    serveStored(this.ctx, this.inner, entry, currentAge(entry.freshness, Date.now()), this.label)
  }
}

/**
 * RFC 9111 §4.4: a non-error answer to an unsafe request invalidates its URL, and the URLs its Location
 * and Content-Location name on the same origin.
 */
class CacheInvalidation extends DecoratingHandler {
  readonly cache: ResponseCache
  readonly ctx: ProxyContext

  constructor(inner: DispatchHandler, cache: ResponseCache, ctx: ProxyContext) {
    super(inner)
    this.cache = cache
    this.ctx = ctx
  }

  override onResponseStart(
    controller: DispatchController,
    statusCode: number,
    headers: ResponseHeaders,
  ): void {
    if (statusCode < 400) {
      const req = this.ctx.req
      this.cache.invalidate(this.cache.keyOf(req))
      for (const name of ['location', 'content-location']) {
        const named = headers[name]
        const key = typeof named === 'string' ? this.cache.keyOfNamed(req, named) : undefined
        if (key !== undefined) this.cache.invalidate(key)
      }
    }
    this.inner.onResponseStart(controller, statusCode, headers)
  }
}
