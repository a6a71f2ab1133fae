import assert from 'node:assert/strict'
import { test } from 'node:test'
import { DEFAULT_SETTINGS } from '../settings.ts'
import { createBridge } from '../preload/bridge.ts'
import type { IpcInvoke } from './contract.ts'
import { createDesktopApi } from './desktop-api.ts'

test('desktop API: version, settings pass-through, and only safe external links', async () => {
  const opened: string[] = []
  const patches: unknown[] = []
  let revealed = 0
  const api = createDesktopApi({
    appVersion: '1.2.3',
    openExternal: (url) => opened.push(url),
    controller: {
      getSettings: () => ({ ...DEFAULT_SETTINGS }),
      setSettings: async (patch) => {
        patches.push(patch)
        return { ok: true, settings: { ...DEFAULT_SETTINGS }, restarted: false }
      },
      revealDataDir: () => {
        revealed++
      },
    },
  })
  assert.equal(api['app:get-version'](), '1.2.3')
  assert.equal(api['shell:open-external']('https://example.com/'), true)
  assert.equal(api['shell:open-external']('file:///etc/passwd'), false)
  assert.equal(api['shell:open-external'](42 as unknown as string), false)
  assert.deepEqual(opened, ['https://example.com/'])
  assert.deepEqual(api['settings:get'](), DEFAULT_SETTINGS)
  await api['settings:set']({ port: 9000 })
  assert.deepEqual(patches, [{ port: 9000 }])
  api['shell:reveal-data-dir']()
  assert.equal(revealed, 1)
})

test('the preload bridge maps each method to its contract channel', async () => {
  const calls: unknown[][] = []
  const invoke = (async (channel: string, ...args: unknown[]) => {
    calls.push([channel, ...args])
    return undefined
  }) as IpcInvoke
  const bridge = createBridge(invoke)
  assert.equal(bridge.isDesktop, true)
  assert.ok(Object.isFrozen(bridge))
  await bridge.appVersion()
  await bridge.openExternal('https://x.test/')
  await bridge.revealDataDir()
  await bridge.getSettings()
  await bridge.setSettings({ startAtLogin: true })
  assert.deepEqual(calls, [
    ['app:get-version'],
    ['shell:open-external', 'https://x.test/'],
    ['shell:reveal-data-dir'],
    ['settings:get'],
    ['settings:set', { startAtLogin: true }],
  ])
})
