import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ProgramRegistry } from '../../../policies/program-registry.ts'
import type { ServiceState } from './mapping.ts'
import { syncVariables, type VariableStore } from './program-variables.ts'

/** The dialect's state as the store keeps it (one change at a time), with its writes counted. */
function stateStore() {
  let state: ServiceState = { services: {}, variables: {}, programs: [] }
  let writes = 0
  let queue: Promise<unknown> = Promise.resolve()
  const store: VariableStore = {
    update(change) {
      const run = async () => {
        writes++
        state = JSON.parse(JSON.stringify(await change(state)))
        return state
      }
      const result = queue.then(run, run)
      queue = result.catch(() => {})
      return result
    },
  }
  return { store, writes: () => writes, stored: () => state.variables }
}

test('set_global on every request is one write, merged into the stored variables', async () => {
  const { store, writes, stored } = stateStore()
  await store.update((s) => ({ ...s, variables: { kept: 'yes' } }))
  const registry = new ProgramRegistry()
  const sync = syncVariables(store, registry, stored())
  for (let i = 1; i <= 100; i++) registry.setVariable('runs', i)
  assert.equal(registry.variables.runs, 100, 'programs read their own change at once')
  assert.equal(writes(), 1, 'nothing written yet but the setup')
  // An admin write of another key goes to the store at once and keeps the unsaved count live.
  await sync.set('limit', 5)
  assert.deepEqual(stored(), { kept: 'yes', limit: 5 })
  assert.deepEqual(sync.current(), { kept: 'yes', limit: 5, runs: 100 })
  await sync.close()
  assert.equal(writes(), 3)
  assert.deepEqual(stored(), { kept: 'yes', limit: 5, runs: 100 })
})

test('an admin write of a key wins over a set_global of it not written yet', async () => {
  const { store, stored } = stateStore()
  const registry = new ProgramRegistry()
  const sync = syncVariables(store, registry, {})
  registry.setVariable('mode', 'from-program')
  await sync.set('mode', 'from-admin')
  await sync.close()
  assert.deepEqual(stored(), { mode: 'from-admin' })
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
