import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type TestContext, test } from 'node:test'
import { ProgramRegistry } from '../../../policies/program-registry.ts'
import { yaml } from '../../../util/yaml.ts'
import { createStateFile, type StateFile } from '../state-file.ts'
import type { ServiceState } from './mapping.ts'
import { syncVariables } from './program-variables.ts'

/** The dialect's real state file in a temp dir, with its writes counted. */
async function stateFile(t: TestContext) {
  const dir = await mkdtemp(join(tmpdir(), 'sp-vars-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  const file = createStateFile<ServiceState>(
    dir,
    'service-management.yaml',
    () => ({ services: {}, variables: {}, programs: [] }),
    'test',
  )
  let writes = 0
  const counted: StateFile<ServiceState> = {
    ...file,
    update: (change) => {
      writes++
      return file.update(change)
    },
  }
  const onDisk = async () =>
    (yaml().parse(await readFile(join(dir, 'service-management.yaml'), 'utf8')) as ServiceState).variables
  return { store: counted, writes: () => writes, onDisk }
}

test('set_global on every request is one write, merged into the stored variables', async (t) => {
  const { store, writes, onDisk } = await stateFile(t)
  await store.update((s) => ({ ...s, variables: { kept: 'yes' } }))
  const registry = new ProgramRegistry()
  const sync = syncVariables(store, registry, (await store.read()).variables)
  for (let i = 1; i <= 100; i++) registry.setVariable('runs', i)
  assert.equal(registry.variables.runs, 100, 'programs read their own change at once')
  assert.equal(writes(), 1, 'nothing written yet but the setup')
  // An admin write of another key goes to the store at once and keeps the unsaved count live.
  await sync.set('limit', 5)
  assert.deepEqual(await onDisk(), { kept: 'yes', limit: 5 })
  assert.deepEqual(sync.current(), { kept: 'yes', limit: 5, runs: 100 })
  await sync.close()
  assert.equal(writes(), 3)
  assert.deepEqual(await onDisk(), { kept: 'yes', limit: 5, runs: 100 })
})

test('an admin write of a key wins over a set_global of it not written yet', async (t) => {
  const { store, onDisk } = await stateFile(t)
  const registry = new ProgramRegistry()
  const sync = syncVariables(store, registry, {})
  registry.setVariable('mode', 'from-program')
  await sync.set('mode', 'from-admin')
  await sync.close()
  assert.deepEqual(await onDisk(), { mode: 'from-admin' })
  assert.equal(registry.variables.mode, 'from-admin')
})

test('set_global refuses what cannot be stored: functions, host objects, too many keys', () => {
  const registry = new ProgramRegistry()
  assert.throws(() => registry.setVariable('f', () => 1), /must be nil, a bool, number, string, array or map/)
  assert.throws(() => registry.setVariable('', 1), /non-empty string key/)
  assert.throws(() => registry.setVariable('big', 'x'.repeat(70_000)), /larger than 65536 bytes/)
  for (let i = 0; i < 1024; i++) registry.setVariable(`k${i}`, i)
  assert.throws(() => registry.setVariable('one-more', 1), /at most 1024 variables/)
  registry.setVariable('k0', 'an existing key may change')
})
