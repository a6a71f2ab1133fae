// State made through the admin API: manual routes, enabled/disabled overrides for routes of other
// sources, and per-service settings laid over every route of a service. Kept in
// <dataDir>/manual-routes.yaml in the config file's format (plus `overrides:` and `services:`),
// written atomically; a change is acknowledged only once it is on disk and live.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { GatewayError } from '../../errors.ts'
import type { RouteConfig } from '../../model/index.ts'
import { writeFileAtomic } from '../../util/atomic-write.ts'
import { yaml } from '../../util/yaml.ts'
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

export function createManualStore(dataDir: string | undefined): ManualStore {
  const file = dataDir ? join(dataDir, 'manual-routes.yaml') : undefined
  let state: ManualState = { routes: [], overrides: {} }
  let sink: ProviderSink | undefined
  let queue: Promise<unknown> = Promise.resolve()

  async function load(): Promise<ManualState> {
    if (!file) return { routes: [], overrides: {} }
    let text: string
    try {
      text = await readFile(file, 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { routes: [], overrides: {} }
      throw new GatewayError('SP_ERR_CONFIG_READ', `${file}: ${String(err)}`, { file })
    }
    const value = (parseConfigText(file, text).value ?? {}) as {
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
  }

  async function persist(next: ManualState): Promise<void> {
    if (!file) return
    const header = '# Routes created through the Sallyport admin API. Same format as the config file.\n'
    const body: Record<string, unknown> = { routes: next.routes }
    if (Object.keys(next.overrides).length > 0) body.overrides = next.overrides
    if (next.services && Object.keys(next.services).length > 0) body.services = next.services
    try {
      await writeFileAtomic(file, header + yaml().stringify(body))
    } catch (err) {
      throw new GatewayError('SP_ERR_PERSIST_WRITE', `cannot write ${file}: ${(err as Error).message}`, {
        file,
      })
    }
  }

  const emit = (s: ProviderSink, next: ManualState) =>
    s.emit({
      source: 'manual',
      routes: next.routes,
      routeOverrides: next.overrides,
      serviceSettings: next.services,
    })

  function updateState(change: (state: ManualState) => ManualState): Promise<Snapshot> {
    const run = async () => {
      if (!sink) throw new GatewayError('SP_ERR_PERSIST_WRITE', 'the gateway is closed')
      const next = change(state)
      await persist(next)
      state = next
      return emit(sink, next)
    }
    const result = queue.then(run, run)
    queue = result.catch(() => {})
    return result
  }

  return {
    source: 'manual',
    file,
    routes: () => state.routes,
    overrides: () => state.overrides,
    services: () => state.services ?? {},
    async start(s) {
      sink = s
      state = await load()
      await emit(s, state)
    },
    update: (change) => updateState((s) => ({ ...s, routes: change(s.routes) })),
    updateState,
    async close() {
      await queue
      sink = undefined
    },
  }
}
