import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { writeFileAtomic } from './atomic-write.ts'

test('a write replaces the file and removes temp files a killed process left behind', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'sallyport-atomic-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  // a pid that existed and is gone, as after kill -9 between write and rename
  const dead = spawnSync(process.execPath, ['-e', '0']).pid
  await writeFile(join(dir, `.state.yaml.${dead}.7.tmp`), 'half a write')
  await writeFile(join(dir, `.other.yaml.${dead}.1.tmp`), 'not this file')
  await writeFileAtomic(join(dir, 'state.yaml'), 'a: 1\n')
  assert.equal(await readFile(join(dir, 'state.yaml'), 'utf8'), 'a: 1\n')
  assert.deepEqual((await readdir(dir)).sort(), [`.other.yaml.${dead}.1.tmp`, 'state.yaml'])
})
