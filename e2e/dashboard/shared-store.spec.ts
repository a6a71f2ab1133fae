// A gateway whose rate limits live in Redis: the Overview says when the store stops answering, what
// that means for the limits meanwhile, and clears the notice by itself when the store is back.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, test } from '@playwright/test'
import { type RedisServer, startRedisServer } from '../fixtures/redis-server.ts'
import { SPARE_PORT, UPSTREAM_PORT } from './env.ts'
import { type GatewayProcess, startGatewayProcess } from './fixtures/gateway-process.ts'
import { screenshot } from './helpers.ts'
import { findLayoutDefects } from './layout-checks.ts'

const PORT = SPARE_PORT
const REDIS_PORT = SPARE_PORT + 1

let gateway: GatewayProcess | undefined
let redis: RedisServer | undefined
let dir = ''

test.beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sallyport-store-e2e-'))
  redis = await startRedisServer(REDIS_PORT)
  const config = join(dir, 'shared.json')
  writeFileSync(
    config,
    JSON.stringify({
      store: { redis: { url: redis.url, failMode: 'open' } },
      routes: [
        {
          id: 'limited',
          path: '/limited',
          targets: [{ url: `http://127.0.0.1:${UPSTREAM_PORT}` }],
          rateLimit: { requestsPerSec: 5, burst: 5 },
        },
      ],
    }),
  )
  gateway = await startGatewayProcess({ port: PORT, configFile: config, dataDir: join(dir, 'data') })
})

test.afterAll(async () => {
  await gateway?.stop()
  await redis?.close()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

for (const [width, theme] of [
  [1440, 'light'],
  [800, 'dark'],
] as const)
  test(`Overview at ${width} px, ${theme}: the shared store going away and coming back`, async ({ page }) => {
    await page.setViewportSize({ width, height: 900 })
    await page.emulateMedia({ colorScheme: theme })
    for (let i = 0; i < 8; i++) await fetch(`http://127.0.0.1:${PORT}/limited`)
    await page.goto(`http://127.0.0.1:${PORT}/gateway/#/overview`)
    await expect(page.getByTestId('all-clear')).toContainText('shared store answering')
    await expect(page.getByTestId('stat-shared-limits')).toHaveText(/^[1-9]/)

    await redis?.stop()
    const problem = page
      .getByTestId('problems')
      .getByRole('listitem')
      .filter({ hasText: 'Shared store down' })
    await expect(problem).toBeVisible()
    await expect(problem).toContainText('rate limits are enforced by each gateway alone until it is back')
    await expect(problem.getByRole('link', { name: 'See Config' })).toBeVisible()
    expect(await page.evaluate(findLayoutDefects)).toEqual([])
    await screenshot(page, `overview-store-down-${width}-${theme}`)

    await redis?.start()
    await expect(page.getByTestId('all-clear')).toContainText('shared store answering', { timeout: 15_000 })
  })
