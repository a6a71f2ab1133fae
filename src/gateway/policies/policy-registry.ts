// Policy state that must outlive a route-table swap, keyed by stable ids: rate-limit buckets per
// scope and response caches per route. Built once by index.ts, handed to compileRouteTable.
import type { RouteConfig } from '../model/index.ts'
import type { MockResponder } from './mock-answer.ts'
import type { RequestValidator } from './openapi-validation.ts'
import { MemoryRateLimitStore, type RateLimitStore } from './rate-limit.ts'
import { ResponseCache } from './response-cache.ts'

export class PolicyRegistry {
  /** Set once the OpenAPI aggregator exists; routes with `openapiValidate` consult it per request. */
  validator: RequestValidator | undefined
  /** Set with the validator; routes with `mock` answer from the documents through it. */
  mocker: MockResponder | undefined
  readonly #stores = new Map<string, { key: string; store: RateLimitStore }>()
  readonly #caches = new Map<string, ResponseCache>()
  readonly #usedStores = new Set<string>()
  readonly #usedCaches = new Set<string>()

  /** The bucket store for a scope; a changed rate or burst starts the scope with fresh buckets. */
  storeFor(scope: string, settingsKey: string): RateLimitStore {
    this.#usedStores.add(scope)
    const have = this.#stores.get(scope)
    if (have && have.key === settingsKey) return have.store
    const store = new MemoryRateLimitStore()
    this.#stores.set(scope, { key: settingsKey, store })
    return store
  }

  cacheFor(routeId: string, cfg: NonNullable<RouteConfig['cache']>): ResponseCache {
    this.#usedCaches.add(routeId)
    const have = this.#caches.get(routeId)
    if (have && have.cfgKey === JSON.stringify(cfg)) return have
    const cache = new ResponseCache(routeId, cfg)
    this.#caches.set(routeId, cache)
    return cache
  }

  cache(routeId: string): ResponseCache | undefined {
    return this.#caches.get(routeId)
  }

  caches(): IterableIterator<ResponseCache> {
    return this.#caches.values()
  }

  /** Call before compiling a table; `sweep()` after drops what the new table no longer uses. */
  mark(): void {
    this.#usedStores.clear()
    this.#usedCaches.clear()
  }

  sweep(): void {
    for (const k of this.#stores.keys()) if (!this.#usedStores.has(k)) this.#stores.delete(k)
    for (const k of this.#caches.keys()) if (!this.#usedCaches.has(k)) this.#caches.delete(k)
  }
}
