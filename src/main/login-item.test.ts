import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { autostartEntry, createLoginItem } from './login-item.ts'

const dir = await mkdtemp(join(tmpdir(), 'sp-autostart-'))
after(() => rm(dir, { recursive: true, force: true }))

test('Linux: an XDG autostart entry is written and removed; the path is quoted', async () => {
  const item = createLoginItem({
    platform: 'linux',
    setLoginItemSettings: () => assert.fail('not on Linux'),
    autostartDir: join(dir, 'autostart'),
    execPath: '/opt/My Apps/Sallyport.AppImage',
  })
  await item.set(true)
  const entry = await readFile(join(dir, 'autostart', 'sallyport.desktop'), 'utf8')
  assert.match(entry, /^Exec="\/opt\/My Apps\/Sallyport\.AppImage" --hidden$/m)
  await item.set(false)
  await item.set(false)
  await assert.rejects(readFile(join(dir, 'autostart', 'sallyport.desktop')))
  assert.match(autostartEntry('/a"b$c'), /Exec="\/a\\"b\\\$c"/)
})

test('macOS/Windows: Electron login items, started hidden', async () => {
  const calls: unknown[] = []
  const item = createLoginItem({
    platform: 'darwin',
    setLoginItemSettings: (s) => calls.push(s),
    autostartDir: dir,
    execPath: '/x',
  })
  await item.set(true)
  assert.deepEqual(calls, [{ openAtLogin: true, args: ['--hidden'] }])
})
