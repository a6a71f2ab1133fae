// State made through the admin API: manual routes, enabled/disabled overrides for routes of other
// sources, and per-service settings laid over every route of a service. Kept in one shared document:
// <dataDir>/manual-routes.yaml in the config file's format (plus `overrides:` and `services:`), or the
// shared store when Redis is configured; a change is acknowledged only once it is stored and live, and
// a change another instance made is applied here as soon as it is announced.
import { GatewayError } from '../../errors.ts'
import type { RouteConfig } from '../../model/index.ts'
import type { DocumentFormat } from '../../store/shared-document.ts'
import type { SharedDocuments } from '../../store/shared-documents.ts'
import { parseConfigText } from '../load.ts'
import type { ServiceSettingsMap } from '../service-settings.ts'
import type { Snapshot } from '../snapshot.ts'
import type { Provider, ProviderSink } from './provider.ts'

/** Route id → enabled, for routes the admin API does not own (config file, discovery). */
export type RouteOverrides = Readonly<Record<string, boolean>>

export interface ManualState {
  readonly routes: readonly RouteConfig[]
  readonly overrides: RouteOverrides
  /** Service name → settings for all of its routes (set through the service-management dialect). */
  readonly services?: ServiceSettingsMap | undefined
}

export interface ManualStore extends Provider {
  readonly file: string | undefined
  routes(): readonly RouteConfig[]
  overrides(): RouteOverrides
  services(): ServiceSettingsMap
  /**
   * Runs one change at a time: `change` gets the current routes and returns the new list (or throws
   * to refuse); the list is persisted, published, and the live snapshot returned.
   */
  update(change: (routes: readonly RouteConfig[]) => RouteConfig[]): Promise<Snapshot>
  /** Like update, for routes and overrides together. */
  updateState(change: (state: ManualState) => ManualState): Promise<Snapshot>
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

function isOverrides(value: unknown): value is Record<string, boolean> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((v) => typeof v === 'boolean')
  )
}

const manualFormat: DocumentFormat<ManualState> = {
  header: 'Routes created through the Sallyport admin API. Same format as the config file.',
  parseText: (text, file) => parseConfigText(file, text).value,
  decode(stored) {
    const value = (isRecord(stored) ? stored : {}) as {
      routes?: unknown
      overrides?: unknown
      services?: unknown
    }
    return {
      routes: Array.isArray(value.routes) ? (value.routes as RouteConfig[]) : [],
      overrides: isOverrides(value.overrides) ? value.overrides : {},
      // Each route is checked when the snapshot is built; a bad setting shows as that route's problem.
      services: isRecord(value.services) ? (value.services as ServiceSettingsMap) : {},
    }
  },
  encode(next) {
    const body: Record<string, unknown> = { routes: next.routes }
    if (Object.keys(next.overrides).length > 0) body.overrides = next.overrides
    if (next.services && Object.keys(next.services).length > 0) body.services = next.services
    return body
  },
}

export function createManualStore(documents: SharedDocuments): ManualStore {
  const doc = documents.open('manual-routes', 'manual-routes.yaml', manualFormat)
  let state: ManualState = { routes: [], overrides: {} }
  let sink: ProviderSink | undefined
  let queue: Promise<unknown> = Promise.resolve()
  let unsubscribe = () => {}

  const emit = (s: ProviderSink, next: ManualState) =>
    s.emit({
      source: 'manual',
      routes: next.routes,
      routeOverrides: next.overrides,
      serviceSettings: next.services,
    })

  /** Local changes and changes from other instances reach the watcher one at a time, in order. */
  function serially<R>(run: () => Promise<R>): Promise<R> {
    const result = queue.then(run, run)
    queue = result.catch(() => {})
    return result
  }

  function updateState(change: (state: ManualState) => ManualState): Promise<Snapshot> {
    return serially(async () => {
      if (!sink) throw new GatewayError('SP_ERR_PERSIST_WRITE', 'the gateway is closed')
      const s = sink
      state = await doc.update(change)
      return emit(s, state)
    })
  }

  return {
    source: 'manual',
    file: doc.file,
    routes: () => state.routes,
    overrides: () => state.overrides,
    services: () => state.services ?? {},
    async start(s) {
      sink = s
      state = await doc.read()
      await emit(s, state)
      unsubscribe = doc.onChange(() => {
        serially(async () => {
          if (!sink) return
          state = await doc.read()
          await emit(sink, state)
        }).catch(() => {})
      })
    },
    update: (change) => updateState((s) => ({ ...s, routes: change(s.routes) })),
    updateState,
    async close() {
      unsubscribe()
      await queue
      sink = undefined
    },
  }
}
