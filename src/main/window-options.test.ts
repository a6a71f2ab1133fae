import assert from 'node:assert/strict'
import { join } from 'node:path'
import { test } from 'node:test'
import { choosePreload, windowOptions } from './window-options.ts'

test('a CommonJS preload runs sandboxed; the ESM build falls back to sandbox: false', () => {
  const dir = '/app/out/preload'
  assert.deepEqual(
    choosePreload(dir, (p) => p.endsWith('index.cjs')),
    { path: join(dir, 'index.cjs'), sandbox: true },
  )
  assert.deepEqual(
    choosePreload(dir, () => false),
    { path: join(dir, 'index.mjs'), sandbox: false },
  )
})

test('window options: isolated, no node, remembered bounds or centred', () => {
  const preload = { path: '/p/index.cjs', sandbox: true }
  const placed = windowOptions({ bounds: { x: 5, y: 6, width: 900, height: 700, maximized: false }, preload })
  assert.equal(placed.x, 5)
  assert.equal(placed.center, undefined)
  assert.equal(placed.show, false)
  assert.deepEqual(placed.webPreferences, {
    preload: '/p/index.cjs',
    contextIsolation: true,
    nodeIntegration: false,
    nodeIntegrationInSubFrames: false,
    sandbox: true,
    webviewTag: false,
    spellcheck: false,
  })
  const centred = windowOptions({
    bounds: { width: 900, height: 700, maximized: false },
    preload,
    icon: '/i.png',
  })
  assert.equal(centred.center, true)
  assert.equal(centred.icon, '/i.png')
})
