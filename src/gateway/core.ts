// The live parts of one gateway, handed to the admin API, the realtime stream and the dialects.
// Built by index.ts (the composition root); nothing else constructs these.
import type { ManualStore } from './config/providers/manual-store.ts'
import type { ConfigWatcher } from './config/watcher.ts'
import type { HealthChecker } from './health/health-checker.ts'
import type { TargetStateRegistry } from './health/target-state.ts'
import type { PolicyRegistry } from './policies/policy-registry.ts'
import type { RouteTableSwitcher } from './router/switcher.ts'
import type { CounterRegistry } from './stats/counters.ts'
import type { RequestLog } from './stats/request-log.ts'
import type { EventLoopDelay } from './stats/event-loop-delay.ts'
import type { HistorySampler } from './stats/history-sampler.ts'
import type { GatewayTraffic } from './stats/traffic.ts'
import type { RedisConnection } from './store/redis-connection.ts'
import type { SharedDocuments } from './store/shared-documents.ts'

export interface Lifecycle {
  /** True once the first snapshot is live and the listener is bound. */
  ready: boolean
  draining: boolean
  /** Why the gateway is not ready (for /ready). */
  reason: string
}

export interface GatewayCore {
  readonly startedAt: Date
  readonly version: string
  readonly watcher: ConfigWatcher
  readonly switcher: RouteTableSwitcher
  readonly manual: ManualStore
  readonly traffic: GatewayTraffic
  /** How long the event loop was held (stats and /metrics). */
  readonly eventLoop: EventLoopDelay
  /** One hour of 10 s aggregates, in total and per route. */
  readonly history: HistorySampler
  readonly routeCounters: CounterRegistry
  readonly targetCounters: CounterRegistry
  readonly targetStates: TargetStateRegistry
  /** Rate-limit buckets and response caches (purge, stats). */
  readonly policies: PolicyRegistry
  readonly healthChecker: HealthChecker
  /** The request inspector's last requests: kept from the start, whether or not the admin side is loaded. */
  readonly requestLog: RequestLog
  readonly lifecycle: Lifecycle
  readonly events: EventTarget
  /** The shared store (Redis/Valkey) when `store.redis` is configured. */
  readonly sharedStore: RedisConnection | undefined
  /** Admin-made state (manual routes, dialect entities, push registrations): data-dir files or the shared store. */
  readonly documents: SharedDocuments
  readonly dataDir: string | undefined
  readonly configFile: string | undefined
  readonly dashboardDir: string | undefined
  /** The URL the gateway listens on (after listen()). */
  url: string | undefined
}
