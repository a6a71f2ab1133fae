import { randomBytes } from 'node:crypto'
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises'
import { dirname } from 'node:path'

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

/** Writes JSON durably: temp file in the same directory, fsync, rename over the target, fsync the directory. */
export async function writeJsonFileAtomic(path: string, value: unknown): Promise<void> {
  const dir = dirname(path)
  await mkdir(dir, { recursive: true })
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`
  const file = await open(tmp, 'w', 0o600)
  try {
    await file.writeFile(`${JSON.stringify(value, null, 2)}\n`, 'utf8')
    await file.sync()
  } finally {
    await file.close()
  }
  try {
    await rename(tmp, path)
  } catch (err) {
    await rm(tmp, { force: true })
    throw err
  }
  await syncDir(dir)
}

async function syncDir(dir: string): Promise<void> {
  // Directory fsync makes the rename durable on POSIX; Windows cannot open directories, so it is best effort.
  try {
    const handle = await open(dir, 'r')
    try {
      await handle.sync()
    } finally {
      await handle.close()
    }
  } catch {}
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
