// The one place configurations meet: dedupe by content hash → throttle → merge → validate →
// consistency → freeze → version → publish to listeners in order (Traefik configurationwatcher).
import type { GatewayError } from '../errors.ts'
import type { RouteSource } from '../model/index.ts'
import { contentHash } from '../util/content-hash.ts'
import type { Provider } from './providers/provider.ts'
import type { SettingsOverrides } from './settings.ts'
import { buildSnapshot, type Snapshot, type SourceConfig } from './snapshot.ts'

export type SnapshotListener = (next: Snapshot, prev: Snapshot | undefined) => void | Promise<void>

export interface SourceState {
  readonly source: RouteSource
  readonly hash: string
  readonly error: GatewayError | undefined
  readonly updatedAt: string
}

export interface ConfigWatcher {
  readonly current: Snapshot
  /** Every source's last input hash and current error (a broken config file, say). */
  sources(): readonly SourceState[]
  addProvider(provider: Provider): Promise<void>
  /** Listeners run in registration order, each awaited, before the next snapshot is built. */
  subscribe(listener: SnapshotListener): void
  close(): Promise<void>
}

interface Pending {
  config: SourceConfig
  waiters: { resolve: (s: Snapshot) => void; reject: (e: unknown) => void }[]
}

export interface WatcherOptions {
  readonly overrides?: SettingsOverrides
  /** Told whenever a source breaks or recovers (undefined error). */
  readonly onSourceError?: (source: RouteSource, error: GatewayError | undefined) => void
}

export function createConfigWatcher(opts: WatcherOptions = {}): ConfigWatcher {
  const inputs = new Map<RouteSource, SourceConfig>()
  const hashes = new Map<RouteSource, string>()
  const errors = new Map<RouteSource, GatewayError | undefined>()
  const updatedAt = new Map<RouteSource, string>()
  const lastApplied = new Map<RouteSource, number>()
  const listeners: SnapshotListener[] = []
  const providers: Provider[] = []
  const pending = new Map<RouteSource, Pending>()
  let current: Snapshot = buildSnapshot([], { version: 0, overrides: opts.overrides })
  let published = false
  let running: Promise<void> = Promise.resolve()
  let closed = false

  function schedule(delayMs: number): void {
    const run = () => {
      running = running.then(apply, apply)
    }
    if (delayMs > 0) setTimeout(run, delayMs).unref()
    else run()
  }

  async function apply(): Promise<void> {
    if (pending.size === 0) return
    const batch = [...pending.values()]
    pending.clear()
    for (const p of batch) {
      inputs.set(p.config.source, p.config)
      lastApplied.set(p.config.source, Date.now())
    }
    const waiters = batch.flatMap((p) => p.waiters)
    try {
      const next = buildSnapshot([...inputs.values()], {
        version: current.version + 1,
        overrides: opts.overrides,
      })
      if (!published || next.hash !== current.hash) {
        const prev = published ? current : undefined
        current = next
        published = true
        for (const listener of listeners) await listener(next, prev)
      }
      for (const w of waiters) w.resolve(current)
    } catch (err) {
      for (const w of waiters) w.reject(err)
    }
  }

  function emitFor(provider: Provider) {
    return (config: SourceConfig): Promise<Snapshot> => {
      if (closed) return Promise.resolve(current)
      const source = config.source
      const hash = contentHash({
        routes: config.routes,
        settings: config.settings ?? null,
        overrides: config.routeOverrides ?? null,
      })
      if (hashes.get(source) === hash && !pending.has(source)) return Promise.resolve(current)
      hashes.set(source, hash)
      updatedAt.set(source, new Date().toISOString())
      return new Promise((resolve, reject) => {
        const existing = pending.get(source)
        // Only the latest configuration of a source matters (Traefik ring channel).
        if (existing) {
          existing.config = config
          existing.waiters.push({ resolve, reject })
          return
        }
        pending.set(source, { config, waiters: [{ resolve, reject }] })
        const since = Date.now() - (lastApplied.get(source) ?? 0)
        const throttle = provider.throttleMs ?? 0
        schedule(since >= throttle ? 0 : throttle - since)
      })
    }
  }

  return {
    get current() {
      return current
    },
    sources() {
      return [...new Set([...hashes.keys(), ...errors.keys()])].map((source) => ({
        source,
        hash: hashes.get(source) ?? '',
        error: errors.get(source),
        updatedAt: updatedAt.get(source) ?? '',
      }))
    },
    async addProvider(provider) {
      providers.push(provider)
      await provider.start({
        emit: emitFor(provider),
        reportError: (error) => {
          const before = errors.get(provider.source)
          errors.set(provider.source, error)
          if (before?.message !== error?.message) opts.onSourceError?.(provider.source, error)
        },
      })
    },
    subscribe(listener) {
      listeners.push(listener)
    },
    async close() {
      if (closed) return
      closed = true
      for (const p of providers.reverse()) await p.close()
      await running
    },
  }
}
