import assert from 'node:assert/strict'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { createJsonStore, readJsonFile, writeJsonFileAtomic } from './json-file.ts'

const dir = await mkdtemp(join(tmpdir(), 'sp-json-'))
after(() => rm(dir, { recursive: true, force: true }))

test('writes atomically and leaves no temp file behind', async () => {
  const file = join(dir, 'nested', 'a.json')
  await writeJsonFileAtomic(file, { a: 1 })
  await writeJsonFileAtomic(file, { a: 2 })
  assert.deepEqual(JSON.parse(await readFile(file, 'utf8')), { a: 2 })
  assert.deepEqual(await readdir(join(dir, 'nested')), ['a.json'])
})

test('a missing or corrupt file reads as undefined', async () => {
  assert.equal(await readJsonFile(join(dir, 'missing.json')), undefined)
  await writeFile(join(dir, 'bad.json'), '{ not json')
  assert.equal(await readJsonFile(join(dir, 'bad.json')), undefined)
})

test('store: saves are serialized (last wins) and refused after close', async () => {
  const store = createJsonStore(join(dir, 'store.json'), (v) => (typeof v === 'number' ? v : 0))
  assert.equal(await store.load(), 0)
  await Promise.all([store.save(1), store.save(2), store.save(3)])
  assert.equal(await store.load(), 3)
  await store.close()
  await store.close()
  await assert.rejects(store.save(4))
})
