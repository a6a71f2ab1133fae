// 1,000 routes: a second gateway started by this test on its own port, from a generated config file
// (creating 1,000 routes one by one through the API would mostly measure the write path).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, test } from '@playwright/test'
import { SPARE_PORT, UPSTREAM_PORT } from './env.ts'
import { type GatewayProcess, startGatewayProcess } from './fixtures/gateway-process.ts'
import { screenshot } from './helpers.ts'

const COUNT = 1000
const PORT = SPARE_PORT

let gateway: GatewayProcess | undefined
let dir = ''

test.beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sallyport-scale-e2e-'))
  const lines = ['routes:']
  for (let i = 0; i < COUNT; i++) {
    const n = String(i).padStart(4, '0')
    lines.push(
      `  - path: /bulk-${n}/*`,
      '    targets:',
      `      - url: http://127.0.0.1:${UPSTREAM_PORT}`,
      '    stripPrefix: true',
    )
  }
  const config = join(dir, 'routes-1000.yaml')
  writeFileSync(config, `${lines.join('\n')}\n`)
  gateway = await startGatewayProcess({
    port: PORT,
    configFile: config,
    dataDir: join(dir, 'data'),
    name: '1,000-route gateway',
  })
})

test.afterAll(async () => {
  await gateway?.stop()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

test('routes page stays windowed and usable with 1,000 routes', async ({ page }) => {
  await page.goto(`http://127.0.0.1:${PORT}/gateway/#/routes`)
  await expect(page.getByTestId('route-count')).toHaveText('1,000 routes')
  const table = page.getByRole('table', { name: 'Routes' })
  await expect(table).toHaveAttribute('aria-rowcount', '1001')
  // only a window of rows is in the DOM
  expect(await table.locator('tbody tr:not(.spacer)').count()).toBeLessThan(80)

  const search = page.getByRole('searchbox', { name: 'Search' })
  await search.fill('bulk-0999')
  await expect(table.getByRole('row').filter({ hasText: '/bulk-0999' })).toHaveCount(1)
  await search.fill('')

  await page.getByRole('region', { name: 'Routes' }).evaluate((el) => el.scrollTo(0, el.scrollHeight))
  const last = table.getByRole('row').filter({ hasText: '/bulk-0999' })
  await expect(last).toBeVisible()
  await expect(last).toHaveAttribute('aria-rowindex', '1001')
  // switching works at the far end of the list too
  await last.getByRole('switch').click()
  await expect(last.getByRole('switch')).toHaveAttribute('aria-checked', 'false')
  await expect.poll(async () => (await fetch(`http://127.0.0.1:${PORT}/bulk-0999/x`)).status).toBe(404)
  await screenshot(page, 'routes-1000')
})
