import { readFile } from 'node:fs/promises'
import { writeFileAtomic } from '../gateway/util/atomic-write.ts'

/** Reads a JSON file; undefined when it is missing or unreadable (a corrupt file must not block launch). */
export async function readJsonFile(path: string): Promise<unknown> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch {
    return undefined
  }
  try {
    return JSON.parse(text) as unknown
  } catch {
    return undefined
  }
}

/** Writes JSON durably (temp file, fsync, rename, directory fsync): the gateway's own atomic write. */
export function writeJsonFileAtomic(path: string, value: unknown): Promise<void> {
  return writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`)
}

export interface JsonStore<T> {
  load(): Promise<T>
  save(value: T): Promise<void>
  /** Resolves once pending writes are on disk; later saves are refused. Idempotent. */
  close(): Promise<void>
}

/** One JSON file with a parser for what is on disk; writes are serialized so the last save wins. */
export function createJsonStore<T>(path: string, parse: (stored: unknown) => T): JsonStore<T> {
  let queue: Promise<void> = Promise.resolve()
  let closed = false
  return {
    async load() {
      return parse(await readJsonFile(path))
    },
    save(value) {
      if (closed) return Promise.reject(new Error(`store ${path} is closed`))
      const write = queue.then(() => writeJsonFileAtomic(path, value))
      queue = write.catch(() => {})
      return write
    },
    async close() {
      closed = true
      await queue
    },
  }
}
