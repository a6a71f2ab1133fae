// One connection to the shared store (Redis or Valkey) for everything a gateway group shares: rate
// limits, breaker state, admin-made routes and dialect entities. Every operation is bounded: a store
// that does not answer within `timeoutMs` counts as down, and callers decide alone (no request waits
// on a dead store). `up` flips with the connection; `change` events let /health and the dashboard say so.
import { Redis } from 'ioredis'

export interface RedisSettings {
  readonly url: string
  readonly keyPrefix: string
  /** Bound on one store operation; past it the gateway decides alone. */
  readonly timeoutMs: number
  /** With the store unreachable: enforce limits per instance ('open') or refuse ('closed'). */
  readonly failMode: 'open' | 'closed'
  /** Circuit breakers opened on one gateway open on all (policies/shared-breakers.ts). */
  readonly shareBreakers?: boolean
}

export interface RedisConnection {
  readonly client: Redis
  readonly keyPrefix: string
  readonly timeoutMs: number
  readonly failMode: 'open' | 'closed'
  /** True while connected and answering. */
  readonly up: boolean
  /** Why the store is down (last error), '' while up. */
  readonly reason: string
  /** Fires 'change' when `up` flips. */
  readonly events: EventTarget
  /**
   * For admin state (documents): its own connection with a longer bound (ADMIN_TIMEOUT_MS), so an admin
   * write on a busy store is not refused for a delay the request path would not accept, and a burst of
   * admin writes never queues in front of rate-limit decisions.
   */
  readonly admin: Redis
  /** A second connection for SUBSCRIBE (a subscribed connection can issue nothing else). */
  subscriber(): Redis
  close(): Promise<void>
}

/** Admin writes wait this long at least (or eight request-path timeouts). */
const ADMIN_TIMEOUT_MS = 2000

export function connectRedis(settings: RedisSettings): RedisConnection {
  const options = {
    // Commands issued while disconnected fail at once instead of queueing behind a reconnect.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: Math.max(settings.timeoutMs, 1000),
    commandTimeout: settings.timeoutMs,
    // Reconnect forever, backing off to 1 s: the store comes back by itself and so do we.
    retryStrategy: (times: number) => Math.min(50 * times, 1000),
    lazyConnect: false,
  }
  const client = new Redis(settings.url, options)
  const subscribers: Redis[] = []
  let admin: Redis | undefined
  const events = new EventTarget()
  let up = false
  let reason = 'connecting'
  const set = (next: boolean, why: string) => {
    reason = why
    if (next === up) return
    up = next
    events.dispatchEvent(new Event('change'))
  }
  client.on('ready', () => set(true, ''))
  client.on('error', (e: Error) => set(false, e.message))
  client.on('close', () => set(false, reason || 'connection closed'))
  client.on('end', () => set(false, reason || 'connection ended'))
  return {
    client,
    keyPrefix: settings.keyPrefix,
    timeoutMs: settings.timeoutMs,
    failMode: settings.failMode,
    get up() {
      return up
    },
    get reason() {
      return up ? '' : reason
    },
    events,
    get admin() {
      if (!admin) {
        // Its commands may wait for it to (re)connect, within the bound: callers ask only while `up`.
        admin = new Redis(settings.url, {
          ...options,
          enableOfflineQueue: true,
          commandTimeout: Math.max(ADMIN_TIMEOUT_MS, settings.timeoutMs * 8),
        })
        admin.on('error', () => {}) // reported through the main connection's state
      }
      return admin
    },
    subscriber() {
      const sub = new Redis(settings.url, { ...options, enableOfflineQueue: true, commandTimeout: undefined })
      sub.on('error', () => {}) // reported through the main connection's state
      subscribers.push(sub)
      return sub
    },
    async close() {
      for (const s of subscribers) s.disconnect()
      admin?.disconnect()
      client.disconnect()
    },
  }
}
