// The config file: read at start (strictly: a bad file stops the start with one clear line) and
// re-read on every change, including editors' atomic rename-saves. A broken edit keeps the last
// good configuration serving and is reported through the watcher.
import { watch, type FSWatcher } from 'node:fs'
import { basename, dirname, resolve } from 'node:path'
import { GatewayError } from '../../errors.ts'
import type { GatewayConfig } from '../../model/index.ts'
import { contentHash } from '../../util/content-hash.ts'
import { type LoadedFile, loadConfigFile } from '../load.ts'
import { validateSettings } from '../snapshot.ts'
import type { Provider, ProviderSink } from './provider.ts'

const DEBOUNCE_MS = 40

function splitRoutes(value: GatewayConfig): { settings: GatewayConfig; routes: unknown[] } {
  const { routes, ...settings } = value
  return { settings, routes: Array.isArray(routes) ? routes : [] }
}

export function createFileProvider(file: string): Provider {
  const path = resolve(file)
  let watcher: FSWatcher | undefined
  let timer: NodeJS.Timeout | undefined
  let lastText = ''
  let sink: ProviderSink | undefined

  async function read(): Promise<{ loaded: LoadedFile; settings: GatewayConfig; routes: unknown[] }> {
    const loaded = await loadConfigFile(path)
    const value = validateSettings(loaded.value, loaded)
    return { loaded, ...splitRoutes(value) }
  }

  async function reload(): Promise<void> {
    if (!sink) return
    try {
      const { loaded, settings, routes } = await read()
      if (contentHash(loaded.text) === contentHash(lastText)) return
      lastText = loaded.text
      sink.reportError(undefined)
      await sink.emit({ source: 'config', settings, routes, file: loaded })
    } catch (err) {
      // Half-written files show up as parse errors; the next change event retries.
      sink.reportError(
        err instanceof GatewayError
          ? err
          : new GatewayError('SP_ERR_CONFIG_READ', String(err), { file: path }),
      )
    }
  }

  return {
    source: 'config',
    async start(s) {
      sink = s
      const { loaded, settings, routes } = await read()
      lastText = loaded.text
      await s.emit({ source: 'config', settings, routes, file: loaded })
      // Watch the directory, not the file: editors replace the file (new inode) on save.
      watcher = watch(dirname(path), { persistent: false }, (_event, name) => {
        if (name !== null && name !== basename(path)) return
        clearTimeout(timer)
        timer = setTimeout(() => void reload(), DEBOUNCE_MS)
      })
      watcher.on('error', () => {})
    },
    async close() {
      clearTimeout(timer)
      watcher?.close()
      watcher = undefined
      sink = undefined
    },
  }
}

/** The embedded default: no file, default settings, no routes. */
export function createDefaultProvider(settings: GatewayConfig = {}): Provider {
  return {
    source: 'config',
    async start(sink) {
      const { settings: s, routes } = splitRoutes(settings)
      await sink.emit({ source: 'config', settings: s, routes })
    },
    async close() {},
  }
}
