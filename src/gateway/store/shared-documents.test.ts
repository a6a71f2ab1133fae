import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { type RedisServer, startRedisServer } from '../../../e2e/fixtures/redis-server.ts'
import { isGatewayError } from '../errors.ts'
import { connectRedis, type RedisConnection } from './redis-connection.ts'
import type { DocumentFormat } from './shared-document.ts'
import { createSharedDocuments, type SharedDocuments } from './shared-documents.ts'

// Ports 21400–21499 belong to this worktree's tests.
const REDIS_PORT = 21401

interface Items {
  readonly items: string[]
}
const format: DocumentFormat<Items> = {
  header: 'test items',
  decode: (v) => ({ items: Array.isArray((v as Items | undefined)?.items) ? [...(v as Items).items] : [] }),
}

let redis: RedisServer
let prefix = 0
before(async () => {
  redis = await startRedisServer(REDIS_PORT)
})
after(async () => {
  await redis.close()
})

async function until(cond: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not reached in time')
    await new Promise((r) => setTimeout(r, 10))
  }
}

/** One gateway's view of the store: its own connection and documents (a fresh key prefix per test). */
function instance(
  t: import('node:test').TestContext,
  keyPrefix: string,
  dataDir?: string,
): { conn: RedisConnection; docs: SharedDocuments } {
  const conn = connectRedis({ url: redis.url, keyPrefix, timeoutMs: 300, failMode: 'open' })
  const docs = createSharedDocuments(conn, dataDir)
  t.after(async () => {
    docs.close()
    await conn.close()
  })
  return { conn, docs }
}

test('a change made on one instance is announced to the other and read there', async (t) => {
  const p = `t${++prefix}:`
  const a = instance(t, p).docs.open('things', 'things.yaml', format)
  const b = instance(t, p).docs.open('things', 'things.yaml', format)
  assert.deepEqual(await b.read(), { items: [] })
  let told = 0
  b.onChange(() => told++)
  await a.update((d) => ({ items: [...d.items, 'x'] }))
  await until(() => told === 1, 1000)
  assert.deepEqual(await b.read(), { items: ['x'] })
})

test('concurrent writes on two instances are all kept (compare-and-set on a revision)', async (t) => {
  const p = `t${++prefix}:`
  const a = instance(t, p).docs.open('things', 'things.yaml', format)
  const b = instance(t, p).docs.open('things', 'things.yaml', format)
  await Promise.all([a.read(), b.read()])
  const writes: Promise<Items>[] = []
  for (let i = 0; i < 10; i++) {
    writes.push(a.update((d) => ({ items: [...d.items, `a${i}`] })))
    writes.push(b.update((d) => ({ items: [...d.items, `b${i}`] })))
  }
  await Promise.all(writes)
  await until(async () => (await a.read()).items.length === 20 && (await b.read()).items.length === 20)
  assert.deepEqual([...(await a.read()).items].sort(), [...(await b.read()).items].sort())
})

test('the first start on an empty store imports the data dir once, and says so', async (t) => {
  const p = `t${++prefix}:`
  const dirA = await mkdtemp(join(tmpdir(), 'sp-docs-'))
  const dirB = await mkdtemp(join(tmpdir(), 'sp-docs-'))
  t.after(() => Promise.all([rm(dirA, { recursive: true }), rm(dirB, { recursive: true })]))
  await writeFile(join(dirA, 'things.yaml'), 'items: [from-a]\n')
  await writeFile(join(dirB, 'things.yaml'), 'items: [from-b]\n')
  const a = instance(t, p, dirA).docs
  assert.deepEqual(await a.open('things', 'things.yaml', format).read(), { items: ['from-a'] })
  assert.equal(a.notices.length, 1)
  assert.match(a.notices[0]?.message ?? '', /imported .*things\.yaml into the shared store/)
  // The store has the document now: another instance's data dir is not imported over it.
  const b = instance(t, p, dirB).docs
  assert.deepEqual(await b.open('things', 'things.yaml', format).read(), { items: ['from-a'] })
  assert.equal(b.notices.length, 0)
})

test('store down: writes refuse with 503 at once, reads serve the last state; back: restored and writable', async (t) => {
  const p = `t${++prefix}:`
  const one = instance(t, p)
  const other = instance(t, p)
  const a = one.docs.open('things', 'things.yaml', format)
  const b = other.docs.open('things', 'things.yaml', format)
  await a.update(() => ({ items: ['kept'] }))
  await until(async () => (await b.read()).items.length === 1)
  await redis.stop()
  await until(() => !one.conn.up && !other.conn.up)
  const started = Date.now()
  const refused = await a.update((d) => ({ items: [...d.items, 'lost'] })).catch((e: unknown) => e)
  assert.ok(isGatewayError(refused), String(refused))
  assert.equal(refused.code, 'SP_ERR_STORE_UNAVAILABLE')
  assert.equal(refused.status, 503)
  assert.ok(Date.now() - started < 1000, 'a write must not wait on a dead store')
  assert.deepEqual(await a.read(), { items: ['kept'] })
  // The store comes back empty (no persistence): the instances put back what they had.
  await redis.start()
  await until(() => one.conn.up && other.conn.up, 8000)
  await a.update((d) => ({ items: [...d.items, 'after'] }))
  await until(async () => (await b.read()).items.join() === 'kept,after')
  assert.ok(
    [...one.docs.notices, ...other.docs.notices].some((n) => /lost .*restored it/.test(n.message)),
    'the restore is told',
  )
})

test('a store down at start: the data dir is served, and imported once the store answers', async (t) => {
  const p = `t${++prefix}:`
  const dir = await mkdtemp(join(tmpdir(), 'sp-docs-'))
  t.after(() => rm(dir, { recursive: true }))
  await writeFile(join(dir, 'things.yaml'), 'items: [local]\n')
  await redis.stop()
  const late = instance(t, p, dir)
  const doc = late.docs.open('things', 'things.yaml', format)
  assert.deepEqual(await doc.read(), { items: ['local'] })
  assert.match(late.docs.notices[0]?.message ?? '', /does not answer: serving .*things\.yaml/)
  await redis.start()
  const other = instance(t, p).docs.open('things', 'things.yaml', format)
  await until(async () => (await other.read()).items.join() === 'local', 8000)
})

test('without Redis the data-dir file is the store, in its readable format', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'sp-docs-'))
  t.after(() => rm(dir, { recursive: true }))
  const docs = createSharedDocuments(undefined, dir)
  const doc = docs.open('things', 'things.yaml', format)
  await doc.update(() => ({ items: ['one'] }))
  assert.equal(await readFile(join(dir, 'things.yaml'), 'utf8'), '# test items\nitems:\n  - one\n')
  const again = createSharedDocuments(undefined, dir).open('things', 'things.yaml', format)
  assert.deepEqual(await again.read(), { items: ['one'] })
})
