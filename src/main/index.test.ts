// The real src/main/index.ts, with the electron module replaced by a fake and the real gateway in-process.
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, mock, test } from 'node:test'
import { createFakeElectron, until } from './testing/fake-electron.ts'

const userData = await mkdtemp(join(tmpdir(), 'sp-electron-'))
after(() => rm(userData, { recursive: true, force: true }))
const electron = createFakeElectron(userData)
mock.module('electron', { namedExports: electron.exports })
process.argv.push('--port=0', '--no-discovery')

test('the app starts the gateway, shows its dashboard, guards navigation, answers IPC and drains on quit', async () => {
  await import('./index.ts')
  const win = await until(() => electron.windows[0], 'the main window')
  const url = await until(() => win.loaded.find((u) => u.startsWith('http://')), 'the dashboard URL')
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/gateway\/$/)

  const options = win.options as { webPreferences: Record<string, unknown> }
  assert.equal(options.webPreferences.contextIsolation, true)
  assert.equal(options.webPreferences.nodeIntegration, false)

  const page = await fetch(url)
  assert.equal(page.status, 200)
  assert.match(page.headers.get('content-type') ?? '', /text\/html/)

  // External links leave the window; the dashboard's own pages stay.
  assert.equal(win.webContents.navigate('https://example.com/docs'), false)
  assert.equal(win.webContents.navigate(new URL('swagger/', url).href), true)
  assert.deepEqual(win.webContents.openHandler?.({ url: 'https://github.com/' }), { action: 'deny' })
  assert.deepEqual(electron.record.external, ['https://example.com/docs', 'https://github.com/'])

  // Typed IPC: answered for the dashboard, refused for anything else.
  assert.equal(await electron.invoke('app:get-version', url), '0.1.0-test')
  await assert.rejects(electron.invoke('app:get-version', 'https://evil.example/'), /not allowed/)
  const settings = (await electron.invoke('settings:get', url)) as { port: number }
  assert.equal(settings.port, 8080)
  assert.equal(await electron.invoke('shell:open-external', url, 'file:///etc/passwd'), false)

  // The tray reports the running gateway and copies its URL.
  const tray = await until(() => electron.trays[0], 'the tray')
  assert.ok(existsSync((tray.image as { path: string }).path), 'tray image resolves to resources/tray')
  assert.ok(existsSync((win.options as { icon: string }).icon), 'window icon resolves to resources/icons')
  const port = new URL(url).port
  await until(() => tray.menu.some((i) => i.label === `Running on port ${port}`), 'tray status')
  tray.menu.find((i) => i.label === 'Copy gateway URL')?.click?.()
  assert.deepEqual(electron.record.clipboard, [new URL(url).origin])

  // Quit drains first: the first quit is held back, the second goes through once the gateway is closed.
  electron.exports.app.quit()
  await until(() => electron.record.quits === 1, 'the app to quit after the drain')
  await assert.rejects(fetch(url))
  assert.equal(win.destroyed, true)
  assert.equal(tray.destroyed, true)
  assert.equal(electron.handlers.size, 0)
  const bounds = JSON.parse(await readFile(join(userData, 'window-state.json'), 'utf8')) as { width: number }
  assert.equal(bounds.width, 1000)
  assert.deepEqual(electron.record.errorBoxes, [])
  assert.deepEqual(electron.record.exits, [])
})
