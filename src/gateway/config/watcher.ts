// The one place configurations meet: dedupe by content hash → throttle → merge → validate →
// consistency → freeze → version → publish to listeners in order (Traefik configurationwatcher).
import type { GatewayError } from '../errors.ts'
import type { ConfigIssue, RouteSource } from '../model/index.ts'
import { contentHash } from '../util/content-hash.ts'
import type { Provider } from './providers/provider.ts'
import type { SettingsOverrides } from './settings.ts'
import { buildSnapshot, type Snapshot, type SourceConfig } from './snapshot.ts'
import { diffSnapshots, type SnapshotDiff } from './snapshot-diff.ts'
import { sourceErrorIssues } from './source-issues.ts'

export type SnapshotListener = (next: Snapshot, prev: Snapshot | undefined) => void | Promise<void>

export interface SourceState {
  readonly source: RouteSource
  readonly hash: string
  readonly error: GatewayError | undefined
  readonly updatedAt: string
}

/** What one reload did: told once per configuration a source published. */
export interface ReloadReport extends SnapshotDiff {
  /** The sources whose new configuration was taken in. */
  readonly sources: readonly RouteSource[]
  /** The config file, when it was one of them. */
  readonly file: string | undefined
  /** The version serving afterwards: a new one only when something was applied. */
  readonly version: number
  readonly applied: boolean
  /** Problems of those sources: the parts of their configuration that were not applied. */
  readonly notApplied: readonly ConfigIssue[]
  /** A source that was broken (rejected) published a good configuration again. */
  readonly recovered: boolean
}

export interface ConfigWatcher {
  readonly current: Snapshot
  /** When the current version was applied (ISO time). */
  readonly appliedAt: string
  /**
   * Every problem now: sources rejected as a whole (parse or settings errors; the last applied
   * configuration keeps serving) first, then the entities of the current snapshot left out.
   */
  issues(): ConfigIssue[]
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
  /** Told after every configuration a source published was taken in (applied or not). */
  readonly onReload?: (report: ReloadReport) => void
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
  let appliedAt = new Date().toISOString()
  /** Sources that were broken when they published again, for the report. */
  const recovering = new Set<RouteSource>()
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
      const prev = published ? current : undefined
      const applied = !published || next.hash !== current.hash
      if (applied) {
        current = next
        appliedAt = new Date().toISOString()
        published = true
        for (const listener of listeners) await listener(next, prev)
      } else if (JSON.stringify(next.issues) !== JSON.stringify(current.issues)) {
        // Nothing new serves, but what was left out changed (a broken route added, fixed or
        // removed): the problems are the new ones, the version stays the applied one.
        current = Object.freeze({ ...current, issues: next.issues })
      }
      const sources = batch.map((p) => p.config.source)
      report(sources, batch.find((p) => p.config.file)?.config.file?.file, applied, prev)
      for (const w of waiters) w.resolve(current)
    } catch (err) {
      for (const w of waiters) w.reject(err)
    }
  }

  function report(
    sources: readonly RouteSource[],
    file: string | undefined,
    applied: boolean,
    prev: Snapshot | undefined,
  ): void {
    const recovered = sources.map((s) => recovering.delete(s)).includes(true)
    if (!opts.onReload || !prev) return
    opts.onReload({
      sources,
      file,
      version: current.version,
      applied,
      ...(applied ? diffSnapshots(prev, current) : diffSnapshots(current, current)),
      notApplied: current.issues.filter((i) => sources.includes(i.source as RouteSource)),
      recovered,
    })
  }

  /** A source that publishes again is no longer broken. */
  function clearError(source: RouteSource): void {
    if (errors.get(source) === undefined) return
    errors.set(source, undefined)
    recovering.add(source)
    opts.onSourceError?.(source, undefined)
  }

  function emitFor(provider: Provider) {
    return (config: SourceConfig): Promise<Snapshot> => {
      if (closed) return Promise.resolve(current)
      const source = config.source
      const hash = contentHash({
        routes: config.routes,
        settings: config.settings ?? null,
        overrides: config.routeOverrides ?? null,
        services: config.serviceSettings ?? null,
      })
      clearError(source)
      if (hashes.get(source) === hash && !pending.has(source)) {
        // The same configuration as applied (an undo after a broken save, say): nothing to build.
        if (recovering.has(source)) report([source], config.file?.file, false, current)
        return Promise.resolve(current)
      }
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
    get appliedAt() {
      return appliedAt
    },
    issues() {
      const rejected = [...errors].flatMap(([source, error]) =>
        error ? sourceErrorIssues(source, error) : [],
      )
      // A rejected source's route problems were found in an earlier save, not in the file as it is
      // now: they would point at lines that may be gone. They come back if the next good save has them.
      const broken = new Set(rejected.map((i) => i.source))
      return [...rejected, ...current.issues.filter((i) => !broken.has(i.source))]
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
          if (error === undefined) return clearError(provider.source)
          const before = errors.get(provider.source)
          errors.set(provider.source, error)
          if (before?.message !== error.message) opts.onSourceError?.(provider.source, error)
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
