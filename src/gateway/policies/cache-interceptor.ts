// The response cache on a route: a fresh stored answer is served without calling the upstream; a
// miss streams to the client as usual while a copy is stored; a successful unsafe request
// invalidates its URL (RFC 9111 §4.4). Upgrade requests never touch it.
import type { DispatchController, DispatchHandler, ResponseHeaders } from '../upstream/types.ts'
import { DecoratingHandler } from './decorating-handler.ts'
import type { Interceptor, ProxyContext } from './interceptor.ts'
import { answer } from './local-answer.ts'
import type { Capture, ResponseCache } from './response-cache.ts'

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

export function cacheInterceptor(cache: ResponseCache): Interceptor {
  return (next) => (ctx, handler) => {
    const m = ctx.method
    if (ctx.upgrade) next(ctx, handler)
    else if (m === 'GET' || m === 'HEAD') {
      const key = cache.keyOf(ctx.req)
      const hit = cache.lookup(ctx.req, key, Date.now())
      if (hit) {
        ctx.routeCounters.cacheHits++
        ctx.outcome = 'cache'
        const fields = { ...hit.entry.headers, age: String(Math.floor(hit.ageS)), 'x-cache': 'HIT' }
        answer(handler, hit.entry.status, fields, m === 'HEAD' ? undefined : hit.entry.body)
        return
      }
      ctx.routeCounters.cacheMisses++
      next(ctx, new CacheFill(handler, cache, key, ctx))
    } else if (UNSAFE.has(m)) next(ctx, new CacheInvalidation(handler, cache, cache.keyOf(ctx.req)))
    else next(ctx, handler)
  }
}

/** Tees a miss into the cache when the response may be stored. */
class CacheFill extends DecoratingHandler {
  readonly cache: ResponseCache
  readonly key: string
  readonly ctx: ProxyContext
  capture: Capture | undefined
  status = 0
  upstream: ResponseHeaders | undefined
  freshForS = 0

  constructor(inner: DispatchHandler, cache: ResponseCache, key: string, ctx: ProxyContext) {
    super(inner)
    this.cache = cache
    this.key = key
    this.ctx = ctx
  }

  override onResponseStart(
    controller: DispatchController,
    statusCode: number,
    headers: ResponseHeaders,
  ): void {
    const fresh = this.ctx.upstreamError ? undefined : this.cache.storable(this.ctx.req, statusCode, headers)
    if (fresh !== undefined) {
      this.capture = this.cache.begin(this.key, headers['content-length'])
      this.status = statusCode
      this.upstream = headers
      this.freshForS = fresh
    }
    this.inner.onResponseStart(controller, statusCode, { ...headers, 'x-cache': 'MISS' })
  }

  override onResponseData(controller: DispatchController, chunk: Buffer): void {
    // add() copies what it keeps: the chunk is a view of the upstream connection's read buffer.
    if (this.capture) this.cache.add(this.capture, chunk)
    this.inner.onResponseData(controller, chunk)
  }

  override onResponseEnd(controller: DispatchController, trailers?: ResponseHeaders): void {
    this.inner.onResponseEnd(controller, trailers)
    if (this.capture && this.upstream)
      this.cache.commit(
        this.capture,
        this.ctx.req,
        this.status,
        this.upstream,
        this.upstream,
        this.freshForS,
        Date.now(),
      )
  }
}

class CacheInvalidation extends DecoratingHandler {
  readonly cache: ResponseCache
  readonly key: string

  constructor(inner: DispatchHandler, cache: ResponseCache, key: string) {
    super(inner)
    this.cache = cache
    this.key = key
  }

  override onResponseStart(
    controller: DispatchController,
    statusCode: number,
    headers: ResponseHeaders,
  ): void {
    if (statusCode < 400) this.cache.invalidate(this.key)
    this.inner.onResponseStart(controller, statusCode, headers)
  }
}
