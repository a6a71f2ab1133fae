// Opens the named documents of admin-made state: data-dir files for one gateway, or documents in the
// shared store (Redis) when `store.redis` is configured, kept current through one pub/sub channel and
// re-read whenever the store comes back.
import { join } from 'node:path'
import { createFileDocument } from './file-document.ts'
import type { RedisConnection } from './redis-connection.ts'
import { createRedisDocument, type RedisDocument } from './redis-document.ts'
import type { DocumentFormat, SharedDocument } from './shared-document.ts'

/** How long the first read waits for a store that is still connecting before serving the data dir. */
const START_WAIT_MS = 3000

export interface StoreNotice {
  readonly level: 'info' | 'warn'
  readonly message: string
}

export interface SharedDocuments {
  /** `name` keys the document in the shared store; `fileName` is its file in the data dir. */
  open<T>(name: string, fileName: string, format: DocumentFormat<T>): SharedDocument<T>
  /** What the log should tell (an import, a store down at start), also sent as 'notice' events. */
  readonly notices: readonly StoreNotice[]
  readonly events: EventTarget
  readonly shared: boolean
  close(): void
}

export function createSharedDocuments(
  conn: RedisConnection | undefined,
  dataDir: string | undefined,
): SharedDocuments {
  const opened = new Map<string, SharedDocument<unknown>>()
  const notices: StoreNotice[] = []
  const events = new EventTarget()
  const fileOf = (fileName: string) => (dataDir ? join(dataDir, fileName) : undefined)
  const base = { notices, events, shared: conn !== undefined }
  if (!conn)
    return {
      ...base,
      open<T>(name: string, fileName: string, format: DocumentFormat<T>) {
        const doc = opened.get(name) ?? createFileDocument(name, fileOf(fileName), format)
        opened.set(name, doc as SharedDocument<unknown>)
        return doc as SharedDocument<T>
      },
      close() {},
    }

  const channel = `${conn.keyPrefix}changed`
  const refreshAll = () => {
    for (const doc of opened.values()) void (doc as RedisDocument<unknown>).refresh()
  }
  const onUp = () => {
    if (conn.up) refreshAll()
  }
  conn.events.addEventListener('change', onUp)
  const subscriber = conn.subscriber()
  subscriber.on('message', (_channel: string, message: string) => {
    const space = message.indexOf(' ')
    const doc = opened.get(message.slice(space + 1)) as RedisDocument<unknown> | undefined
    void doc?.refresh(Number(message.slice(0, space)))
  })
  // Announcements sent while the subscriber was away are lost: once it is subscribed (at start and
  // after every reconnect), everything is read again.
  const subscribe = () => subscriber.subscribe(channel).then(refreshAll, () => {})
  subscriber.on('ready', subscribe)
  subscribe()

  const ctx = {
    conn,
    channel,
    whenUp: () =>
      new Promise<boolean>((resolve) => {
        if (conn.up) return resolve(true)
        const done = (ok: boolean) => {
          clearTimeout(timer)
          conn.events.removeEventListener('change', onChange)
          resolve(ok)
        }
        const onChange = () => conn.up && done(true)
        const timer = setTimeout(() => done(false), Math.max(START_WAIT_MS, conn.timeoutMs))
        conn.events.addEventListener('change', onChange)
      }),
    notice(level: 'info' | 'warn', message: string) {
      const notice = { level, message }
      notices.push(notice)
      events.dispatchEvent(new CustomEvent('notice', { detail: notice }))
    },
  }
  return {
    ...base,
    open<T>(name: string, fileName: string, format: DocumentFormat<T>) {
      const doc = opened.get(name) ?? createRedisDocument(name, fileOf(fileName), format, ctx)
      opened.set(name, doc as SharedDocument<unknown>)
      return doc as SharedDocument<T>
    },
    close() {
      conn.events.removeEventListener('change', onUp)
      subscriber.disconnect()
    },
  }
}
