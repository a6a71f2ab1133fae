// Mock answers in the dashboard, against the real gateway of the global setup, a real loopback
// upstream serving an OpenAPI document and real Chromium: a route with `mock: always` answers from the
// document, the Requests page filters on "mock", and the route's page lists the policy.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { expect, test } from '@playwright/test'
import { admin, gotoPage, screenshot, through } from './helpers.ts'
import { findLayoutDefects } from './layout-checks.ts'

let upstream: Server
let upstreamHits = 0
const marker = Date.now().toString(36)
const routeId = `manual-/pets-${marker}/*`

const doc = {
  openapi: '3.0.3',
  info: { title: 'pets', version: '1' },
  paths: {
    '/pets/{id}': {
      get: {
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'integer' } }],
        responses: {
          '200': {
            description: 'a pet',
            content: { 'application/json': { example: { id: 1, name: 'Fluffy' } } },
          },
        },
      },
    },
  },
}

test.beforeAll(async () => {
  upstream = createServer((req, res) => {
    res.setHeader('content-type', 'application/json')
    if (req.url === '/openapi.json') res.end(JSON.stringify(doc))
    else {
      upstreamHits++
      res.end('{"real":true}')
    }
  })
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`
  const res = await admin('api/routes', {
    method: 'POST',
    body: {
      path: `/pets-${marker}/*`,
      stripPrefix: true,
      targets: [{ url }],
      mock: 'always',
      metadata: { openapi: `${url}/openapi.json` },
    },
  })
  expect(res.status).toBe(201)
})

test.afterAll(async () => {
  await admin(`api/routes/${encodeURIComponent(routeId)}`, { method: 'DELETE' })
  upstream.closeAllConnections()
  await new Promise((resolve) => upstream.close(resolve))
})

test('a mock answer is a row "mock" in Requests, and the route page lists the policy', async ({ page }) => {
  const path = `/api/pets-${marker}/pets/1`
  await expect
    .poll(async () => (await through(path)).headers.get('x-sallyport-mock'), { timeout: 10_000 })
    .toBe('true')
  expect(upstreamHits).toBe(0)
  await gotoPage(page, 'requests')
  await page.getByRole('combobox', { name: 'Answered by' }).selectOption('mock')
  const row = page.getByRole('button', { name: new RegExp(`Show details of GET ${path} \\(200, mock\\)`) })
  await expect(row.first()).toBeVisible()
  await row.first().click()
  const detail = page.getByRole('region', { name: `GET ${path}` })
  await detail.getByRole('tab', { name: 'Response' }).click()
  await expect(detail.getByRole('region', { name: 'Response body' })).toContainText('"name": "Fluffy"')
  await screenshot(page, 'requests-mock')

  await page.goto(`/gateway/#/routes?id=${encodeURIComponent(routeId)}`)
  const policies = page.getByRole('region', { name: 'Policies' })
  await expect(policies.getByRole('row', { name: /Mock answers/ })).toContainText('always')
  await policies.getByRole('link', { name: 'Mock answers in Requests' }).click()
  await expect(page.getByRole('combobox', { name: 'Answered by' })).toHaveValue('mock')
  await expect(page.getByRole('combobox', { name: 'Route' })).toHaveValue(routeId)
  await expect(row.first()).toBeVisible()
})

for (const [width, colorScheme] of [
  [800, 'dark'],
  [1440, 'light'],
] as const) {
  test(`the route page with mock answers at ${width} px (${colorScheme}) has no layout defects`, async ({
    page,
  }) => {
    await page.setViewportSize({ width, height: 900 })
    await page.emulateMedia({ colorScheme })
    await page.goto(`/gateway/#/routes?id=${encodeURIComponent(routeId)}`)
    const row = page.getByRole('region', { name: 'Policies' }).getByRole('row', { name: /Mock answers/ })
    await expect(row).toContainText('the upstream is never called')
    expect(await page.evaluate(findLayoutDefects)).toEqual([])
    await screenshot(page, `route-mock-${width}-${colorScheme}`)
  })
}
