// Routes created through the admin API. Kept in <dataDir>/manual-routes.yaml in the config file's
// format, written atomically; a change is acknowledged only once it is on disk and live.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { stringify } from 'yaml'
import { GatewayError } from '../../errors.ts'
import type { RouteConfig } from '../../model/index.ts'
import { writeFileAtomic } from '../../util/atomic-write.ts'
import { parseConfigText } from '../load.ts'
import type { Snapshot } from '../snapshot.ts'
import type { Provider, ProviderSink } from './provider.ts'

export interface ManualStore extends Provider {
  readonly file: string | undefined
  routes(): readonly RouteConfig[]
  /**
   * Runs one change at a time: `change` gets the current routes and returns the new list (or throws
   * to refuse); the list is persisted, published, and the live snapshot returned.
   */
  update(change: (routes: readonly RouteConfig[]) => RouteConfig[]): Promise<Snapshot>
}

export function createManualStore(dataDir: string | undefined): ManualStore {
  const file = dataDir ? join(dataDir, 'manual-routes.yaml') : undefined
  let routes: RouteConfig[] = []
  let sink: ProviderSink | undefined
  let queue: Promise<unknown> = Promise.resolve()

  async function load(): Promise<RouteConfig[]> {
    if (!file) return []
    let text: string
    try {
      text = await readFile(file, 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
      throw new GatewayError('SP_ERR_CONFIG_READ', `${file}: ${String(err)}`, { file })
    }
    const value = parseConfigText(file, text).value as { routes?: unknown }
    return Array.isArray(value.routes) ? (value.routes as RouteConfig[]) : []
  }

  async function persist(next: RouteConfig[]): Promise<void> {
    if (!file) return
    const header = '# Routes created through the Sallyport admin API. Same format as the config file.\n'
    try {
      await writeFileAtomic(file, header + stringify({ routes: next }))
    } catch (err) {
      throw new GatewayError('SP_ERR_PERSIST_WRITE', `cannot write ${file}: ${(err as Error).message}`, {
        file,
      })
    }
  }

  return {
    source: 'manual',
    file,
    routes: () => routes,
    async start(s) {
      sink = s
      routes = await load()
      await s.emit({ source: 'manual', routes })
    },
    update(change) {
      const run = async () => {
        if (!sink) throw new GatewayError('SP_ERR_PERSIST_WRITE', 'the gateway is closed')
        const next = change(routes)
        await persist(next)
        routes = next
        return sink.emit({ source: 'manual', routes: next })
      }
      const result = queue.then(run, run)
      queue = result.catch(() => {})
      return result
    },
    async close() {
      await queue
      sink = undefined
    },
  }
}
