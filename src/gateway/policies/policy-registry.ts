// Policy state that must outlive a route-table swap, keyed by stable ids: rate-limit buckets per
// scope, response caches per route, program variables and counters. Built once by index.ts, handed
// to compileRouteTable.
import type { RouteConfig } from '../model/index.ts'
import type { RedisConnection } from '../store/redis-connection.ts'
import type { MockResponder } from './mock-answer.ts'
import type { RequestValidator } from './openapi-validation.ts'
import { ProgramRegistry } from './program-registry.ts'
import { MemoryRateLimitStore, type RateLimitStore } from './rate-limit.ts'
import { ResponseCache } from './response-cache.ts'
import { SharedLimitCounters, SharedRateLimitStore } from './shared-rate-limit.ts'

export interface PolicyRegistryOptions {
  /** The OpenAPI validator, once the admin side that holds it is up (routes with `openapiValidate`). */
  readonly validator?: () => RequestValidator | undefined
  /** Mock answers from the OpenAPI documents, held by the same admin side (routes with `mock`). */
  readonly mocker?: () => MockResponder | undefined
}

export class PolicyRegistry {
  readonly #validator: () => RequestValidator | undefined
  readonly #mocker: () => MockResponder | undefined
  readonly #stores = new Map<string, { key: string; store: RateLimitStore }>()
  readonly #caches = new Map<string, ResponseCache>()
  readonly #usedStores = new Set<string>()
  readonly #usedCaches = new Set<string>()
  #shared: RedisConnection | undefined
  /** How shared limits were decided; zero without a shared store. */
  readonly sharedLimits = new SharedLimitCounters()

  /**
   * Rate limits from now on live in the shared store (compile the table again after this). When the
   * store comes back after an outage the local buckets, which counted alone meanwhile, start afresh.
   */
  shareLimits(conn: RedisConnection): void {
    this.#shared = conn
    this.#stores.clear()
    conn.events.addEventListener('change', () => {
      if (conn.up) for (const { store } of this.#stores.values()) store.clear()
    })
  }

  constructor(options: PolicyRegistryOptions = {}) {
    this.#validator = options.validator ?? (() => undefined)
    this.#mocker = options.mocker ?? (() => undefined)
  }

  /** Asked per request by routes with `openapiValidate`: undefined until the validator exists. */
  validator(): RequestValidator | undefined {
    return this.#validator()
  }

  /** Asked per request by routes with `mock`: undefined until the OpenAPI aggregator exists. */
  mocker(): MockResponder | undefined {
    return this.#mocker()
  }

  /** The bucket store for a scope; a changed rate or burst starts the scope with fresh buckets. */
  storeFor(scope: string, settingsKey: string): RateLimitStore {
    this.#usedStores.add(scope)
    const have = this.#stores.get(scope)
    if (have && have.key === settingsKey) return have.store
    const store = this.#shared
      ? new SharedRateLimitStore(this.#shared, `${scope}:${settingsKey}`, this.sharedLimits)
      : new MemoryRateLimitStore()
    this.#stores.set(scope, { key: settingsKey, store })
    return store
  }

  cacheFor(routeId: string, cfg: Exclude<RouteConfig['cache'], false | undefined>): ResponseCache {
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

  /** Service-management programs' variables (`global`) and counters. */
  readonly programs = new ProgramRegistry()
}
