// The Requests page against the real gateway of the global setup, a real loopback upstream and real
// Chromium: a POST replayed with its body and the diff shown, filtering by who answered, a HAR
// download that parses as HAR 1.2, the live tail, and the detail panel at 800 px.
import { readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { expect, test } from '@playwright/test'
import { admin, gotoPage, screenshot, through } from './helpers.ts'

let upstream: Server
let upstreamUrl = ''
/** The bodies the upstream received, in order. */
const received: string[] = []
const marker = Date.now().toString(36)

test.beforeAll(async () => {
  upstream = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8')
      received.push(body)
      res.writeHead(req.method === 'POST' ? 201 : 200, {
        'content-type': 'application/json',
        'x-call': String(received.length),
      })
      res.end(JSON.stringify({ call: received.length, got: body, path: req.url }))
    })
  })
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve))
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`
  const res = await admin('api/routes', {
    method: 'POST',
    body: { path: `/people-${marker}`, targets: [{ url: upstreamUrl }] },
  })
  expect(res.status).toBe(201)
})

test.afterAll(async () => {
  await admin(`api/routes/${encodeURIComponent(`manual-/people-${marker}`)}`, { method: 'DELETE' })
  upstream.closeAllConnections()
  await new Promise((resolve) => upstream.close(resolve))
})

test('a POST replayed resends its body and shows what changed; filter by who answered', async ({ page }) => {
  const path = `/api/people-${marker}`
  const sent = await through(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer s3cret' },
    body: JSON.stringify({ name: 'grace' }),
  })
  expect(sent.status).toBe(201)
  await through(`/nowhere-${marker}`)
  await gotoPage(page, 'requests')
  await expect(page.getByRole('heading', { level: 1, name: 'Requests' })).toBeVisible()

  const row = page.getByRole('button', {
    name: new RegExp(`Show details of POST ${path} \\(201, upstream\\)`),
  })
  await row.click()
  const detail = page.getByRole('region', { name: `POST ${path}` })
  await expect(detail.getByRole('tab', { name: 'Request', selected: true })).toBeVisible()
  await expect(detail.getByRole('region', { name: 'Request headers' })).toContainText('[redacted]')
  await expect(detail.getByRole('region', { name: 'Request body' })).toContainText('"name": "grace"')

  // Keyboard: arrows move between tabs.
  await detail.getByRole('tab', { name: 'Request' }).focus()
  await page.keyboard.press('ArrowRight')
  await expect(detail.getByRole('tab', { name: 'Upstream', selected: true })).toBeFocused()
  await expect(detail.getByRole('tabpanel')).toContainText(`POST ${upstreamUrl}${path}`)
  await expect(detail.getByRole('region', { name: 'Headers sent upstream' })).toContainText('x-forwarded-for')
  await page.keyboard.press('ArrowRight')
  await expect(detail.getByRole('region', { name: 'Response body' })).toContainText('"call": 1')
  await page.keyboard.press('ArrowRight')
  await expect(detail.getByRole('tabpanel')).toContainText('Time to first byte')

  await detail.getByRole('button', { name: 'Replay and compare' }).click()
  const summary = detail.getByRole('table', { name: 'Original vs replay' })
  await expect(summary).toBeVisible()
  await expect(summary.getByRole('row', { name: /request body sent/ })).toContainText('16 bytes')
  expect(received.at(-1)).toBe('{"name":"grace"}')
  const fields = detail.getByRole('table', { name: 'Body fields' })
  await expect(fields.getByRole('row', { name: /\$\.call/ })).toContainText('1')
  await expect(fields.getByRole('row', { name: /\$\.call/ })).toContainText('2')
  await expect(
    detail.getByRole('table', { name: 'Headers' }).getByRole('row', { name: /x-call/ }),
  ).toBeVisible()
  await screenshot(page, 'requests-replay')

  // Filter by who answered: the no-route 404 is a row of its own.
  await page.getByRole('combobox', { name: 'Answered by' }).selectOption('no-route')
  await expect(
    page.getByRole('button', {
      name: new RegExp(`Show details of GET /nowhere-${marker} \\(404, no route\\)`),
    }),
  ).toBeVisible()
  await expect(row).toBeHidden()
  await page.getByRole('combobox', { name: 'Answered by' }).selectOption('')
  // The original and its replay, each a row; the replay says so.
  await expect(row).toHaveCount(2)
  await expect(page.getByRole('row').filter({ has: row }).filter({ hasText: 'replay' })).toHaveCount(1)
  // Escape closes the panel and gives the focus back to the row.
  await detail.getByRole('tab', { name: 'Response' }).click()
  await page.keyboard.press('Escape')
  await expect(detail).toBeHidden()
  await expect(row.and(page.locator(':focus'))).toHaveCount(1)
})

test('a request a program refused is filtered as "program refused", with its 403', async ({ page }) => {
  const path = `/guarded-${marker}`
  const created = await admin('api/routes', {
    method: 'POST',
    body: {
      path,
      targets: [{ url: upstreamUrl }],
      programs: [
        { name: 'guard', source: 'terminate_if(request.Header.Get("X-Token") == "", "token required")' },
      ],
    },
  })
  expect(created.status).toBe(201)
  try {
    expect((await through(`/api${path}`)).status).toBe(403)
    expect((await through(`/api${path}`, { headers: { 'x-token': 't' } })).status).toBe(200)
    await gotoPage(page, 'requests')
    await page.getByRole('combobox', { name: 'Answered by' }).selectOption('program-refused')
    await expect(
      page.getByRole('button', { name: `Show details of GET /api${path} (403, program refused)` }),
    ).toHaveCount(1)
    await expect(page.getByRole('button', { name: /Show details of GET .* \(200, upstream\)/ })).toHaveCount(
      0,
    )
  } finally {
    await admin(`api/routes/${encodeURIComponent(`manual-${path}`)}`, { method: 'DELETE' })
  }
})

test('a deep link sets the filters and opens the request it names', async ({ page }) => {
  await through(`/nowhere-${marker}/linked`)
  const [row] = (await (await admin(`api/requests?q=nowhere-${marker}/linked`)).json()) as { id: string }[]
  await page.goto(`/gateway/#/requests?outcome=no-route&id=${row?.id}`)
  await expect(page.getByRole('combobox', { name: 'Answered by' })).toHaveValue('no-route')
  await expect(page.getByRole('region', { name: `GET /nowhere-${marker}/linked` })).toBeVisible()
  // Followed while the page is open, a new link applies too.
  await page.goto(`/gateway/#/requests?route=manual-/people-${marker}`)
  await expect(page.getByRole('combobox', { name: 'Route' })).toHaveValue(`manual-/people-${marker}`)
  await expect(page.getByRole('combobox', { name: 'Answered by' })).toHaveValue('')
})

test('HAR export downloads a HAR 1.2 file of the filtered rows', async ({ page }) => {
  await through(`/api/people-${marker}/har`)
  await gotoPage(page, 'requests')
  await page.getByRole('searchbox', { name: 'Path contains' }).fill(`people-${marker}/har`)
  await expect(page.getByRole('button', { name: /Show details of GET .*\/har/ })).toBeVisible()
  await expect(page.getByRole('status').filter({ hasText: /1 request match/ })).toBeVisible()
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Export HAR' }).click(),
  ])
  expect(download.suggestedFilename()).toMatch(/\.har$/)
  const har = JSON.parse(readFileSync(await download.path(), 'utf8'))
  expect(har.log.version).toBe('1.2')
  expect(har.log.creator.name).toBe('Sallyport')
  expect(har.log.entries).toHaveLength(1)
  const entry = har.log.entries[0]
  expect(entry.request.url).toMatch(new RegExp(`/api/people-${marker}/har$`))
  expect(entry.response.status).toBe(200)
  expect(typeof entry.startedDateTime).toBe('string')
  expect(Object.keys(entry.timings).sort()).toEqual([
    'blocked',
    'connect',
    'dns',
    'receive',
    'send',
    'ssl',
    'wait',
  ])
})

test('the live tail adds new rows without a reload; paused, they wait behind a button', async ({ page }) => {
  // No failed request: the tail's stream is closed on purpose (aborted) only when the filters change.
  const errors: string[] = []
  page.on('response', (r) => {
    if (r.status() >= 400 && !r.url().endsWith('/favicon.ico')) errors.push(`${r.url()}: ${r.status()}`)
  })
  page.on('requestfailed', (r) => {
    const aborted = r.failure()?.errorText === 'net::ERR_ABORTED' && r.url().includes('/api/requests/live')
    if (!aborted) errors.push(`${r.url()}: ${r.failure()?.errorText}`)
  })
  await gotoPage(page, 'requests')
  await page.getByRole('searchbox', { name: 'Path contains' }).fill(`people-${marker}/live`)
  await expect(page.getByRole('heading', { name: 'No request matches' })).toBeVisible()
  await through(`/api/people-${marker}/live-1`)
  await expect(page.getByRole('button', { name: /Show details of GET .*\/live-1/ })).toBeVisible()
  await page.getByRole('button', { name: 'Pause live tail' }).click()
  await through(`/api/people-${marker}/live-2`)
  const pending = page.getByRole('button', { name: 'Show 1 new' })
  await expect(pending).toBeVisible()
  await expect(page.getByRole('button', { name: /Show details of GET .*\/live-2/ })).toBeHidden()
  await pending.click()
  await expect(page.getByRole('button', { name: /Show details of GET .*\/live-2/ })).toBeVisible()
  await page.getByRole('button', { name: 'Resume live tail' }).click()
  expect(errors).toEqual([])
})

for (const [width, colorScheme] of [
  [800, 'light'],
  [1440, 'dark'],
] as const) {
  test(`at ${width} px (${colorScheme}) with a request open: no clipped column header, nothing wider than the window`, async ({
    page,
  }) => {
    await page.emulateMedia({ colorScheme })
    await page.setViewportSize({ width, height: 800 })
    await through(`/api/people-${marker}/narrow?with=a-rather-long-query-string-that-goes-on-and-on`)
    await gotoPage(page, 'requests')
    await page
      .getByRole('button', { name: /Show details of GET .*\/narrow/ })
      .first()
      .click()
    const detail = page.getByRole('region', { name: /narrow/ })
    await expect(detail).toBeVisible()
    const clipped = await page
      .getByRole('table', { name: 'Recent requests' })
      .getByRole('columnheader')
      .evaluateAll((cells) => cells.filter((c) => c.scrollWidth > c.clientWidth).map((c) => c.textContent))
    expect(clipped).toEqual([])
    for (const tab of ['Request', 'Upstream', 'Response', 'Timing']) {
      await detail.getByRole('tab', { name: tab }).click()
      const box = await detail.boundingBox()
      expect(box && box.x + box.width).toBeLessThanOrEqual(width)
      const overflow = await page
        .locator('html')
        .evaluate((html) => html.scrollWidth - (html.ownerDocument.defaultView?.innerWidth ?? 0))
      expect(overflow, `${tab}: the page scrolls sideways`).toBeLessThanOrEqual(0)
    }
    await detail.getByRole('tab', { name: 'Response' }).click()
    await screenshot(page, `requests-${width}-${colorScheme}`)
  })
}
