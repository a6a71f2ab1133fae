// The built desktop app (out/main/index.js) under Playwright's _electron: the window shows the dashboard
// from the in-process gateway and a route can be switched off there. Skipped, saying why, without the binary.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { _electron as electron, expect, test } from '@playwright/test'
import type { SallyportBridge } from '../../src/main/preload/bridge.ts'

const root = resolve(import.meta.dirname, '..', '..')
const mainJs = join(root, 'out', 'main', 'index.js')

/** Locates the Electron binary WITHOUT require('electron'): since electron@42 that call tries to download it. */
function electronBinary(): string | null {
  const pkgDir = dirname(createRequire(import.meta.url).resolve('electron/package.json'))
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH
  const pathTxt = join(pkgDir, 'path.txt')
  const rel = existsSync(pathTxt) ? readFileSync(pathTxt, 'utf8').trim() : 'electron'
  const bin = override ? join(override, rel) : existsSync(pathTxt) ? join(pkgDir, 'dist', rel) : null
  return bin && existsSync(bin) ? bin : null
}

const bin = electronBinary()
const reason = !bin
  ? 'Electron binary not installed (no node_modules/electron/path.txt, no ELECTRON_OVERRIDE_DIST_PATH): run `npx install-electron` where its download host is reachable, then `npm run build && xvfb-run npx playwright test e2e/electron`'
  : !existsSync(mainJs)
    ? 'out/main/index.js is missing: run `npm run build` first'
    : undefined
// The list reporter does not print skip reasons.
if (reason) console.warn(`[electron e2e] SKIPPED: ${reason}`)

test.describe('desktop app', () => {
  test.skip(reason !== undefined, reason)

  test('shows the dashboard from the in-process gateway and toggles a route', async () => {
    const userData = mkdtempSync(join(tmpdir(), 'sallyport-e2e-'))
    const app = await electron.launch({
      executablePath: bin as string,
      args: [mainJs, '--no-sandbox', '--port=0', '--no-discovery'],
      env: { ...process.env, SALLYPORT_USER_DATA_DIR: userData },
    })
    try {
      const win = await app.firstWindow()
      await win.waitForURL(/^http:\/\/127\.0\.0\.1:\d+\/gateway\//)
      const origin = new URL(win.url()).origin
      // The preload's bridge is there (window.sallyport); this file is typechecked without DOM types.
      type Page = { sallyport?: SallyportBridge }
      expect(await win.evaluate(() => (globalThis as Page).sallyport?.isDesktop)).toBe(true)
      expect(await win.evaluate(() => (globalThis as Page).sallyport?.appVersion())).toMatch(/^\d+\.\d+\.\d+/)

      const created = await fetch(`${origin}/gateway/api/routes`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ path: '/e2e-toggle', targets: [{ url: 'http://127.0.0.1:9', weight: 1 }] }),
      })
      expect(created.status).toBe(201)

      await win.goto(`${origin}/gateway/#/routes`)
      const toggle = win.getByRole('switch', { name: 'Enable route /api/e2e-toggle' })
      await expect(toggle).toHaveAttribute('aria-checked', 'true')
      await toggle.click()
      await expect(toggle).toHaveAttribute('aria-checked', 'false')
      await expect
        .poll(async () => {
          const res = await fetch(`${origin}/gateway/api/routes/${encodeURIComponent('manual-/e2e-toggle')}`)
          return ((await res.json()) as { enabled?: boolean }).enabled
        })
        .toBe(false)
    } finally {
      await app.close()
      rmSync(userData, { recursive: true, force: true })
    }
  })
})
