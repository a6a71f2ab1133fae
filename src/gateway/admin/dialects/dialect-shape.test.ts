// Every dialect has the same parts and is registered the same way (docs/architecture.md, "The admin
// side"): a folder with plugin.ts, mapping.ts and errors.ts, whose `dialect` is in the one list.
import assert from 'node:assert/strict'
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { DIALECTS } from './index.ts'

const here = import.meta.dirname
const folders = readdirSync(here, { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name)
  .sort()

test('each dialect folder has plugin.ts, mapping.ts and errors.ts', () => {
  assert.ok(folders.length >= 3, String(folders))
  for (const folder of folders)
    for (const part of ['plugin.ts', 'mapping.ts', 'errors.ts'])
      assert.ok(existsSync(join(here, folder, part)), `${folder}/${part} is missing`)
})

test('the one list loads every dialect folder, each named as its folder and shaped for where it is served', async () => {
  const listed: string[] = []
  for (const entry of DIALECTS) {
    // Served on the admin side it registers routes; on a listener of its own it creates one.
    let dialect: { readonly name: string }
    if (entry.on === 'admin') {
      const d = await entry.load()
      assert.equal(typeof d.register, 'function')
      dialect = d
    } else {
      const d = await entry.load()
      assert.equal(typeof d.create, 'function')
      dialect = d
    }
    listed.push(dialect.name)
    const plugin = (await import(`./${dialect.name}/plugin.ts`)) as { dialect: unknown }
    assert.equal(plugin.dialect, dialect, `${dialect.name}/plugin.ts exports the listed dialect`)
  }
  assert.deepEqual(listed.sort(), folders)
})
