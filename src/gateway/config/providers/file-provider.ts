// The config file: read at start (strictly: a bad file stops the start with one clear line) and
// re-read on every change: writes in place, editors' rename-saves, delete and recreate, vim's
// backup-then-write. A broken edit keeps the last good configuration serving and is reported through
// the watcher until a later save fixes it.
import { type FSWatcher, watch } from 'node:fs'
import { basename, dirname, resolve } from 'node:path'
import type { GatewayConfig } from '../../model/index.ts'
import { type FileSource, readConfigSource, splitRoutes } from '../check-file.ts'
import type { GatewayError } from '../../errors.ts'
import type { Provider, ProviderSink } from './provider.ts'

const DEBOUNCE_MS = 40
/** A missing or empty file is looked at again this often (an editor between its two steps)… */
const SETTLE_MS = 60
/** …this many times before it counts as what the user meant. */
const SETTLE_TRIES = 5

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms).unref())

export function createFileProvider(file: string): Provider {
  const path = resolve(file)
  let watcher: FSWatcher | undefined
  let timer: NodeJS.Timeout | undefined
  let lastText = ''
  let broken = false
  let sink: ProviderSink | undefined
  let queue: Promise<void> = Promise.resolve()

  /** The file once it settles: absent or empty only if it stays so for a moment. */
  async function settled(): Promise<FileSource> {
    for (let tries = 1; ; tries++) {
      try {
        const source = await readConfigSource(path)
        if (source.file.text.trim() !== '' || tries >= SETTLE_TRIES) return source
      } catch (err) {
        const missing = ((err as Error).cause as NodeJS.ErrnoException | undefined)?.code === 'ENOENT'
        if (!missing || tries >= SETTLE_TRIES) throw err
      }
      await delay(SETTLE_MS)
    }
  }

  async function reload(): Promise<void> {
    if (!sink) return
    let source: FileSource
    try {
      source = await settled()
    } catch (err) {
      broken = true
      sink?.reportError(err as GatewayError)
      return
    }
    // An unchanged file is news only when it was broken in between (an undo): the watcher says so.
    if (!sink || (source.file.text === lastText && !broken)) return
    lastText = source.file.text
    broken = false
    await sink.emit(source)
  }

  return {
    source: 'config',
    async start(s) {
      sink = s
      const source = await readConfigSource(path)
      lastText = source.file.text
      await s.emit(source)
      // Watch the directory, not the file: editors replace the file (new inode) on save.
      watcher = watch(dirname(path), { persistent: false }, (_event, name) => {
        if (name !== null && name !== basename(path)) return
        clearTimeout(timer)
        timer = setTimeout(() => {
          // One reload at a time, in order: an older read never lands after a newer one.
          queue = queue.then(reload, reload)
        }, DEBOUNCE_MS)
      })
      watcher.on('error', () => {})
    },
    async close() {
      clearTimeout(timer)
      watcher?.close()
      watcher = undefined
      sink = undefined
      await queue
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
