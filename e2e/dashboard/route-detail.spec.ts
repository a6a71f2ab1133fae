// Route detail and the Routes table on a gateway of this spec's own, with a scene that has something to
// show: two orders targets (one on a closed port), payments behind a breaker that opens after two
// failures, a cached catalog that a push-registered service named catalog outranks.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, type Page, test } from '@playwright/test'
import { GATEWAY_PORT } from './env.ts'
import { type GatewayProcess, startGatewayProcess } from './fixtures/gateway-process.ts'
import { startUpstream, type Upstream } from './fixtures/upstream.ts'
import { screenshot } from './helpers.ts'

const PORT = GATEWAY_PORT + 4
const BASE = `http://127.0.0.1:${PORT}`

let gateway: GatewayProcess | undefined
let dir = ''
let ok: Upstream
let deadPort = 0

/** A port nothing listens on: bound once, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const { port } = server.address() as { port: number }
  await new Promise<void>((r) => server.close(() => r()))
  return port
}

test.beforeAll(async () => {
  ok = await startUpstream('scene')
  deadPort = await closedPort()
  dir = mkdtempSync(join(tmpdir(), 'sallyport-route-detail-e2e-'))
  const config = join(dir, 'scene.yaml')
  writeFileSync(
    config,
    [
      'defaults:',
      '  cors: { origins: ["http://localhost:5173"] }',
      'routes:',
      '  - id: orders',
      '    path: /orders/*',
      '    methods: [GET, POST]',
      '    targets:',
      `      - url: ${ok.url}`,
      `      - url: http://127.0.0.1:${deadPort}`,
      '    stripPrefix: true',
      '  - id: payments',
      '    path: /payments/*',
      `    targets: [{ url: "${ok.url}" }]`,
      '    stripPrefix: true',
      '    timeout: 2s',
      '    circuitBreaker: { maxFailures: 2, openTimeout: 120s }',
      '    healthCheck: { passiveFailures: 0 }',
      '    rateLimit: { requestsPerSec: 50, burst: 50 }',
      '  - id: catalog',
      '    path: /catalog/*',
      `    targets: [{ url: "${ok.url}" }]`,
      '    cache: { ttl: 30s }',
      '    cors: false',
      '',
    ].join('\n'),
  )
  gateway = await startGatewayProcess({
    port: PORT,
    configFile: config,
    dataDir: join(dir, 'data'),
    name: 'route page gateway',
  })
  const pushed = await fetch(`${BASE}/gateway/api/discovery/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ service_name: 'catalog', address: '127.0.0.1', port: ok.port }),
  })
  expect(pushed.status).toBe(200)
})

test.afterAll(async () => {
  await gateway?.stop()
  await ok?.close()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

const routesPage = (page: Page, query = '') => page.goto(`${BASE}/gateway/#/routes${query}`)
const table = (page: Page) => page.getByRole('table', { name: 'Routes' })
/** A route's row, by route id (two routes here share the path /catalog/*). */
const rowOf = (page: Page, id: string) => table(page).locator(`tr[data-key="${id}"]`)

test('a route opens by mouse, by keyboard and by deep link, and says who defined it and what outranks it', async ({
  page,
}) => {
  await routesPage(page)
  // Mouse: a click anywhere on the row that is not a control of its own.
  await rowOf(page, 'catalog').getByRole('cell').nth(2).click()
  await expect(page).toHaveURL(/#\/routes\?id=catalog$/)
  const heading = page.getByRole('heading', { level: 1 })
  await expect(heading).toHaveText('/catalog/*')
  await expect(page.getByText(/Defined by .*scene\.yaml:19/)).toBeVisible()
  const outranked = page.getByRole('region', { name: /Outranked/ })
  await expect(outranked).toContainText('/catalog/*')
  await expect(outranked).toContainText('(pushed service catalog, priority 10)')
  const policies = page.getByRole('region', { name: 'Policies' })
  await expect(policies.getByRole('row', { name: /Cache/ })).toContainText('ttl 30 s')
  await screenshot(page, 'route-detail-outranked')

  // The table flags it too.
  await page.getByRole('link', { name: '← All routes' }).click()
  await expect(rowOf(page, 'catalog').getByTestId('outranked-flag')).toContainText(
    'outranked by /catalog/* (pushed service catalog)',
  )
  await expect(rowOf(page, 'catalog')).toContainText('cache')

  // Keyboard: the path is a link; Tab to it and Enter.
  const link = rowOf(page, 'orders').getByRole('link', { name: '/orders/*' })
  await link.focus()
  await page.keyboard.press('Enter')
  await expect(heading).toHaveText('/orders/*')
  await expect(heading).toBeFocused()
  const targets = page.getByRole('region', { name: 'Targets' })
  await expect(targets.getByRole('row')).toHaveCount(3)
  // A policy the route runs because the gateway's defaults set it says so; catalog turned it off.
  await expect(
    page.getByRole('region', { name: 'Policies' }).getByRole('row', { name: /CORS \(gateway default\)/ }),
  ).toContainText('origins http://localhost:5173')
  await expect(targets).toContainText(`http://127.0.0.1:${deadPort}`)

  // Deep link, as other pages write it.
  await routesPage(page, '?id=payments')
  await expect(heading).toHaveText('/payments/*')
  await expect(page.getByRole('region', { name: 'Matches' })).toContainText('Strip prefix')
  await expect(
    page.getByRole('region', { name: 'Policies' }).getByRole('row', { name: /Timeout/ }),
  ).toContainText('2 s')
  await expect(
    page.getByRole('region', { name: 'Policies' }).getByRole('row', { name: /Circuit breaker/ }),
  ).toContainText('opens after 2 failures')
})

test('the detail shows the breaker open after failures, and Reset closes it; Health sorts the worst first', async ({
  page,
}) => {
  for (let i = 0; i < 3; i++) await (await fetch(`${BASE}/payments/fail?status=503`)).arrayBuffer()
  await routesPage(page, '?id=payments')
  const targets = page.getByRole('region', { name: 'Targets' })
  await expect(targets.getByText('open', { exact: true })).toBeVisible()
  await expect(targets).toContainText('circuit open')
  await expect(page.getByRole('heading', { level: 1 }).locator('..')).toContainText(
    '0/1 usable · circuit open',
  )
  await screenshot(page, 'route-detail-breaker-open')

  await page.getByRole('link', { name: '← All routes' }).click()
  await table(page)
    .getByRole('button', { name: /Health/ })
    .click()
  const firstRow = table(page).getByRole('row').nth(1)
  await expect(firstRow).toContainText('/payments/*')
  await expect(firstRow).toContainText('0/1 usable · circuit open')

  await firstRow.getByRole('link', { name: '/payments/*' }).click()
  await targets.getByRole('button', { name: /Reset circuit/ }).click()
  await expect(targets.getByText('closed', { exact: true })).toBeVisible()
  await expect(targets).not.toContainText('circuit open')
  expect((await fetch(`${BASE}/payments/ok`)).status).toBe(200)
})

test('settings set for its service through service management show on the route page', async ({ page }) => {
  const res = await fetch(`${BASE}/gateway/management/config/load_balance`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ service_name: 'orders', config: { strategy: 'round-robin' } }),
  })
  expect(res.status).toBe(200)
  await routesPage(page, '?id=orders')
  await expect(page.getByText('Load balancer set for service orders by service management')).toBeVisible()
  await routesPage(page, '?id=catalog')
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('/catalog/*')
  await expect(page.getByText(/set for service/)).toHaveCount(0)
})

const SIZES = [
  [800, 'dark'],
  [1440, 'light'],
] as const

for (const [width, colorScheme] of SIZES) {
  test(`the Routes table at ${width} px (${colorScheme}) clips nothing: headers, badges, second target, actions`, async ({
    page,
  }) => {
    await page.setViewportSize({ width, height: 900 })
    await page.emulateMedia({ colorScheme })
    await routesPage(page)
    await expect(rowOf(page, 'orders')).toBeVisible()
    const clipped = await table(page).evaluate((table) => {
      // The DOM as far as this check reads it (the tests compile without the DOM library).
      interface Box {
        readonly scrollWidth: number
        readonly clientWidth: number
        readonly tagName: string
        readonly textContent: string | null
        getBoundingClientRect(): { right: number }
        closest(selector: string): Box | null
        querySelectorAll(selector: string): Iterable<Box>
      }
      const el = table as unknown as Box
      const out: string[] = []
      const scroll = el.closest('.table-scroll') as Box
      if (scroll.scrollWidth > scroll.clientWidth)
        out.push(`table ${scroll.scrollWidth} > ${scroll.clientWidth}`)
      for (const cell of el.querySelectorAll('th, td, .badge, button, code, li')) {
        if (cell.scrollWidth > cell.clientWidth + 1) out.push(`${cell.tagName} "${cell.textContent}"`)
        const box = cell.getBoundingClientRect()
        const parent = cell.closest('td, th')?.getBoundingClientRect()
        if (parent && cell.tagName !== 'TD' && cell.tagName !== 'TH' && box.right > parent.right + 1)
          out.push(`${cell.tagName} "${cell.textContent}" sticks out of its cell`)
      }
      return out
    })
    expect(clipped).toEqual([])
    const orders = rowOf(page, 'orders')
    await expect(orders.getByText(`http://127.0.0.1:${deadPort}`)).toBeInViewport()
    await expect(orders.getByRole('switch')).toBeInViewport()
    await expect(rowOf(page, 'catalog').getByText('Read-only:')).toBeInViewport()
    await screenshot(page, `routes-${width}-${colorScheme}`)
  })

  test(`the route page at ${width} px (${colorScheme}) fits the window`, async ({ page }) => {
    await page.setViewportSize({ width, height: 900 })
    await page.emulateMedia({ colorScheme })
    await routesPage(page, '?id=orders')
    await expect(page.getByRole('region', { name: 'Targets' }).getByRole('row')).toHaveCount(3)
    await expect(page.getByRole('region', { name: 'Recent requests' })).toBeVisible()
    const overflow = await page.evaluate(() => {
      const doc = (
        globalThis as unknown as {
          document: { scrollingElement: { scrollWidth: number; clientWidth: number } }
        }
      ).document.scrollingElement
      return doc.scrollWidth - doc.clientWidth
    })
    expect(overflow).toBeLessThanOrEqual(0)
    await screenshot(page, `route-detail-${width}-${colorScheme}`)
  })
}
