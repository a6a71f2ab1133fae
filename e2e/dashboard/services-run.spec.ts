// A dev server started with `sallyport run` shows on the Services page as "run by sallyport" with the PID
// that serves it, and leaves when it stops.
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, test } from '@playwright/test'
import { cliCommand } from '../cli/run-cli.ts'
import { GATEWAY } from './env.ts'
import { admin, gotoPage, screenshot } from './helpers.ts'
import { findLayoutDefects } from './layout-checks.ts'

const SERVER = `import { createServer } from 'node:http'
createServer((_req, res) => res.end('ok')).listen(Number(process.env.PORT), process.env.HOST)
`

test('services: a command run by sallyport shows with its PID, at 800 and 1440 px, light and dark, and leaves when it exits', async ({
  page,
}) => {
  const dir = mkdtempSync(join(tmpdir(), 'sallyport-run-ui-'))
  writeFileSync(join(dir, 'server.mjs'), SERVER)
  const [file, args] = cliCommand([
    'run',
    '--gateway',
    GATEWAY,
    '--name',
    'devsite',
    '--',
    'node',
    'server.mjs',
  ])
  const run = spawn(file, args, { cwd: dir, stdio: 'ignore', env: { ...process.env, NO_COLOR: '1' } })
  const exited = new Promise((resolve) => run.on('close', resolve))
  try {
    let pid = ''
    await expect
      .poll(
        async () => {
          const services = (await (await admin('api/discovery/services')).json()) as {
            name: string
            metadata: Record<string, string>
          }[]
          pid = services.find((s) => s.name === 'devsite')?.metadata['run.pid'] ?? ''
          return pid
        },
        { timeout: 20_000 },
      )
      .not.toBe('')
    for (const colorScheme of ['light', 'dark'] as const)
      for (const width of [800, 1440]) {
        await page.emulateMedia({ colorScheme })
        await page.setViewportSize({ width, height: 800 })
        await gotoPage(page, 'services')
        const row = page.getByRole('row').filter({ hasText: 'devsite' })
        const badge = row.getByText('run by sallyport', { exact: true })
        await expect(badge).toBeVisible()
        await expect(badge).toHaveAttribute('title', /node server\.mjs in /)
        await expect(row.getByText(`PID ${pid}`, { exact: true })).toBeVisible()
        await expect(row.getByRole('button', { name: 'Deregister devsite' })).toBeVisible()
        await screenshot(page, `services-run-${width}-${colorScheme}`)
        const defects = await page.evaluate(findLayoutDefects)
        expect(defects, `${width} px ${colorScheme}: ${JSON.stringify(defects)}`).toEqual([])
      }
    await screenshot(page, 'services-run')
    run.kill('SIGTERM')
    await exited
    await expect(page.getByRole('row').filter({ hasText: 'devsite' })).toHaveCount(0, { timeout: 15_000 })
  } finally {
    if (run.exitCode === null) run.kill('SIGTERM')
    rmSync(dir, { recursive: true, force: true })
  }
})
