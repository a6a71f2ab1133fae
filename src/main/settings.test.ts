import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  checkSettingsPatch,
  DEFAULT_SETTINGS,
  mergeSettings,
  needsRestart,
  settingsFromStored,
} from './settings.ts'

test('a valid patch passes through unchanged', () => {
  const patch = {
    port: 9090,
    host: 'localhost',
    configFile: '/etc/sp.yaml',
    dataDir: null,
    startAtLogin: true,
  }
  assert.deepEqual(checkSettingsPatch(patch), { ok: true, patch })
})

test('bad values are refused with the field named', () => {
  const cases: [unknown, string | undefined][] = [
    [{ port: 70000 }, 'port'],
    [{ port: 80.5 }, 'port'],
    [{ port: '8080' }, 'port'],
    [{ host: 'not a host' }, 'host'],
    [{ host: '' }, 'host'],
    [{ configFile: 'relative.yaml' }, 'configFile'],
    [{ dataDir: 42 }, 'dataDir'],
    [{ startAtLogin: 'yes' }, 'startAtLogin'],
    [{ notifyUnhealthy: 1 }, 'notifyUnhealthy'],
    [{ somethingElse: true }, undefined],
    [null, undefined],
    [[1], undefined],
  ]
  for (const [input, field] of cases) {
    const result = checkSettingsPatch(input)
    assert.equal(result.ok, false, JSON.stringify(input))
    if (!result.ok) assert.equal(result.field, field, JSON.stringify(input))
  }
})

test('stored settings keep valid fields and default the rest', () => {
  assert.deepEqual(settingsFromStored(undefined), DEFAULT_SETTINGS)
  assert.deepEqual(settingsFromStored({ port: 9000, host: 7, extra: 'x' }), {
    ...DEFAULT_SETTINGS,
    port: 9000,
  })
})

test('only gateway fields need a restart', () => {
  const base = { ...DEFAULT_SETTINGS }
  assert.equal(needsRestart(base, mergeSettings(base, { startAtLogin: true, notifyUnhealthy: false })), false)
  assert.equal(needsRestart(base, mergeSettings(base, { port: 9000 })), true)
  assert.equal(needsRestart(base, mergeSettings(base, { dataDir: '/tmp/x' })), true)
})
