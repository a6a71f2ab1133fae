// Every dashboard page at 800 and 1440 px, light and dark, over the issue-20 scene (fixtures/scene.ts):
// fails on clipped text, a page wider than the window, tables or the nav hidden behind a sideways
// scroll, elements drawn over each other (layout-checks.ts measures boxes), console errors and failed
// requests; each named with its page, width and theme. Screenshots go to e2e/screenshots/layout-*.png.
import { type Browser, expect, type Locator, type Page, test } from '@playwright/test'
import { SPARE_PORT } from './env.ts'
import { startScene, type Scene } from './fixtures/scene.ts'
import { screenshot } from './helpers.ts'
import { findLayoutDefects, goToHash, layoutFingerprint, prefersDark } from './layout-checks.ts'

interface Visit {
  readonly name: string
  readonly hash: string
  /** The page's h1 (a route's detail may be titled by the route). */
  readonly heading: string | RegExp
  /**
   * After the page settled: open what the user would open (a request's detail). Answers what went
   * wrong, so a page rewritten under the suite is reported like a layout defect, not as a timeout.
   */
  readonly open?: (page: Page) => Promise<string | undefined>
}

const PAYMENTS = 'config-/payments/*'

const VISITS: readonly Visit[] = [
  { name: 'overview', hash: 'overview', heading: 'Overview' },
  { name: 'routes', hash: 'routes', heading: 'Routes' },
  { name: 'route-detail', hash: `routes?id=${encodeURIComponent(PAYMENTS)}`, heading: /Routes|payments/ },
  { name: 'upstreams', hash: 'upstreams', heading: 'Upstreams' },
  { name: 'services', hash: 'services', heading: 'Services' },
  { name: 'traffic', hash: 'traffic', heading: 'Traffic' },
  {
    name: 'requests',
    hash: 'requests',
    heading: 'Requests',
    open: async (page) => {
      const entry = page.getByRole('button', { name: /^Show details of/ }).first()
      if (!(await shows(entry))) return 'no "Show details of …" control to open a request with'
      await entry.click()
      const detail = page.getByRole('region', { name: /\// }).first()
      if (!(await shows(detail))) return 'the request detail did not open'
      await detail.scrollIntoViewIfNeeded()
      return undefined
    },
  },
  {
    name: 'api-docs',
    hash: 'api-docs',
    heading: 'API docs',
    open: async (page) => {
      const info = page.frameLocator('iframe.swagger-frame').locator('.swagger-ui .info').first()
      return (await shows(info, 15_000)) ? undefined : 'Swagger UI did not show a document'
    },
  },
  { name: 'config', hash: 'config', heading: 'Config' },
]

let scene: Scene

test.beforeAll(async () => {
  test.setTimeout(60_000)
  scene = await startScene(SPARE_PORT)
})

test.afterAll(async () => {
  await scene?.close()
})

const shows = (locator: Locator, timeout = 5_000): Promise<boolean> =>
  locator.waitFor({ state: 'visible', timeout }).then(
    () => true,
    () => false,
  )

/** Waits until the page stops loading and its boxes stop moving (charts animate in). */
async function settle(page: Page): Promise<void> {
  await expect(page.locator('.loading')).toHaveCount(0, { timeout: 10_000 })
  let last = ''
  for (let i = 0; i < 12; i++) {
    await page.waitForTimeout(200)
    const now = await page.evaluate(layoutFingerprint)
    if (now === last) return
    last = now
  }
}

async function walk(browser: Browser, width: number, theme: 'light' | 'dark'): Promise<string[]> {
  const context = await browser.newContext({ viewport: { width, height: 900 }, colorScheme: theme })
  const page = await context.newPage()
  const problems: string[] = []
  let at = 'start'
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`${at}: console error: ${m.text()}`)
  })
  page.on('pageerror', (e) => problems.push(`${at}: uncaught ${e.message}`))
  page.on('requestfailed', (r) => {
    // A query cancelled because the page changed is not a failure.
    if (r.failure()?.errorText !== 'net::ERR_ABORTED')
      problems.push(`${at}: ${r.method()} ${r.url()} failed: ${r.failure()?.errorText}`)
  })
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`${at}: ${r.request().method()} ${r.url()} answered ${r.status()}`)
  })
  await page.goto(`${scene.url}/gateway/#/overview`)
  expect(await page.evaluate(prefersDark)).toBe(theme === 'dark')
  for (const visit of VISITS) {
    at = `${visit.name} @ ${width} px ${theme}`
    await page.evaluate(goToHash, visit.hash)
    await expect(page.getByRole('heading', { level: 1, name: visit.heading })).toBeVisible()
    await settle(page)
    if (visit.open) {
      const failed = await visit.open(page)
      if (failed) problems.push(`${at}: ${failed}`)
      await settle(page)
    }
    for (const d of await page.evaluate(findLayoutDefects)) problems.push(`${at}: ${d.kind}: ${d.what}`)
    await screenshot(page, `layout-${visit.name}-${width}-${theme}`)
  }
  await context.close()
  return problems
}

for (const theme of ['light', 'dark'] as const)
  for (const width of [800, 1440])
    test(`every page at ${width} px, ${theme}: nothing clipped, overflowing or overlapping`, async ({
      browser,
    }) => {
      test.setTimeout(60_000)
      const problems = await walk(browser, width, theme)
      expect(problems, problems.join('\n')).toEqual([])
    })

test('api docs: the selector lists the merged document, each service and the admin API', async ({ page }) => {
  await page.goto(`${scene.url}/gateway/#/api-docs`)
  const select = page.getByRole('combobox', { name: 'Document' })
  await expect(select.locator('option')).toHaveText([
    'All services (merged)',
    'inventory',
    'Sallyport admin API (this gateway)',
  ])
  const frame = page.frameLocator('iframe.swagger-frame')
  await expect(frame.getByText('/inventory/stock/{sku}')).toBeVisible({ timeout: 15_000 })
  await select.selectOption({ label: 'Sallyport admin API (this gateway)' })
  await expect(frame.getByRole('heading', { name: /Sallyport admin API/ })).toBeVisible({ timeout: 15_000 })
  await expect(frame.getByText('/gateway/api/discovery/register', { exact: true })).toBeVisible()
  await expect(frame.getByText('/gateway/api/circuits/{targetId}/reset', { exact: true })).toBeVisible()
  // Swagger resolved every $ref of the admin document (it lists what it could not under .errors-wrapper).
  await expect(frame.locator('.errors-wrapper')).toHaveCount(0)
  await expect(page.getByRole('heading', { name: 'No service documents yet' })).toHaveCount(0)
})

test('loading every page never reaches the data plane (no /favicon.ico)', async ({ browser }) => {
  const context = await browser.newContext()
  const page = await context.newPage()
  const total = async () => (await scene.admin<{ totalRequests: number }>('api/stats')).totalRequests
  const before = await total()
  for (const visit of VISITS) {
    // A full load each time: the browser asks for an icon per document, not per hash change.
    await page.goto(`${scene.url}/gateway/#/${visit.hash}`)
    await expect(page.getByRole('heading', { level: 1, name: visit.heading })).toBeVisible()
  }
  await page.goto(`${scene.url}/gateway/swagger`)
  await expect(page.locator('.swagger-ui .info').first()).toBeVisible({ timeout: 15_000 })
  await page.waitForTimeout(500)
  expect(await total(), 'data-plane requests while loading the dashboard').toBe(before)
  await context.close()
})
