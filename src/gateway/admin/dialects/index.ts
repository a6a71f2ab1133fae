// Every compatible API dialect, listed once and registered the same way: FluxGate (/api/v2/gateway/*)
// and service management ({adminBasePath}/management/*) on the gateway's port, gobetween on a listener
// of its own. Each is imported when its side starts, so the proxy's cold start loads none of them.
import type { FastifyInstance } from 'fastify'
import type { Settings } from '../../config/settings.ts'
import type { GatewayCore } from '../../core.ts'
import type { AdminDialect, DialectDeps, DialectListener, ListenerDialect } from './dialect.ts'

export type { DialectListener } from './dialect.ts'

type DialectEntry =
  | { readonly on: 'admin'; load(): Promise<AdminDialect> }
  | {
      readonly on: 'listener'
      /** Off: the dialect's code (and its L4 servers) is not even loaded. */
      wanted(settings: Settings['dialects']): boolean
      load(): Promise<ListenerDialect>
    }

/** The one list: a new dialect is a folder of its own and a line here. */
export const DIALECTS: readonly DialectEntry[] = [
  { on: 'admin', load: async () => (await import('./fluxgate/plugin.ts')).dialect },
  { on: 'admin', load: async () => (await import('./service-management/plugin.ts')).dialect },
  {
    on: 'listener',
    // gobetween is off unless enabled or given a bind address (README "API dialects").
    wanted: (d) => d.gobetween?.enabled ?? d.gobetween?.bind !== undefined,
    load: async () => (await import('./gobetween/plugin.ts')).dialect,
  },
]

/** The dialects served on the gateway's port, each in its own scope with its guard and error format. */
export async function registerDialects(app: FastifyInstance, deps: DialectDeps): Promise<void> {
  for (const entry of DIALECTS) if (entry.on === 'admin') await (await entry.load()).register(app, deps)
}

/** The dialects with a listener of their own, by name; the composition root binds and closes them. */
export async function createDialectListeners(core: GatewayCore): Promise<Map<string, DialectListener>> {
  const out = new Map<string, DialectListener>()
  const settings = core.watcher.current.settings.dialects
  for (const entry of DIALECTS)
    if (entry.on === 'listener' && entry.wanted(settings)) {
      const dialect = await entry.load()
      out.set(dialect.name, dialect.create(core))
    }
  return out
}
