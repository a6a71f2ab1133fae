// A document in the shared store: a hash `<prefix>doc:<name>` with a revision and the JSON value.
// Writes are compare-and-set on the revision in one Lua script, which also publishes `<rev> <name>` on
// `<prefix>changed`, so the other instances re-read it at once. The last known value is served while
// the store is down; writes then fail (503) and nothing is stored.
import { GatewayError } from '../errors.ts'
import { readDocumentFile } from './file-document.ts'
import type { RedisConnection } from './redis-connection.ts'
import type { DocumentFormat, SharedDocument } from './shared-document.ts'

/** Sets the document when its revision is still ARGV[1]; answers the new revision, or -1. */
const COMPARE_AND_SET = `
local current = redis.call('HGET', KEYS[1], 'rev') or '0'
if current ~= ARGV[1] then return -1 end
local rev = tonumber(current) + 1
redis.call('HSET', KEYS[1], 'rev', rev, 'doc', ARGV[2])
redis.call('PUBLISH', KEYS[2], rev .. ' ' .. ARGV[3])
return rev`

/** Writes that lost a race this often in a row give up (another instance keeps changing it). */
const MAX_ATTEMPTS = 16

export interface DocumentContext {
  readonly conn: RedisConnection
  readonly channel: string
  /** Resolves true once the store answers, false when it did not within the start-up bound. */
  whenUp(): Promise<boolean>
  notice(level: 'info' | 'warn', message: string): void
}

export interface RedisDocument<T> extends SharedDocument<T> {
  /** Re-reads the stored value (a change announced with `rev`, or everything after a reconnect). */
  refresh(announcedRev?: number): Promise<void>
}

const unavailable = (conn: RedisConnection, err?: unknown) =>
  new GatewayError(
    'SP_ERR_STORE_UNAVAILABLE',
    `the shared store is unreachable (${err instanceof Error ? err.message : conn.reason || 'down'}); nothing was changed`,
  )

export function createRedisDocument<T>(
  name: string,
  file: string | undefined,
  format: DocumentFormat<T>,
  ctx: DocumentContext,
): RedisDocument<T> {
  const { conn } = ctx
  const key = `${conn.keyPrefix}doc:${name}`
  const encode = (doc: T) => JSON.stringify(format.encode ? format.encode(doc) : doc)
  const listeners = new Set<() => void>()
  let value: T = format.decode(undefined)
  /** The stored revision `value` has; -1 while unknown (the store was down at start). */
  let rev = -1
  let loaded: Promise<void> | undefined
  let queue: Promise<unknown> = Promise.resolve()

  const serially = <R>(run: () => Promise<R>): Promise<R> => {
    const result = queue.then(run, run)
    queue = result.catch(() => {})
    return result
  }

  async function fetch(): Promise<{ rev: number; value: unknown }> {
    try {
      const [r, doc] = await conn.admin.hmget(key, 'rev', 'doc')
      return { rev: Number(r ?? 0), value: doc ? JSON.parse(doc) : undefined }
    } catch (err) {
      throw unavailable(conn, err)
    }
  }

  async function compareAndSet(expected: number, text: string): Promise<number> {
    try {
      return Number(await conn.admin.eval(COMPARE_AND_SET, 2, key, ctx.channel, String(expected), text, name))
    } catch (err) {
      throw unavailable(conn, err)
    }
  }

  /** Tells that this instance's state became the shared one (restored, or imported from the data dir). */
  const told = (previousRev: number) => {
    if (previousRev > 0) ctx.notice('warn', `the shared store lost ${key}; restored it from this instance`)
    else if (file) ctx.notice('info', `imported ${file} into the shared store (${key})`)
  }

  async function load(): Promise<void> {
    const fallback = async (why: string) => {
      value = format.decode(file ? await readDocumentFile(file, format) : undefined)
      ctx.notice('warn', `${why}: serving ${file ?? 'no'} ${name} state until it answers`)
    }
    if (!(await ctx.whenUp())) return fallback('the shared store does not answer')
    try {
      let got = await fetch()
      if (got.rev === 0 && file) {
        const local = await readDocumentFile(file, format)
        // First start on an empty store: what this gateway kept in its data dir becomes the shared state.
        if (local !== undefined && (await compareAndSet(0, encode(format.decode(local)))) > 0) told(-1)
        got = await fetch()
      }
      value = format.decode(got.value)
      rev = got.rev
    } catch (err) {
      await fallback(`the shared store failed (${(err as Error).message})`)
    }
  }

  const read = async () => {
    loaded ??= serially(load)
    await loaded
    return value
  }

  return {
    name,
    file,
    read,
    async update(change) {
      await read()
      return serially(async () => {
        for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
          if (!conn.up) throw unavailable(conn)
          const got = await fetch()
          // A store that came back empty (or was down at start) is given this instance's state to change.
          const lost = got.rev === 0 && rev !== 0
          const next = await change(lost ? value : format.decode(got.value))
          const stored = await compareAndSet(got.rev, encode(next))
          if (stored < 0) continue
          if (lost) told(rev)
          const changed = got.rev !== rev
          value = next
          rev = stored
          // What another instance wrote before this change is news here too.
          if (changed && got.rev !== 0) for (const l of listeners) l()
          return next
        }
        throw new GatewayError(
          'SP_ERR_STORE_UNAVAILABLE',
          `${name} keeps changing on other instances; try again`,
        )
      })
    },
    onChange(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    async refresh(announcedRev) {
      if (!loaded || (announcedRev !== undefined && announcedRev === rev)) return
      await loaded
      await serially(async () => {
        if (announcedRev !== undefined && announcedRev === rev) return
        let got = await fetch()
        // The store came back empty (restarted without persistence): put back what this instance had;
        // it answers for the first time (down at start): what the data dir held becomes the shared state.
        if (got.rev === 0 && (rev > 0 || (rev < 0 && file))) {
          if ((await compareAndSet(0, encode(value))) > 0) told(rev)
          got = await fetch()
        }
        if (got.rev === rev) return
        value = format.decode(got.value)
        rev = got.rev
        for (const l of listeners) l()
      }).catch(() => {}) // down again: the next reconnect re-reads
    },
  }
}
