// Launch failure through the real src/main/index.ts: a taken port gives a page with the reason and a way out.
import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, mock, test } from 'node:test'
import { createFakeElectron, until } from './testing/fake-electron.ts'

const userData = await mkdtemp(join(tmpdir(), 'sp-electron-'))
const blocker = createServer()
await new Promise<void>((ok) => blocker.listen(0, '127.0.0.1', ok))
const takenPort = (blocker.address() as { port: number }).port
after(async () => {
  blocker.close()
  await rm(userData, { recursive: true, force: true })
})
const electron = createFakeElectron(userData)
mock.module('electron', { namedExports: electron.exports })
process.argv.push(`--port=${takenPort}`, '--no-discovery')

test('a taken port shows a failure page; picking another port starts the gateway and remembers it', async () => {
  await import('./index.ts')
  const win = await until(() => electron.windows[0], 'the main window')
  const dataUrl = await until(
    () => win.loaded.find((u) => u.startsWith('data:text/html')),
    'the failure page',
  )
  const html = decodeURIComponent(dataUrl.slice(dataUrl.indexOf(',') + 1))
  assert.match(html, new RegExp(`Port ${takenPort} is already in use`))
  assert.match(html, /SP_ERR_SERVER_PORT_IN_USE|already in use/)

  const tray = await until(() => electron.trays[0], 'the tray')
  await until(() => tray.menu.some((i) => i.label === 'Not running'), 'tray shows the failure')

  // Submitting the page's port form is a navigation the window intercepts.
  const action = html.match(/action="(https:\/\/sallyport\.invalid\/[^"]+\/use-port)"/)?.[1]
  assert.ok(action)
  const free = createServer()
  await new Promise<void>((ok) => free.listen(0, '127.0.0.1', ok))
  const freePort = (free.address() as { port: number }).port
  await new Promise<void>((ok) => free.close(() => ok()))
  assert.equal(win.webContents.navigate(`${action}?port=${freePort}`), false)
  const url = await until(
    () => win.loaded.find((u) => u.startsWith('http://')),
    'the dashboard after the fix',
  )
  assert.equal(url, `http://127.0.0.1:${freePort}/gateway/`)
  assert.equal((await fetch(url)).status, 200)
  const saved = JSON.parse(await readFile(join(userData, 'settings.json'), 'utf8')) as { port: number }
  assert.equal(saved.port, freePort)

  electron.exports.app.quit()
  await until(() => electron.record.quits === 1, 'the app to quit after the drain')
})
