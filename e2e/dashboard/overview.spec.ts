import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { expect, type Page, test } from '@playwright/test'
import { UPSTREAM_PORT } from './env.ts'
import { admin, gotoPage, screenshot, sendTraffic, through } from './helpers.ts'

test('overview shows totals, policy outcomes and the hour the gateway kept, the moment it opens', async ({
  page,
}) => {
  // Traffic before the page opens: the charts must show it from the gateway's own history.
  await sendTraffic('/svc/overview', 40)
  await expect
    .poll(
      async () => {
        const h = (await (await admin('api/stats/history')).json()) as { points: { requests: number }[] }
        return h.points.reduce((n, p) => n + p.requests, 0)
      },
      { timeout: 15_000 },
    )
    .toBeGreaterThanOrEqual(40)
  await gotoPage(page, 'overview')
  await expect(page.getByRole('heading', { level: 1, name: 'Overview' })).toBeVisible()
  await expect(page.getByTestId('stat-upstreams')).toHaveText(/\d+ \/ \d+/)
  await expect(page.getByTestId('stat-uptime')).not.toHaveText('–')
  await expect(page.getByText(/p99 latency \(last 60 s\)/)).toBeVisible()
  await expect(page.getByText(/5xx rate \(last 60 s\)/)).toBeVisible()
  for (const id of ['cache-hits', 'rate-limited', 'circuit-breaks', 'retries', 'validation-failures'])
    await expect(page.getByTestId(`stat-${id}`)).toHaveText(/^\d[\d,]*$/)
  // No waiting for the stream: the chart has the gateway's buckets at once.
  await expect(page.getByTestId('chart-rps-latest')).toHaveText(/^[1-9][\d.,]*$|^0\.[1-9]/, { timeout: 2000 })
  await expect(page.getByTestId('chart-rps').locator('.chart-window').first()).toHaveText(
    '10 s buckets · last hour',
  )
  await screenshot(page, 'overview')
})

/** Every Y-axis label of every chart: its text and box, and the chart's box. */
async function axisLabels(page: Page) {
  return page.locator('.chart-card').evaluateAll((cards) =>
    cards.map((card) => {
      const svg = card.querySelector('svg.recharts-surface') ?? card
      const box = svg.getBoundingClientRect()
      const read = (selector: string) =>
        [...card.querySelectorAll(selector)].map((text) => {
          const r = text.getBoundingClientRect()
          return {
            text: text.textContent ?? '',
            lines: text.querySelectorAll('tspan').length,
            top: r.top - box.top,
            bottom: r.bottom - box.top,
            left: r.left - box.left,
            right: r.right - box.left,
          }
        })
      return {
        title: card.getAttribute('aria-label'),
        width: box.width,
        height: box.height,
        y: read('.recharts-yAxis-tick-labels .recharts-cartesian-axis-tick-value'),
        x: read('.recharts-xAxis-tick-labels .recharts-cartesian-axis-tick-value'),
      }
    }),
  )
}

for (const width of [1440, 800]) {
  test(`chart labels at ${width} px: distinct, on one line, inside the chart, several times`, async ({
    page,
  }) => {
    await page.setViewportSize({ width, height: 900 })
    // A slow call makes the latency axis reach hundreds of ms (the labels that used to wrap).
    await through('/svc/slow?delay=640')
    await sendTraffic('/svc/overview', 20)
    await gotoPage(page, 'overview')
    await expect(
      page.locator('.chart-card .recharts-yAxis-tick-labels .recharts-cartesian-axis-tick-value').first(),
    ).toBeVisible()
    await expect
      .poll(async () => (await axisLabels(page)).every((c) => c.x.length >= 3), { timeout: 15_000 })
      .toBe(true)
    for (const chart of await axisLabels(page)) {
      const texts = chart.y.map((l) => l.text)
      expect(new Set(texts).size, `${chart.title}: ${texts}`).toBe(texts.length)
      for (const l of chart.y) {
        expect(l.lines, `${chart.title} "${l.text}" wraps`).toBeLessThanOrEqual(1)
        expect(l.bottom - l.top, `${chart.title} "${l.text}" is taller than one line`).toBeLessThan(20)
        expect(l.top, `${chart.title} "${l.text}" clipped at the top`).toBeGreaterThanOrEqual(0)
        expect(l.left, `${chart.title} "${l.text}" clipped at the left`).toBeGreaterThanOrEqual(0)
      }
      if (chart.title !== 'Requests / s') for (const l of chart.y) expect(l.text).toMatch(/(ms|s|%)$/)
      if (chart.title === '5xx rate')
        expect(Number(chart.y.at(-1)?.text.replace(/\D+$/, ''))).toBeLessThanOrEqual(100)
      const times = chart.x.map((l) => l.text)
      expect(new Set(times).size, `${chart.title}: ${times}`).toBe(times.length)
      for (const l of chart.x)
        expect(l.right, `${chart.title} "${l.text}" clipped`).toBeLessThanOrEqual(chart.width + 1)
    }
    await screenshot(page, `overview-charts-${width}`)
  })
}

test('a killed target shows up under "Needs attention" with a link to where to fix it', async ({ page }) => {
  const server = createServer((_req, res) => res.end('ok'))
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const created = await admin('api/routes', {
    method: 'POST',
    body: { path: '/doomed', targets: [{ url }], stripPrefix: true },
  })
  expect(created.status).toBe(201)
  const { id, path } = (await created.json()) as { id: string; path: string }
  try {
    expect((await through(`${path}/x`)).status).toBe(200)
    await gotoPage(page, 'overview')
    await expect(page.getByText(url)).toHaveCount(0)
    await new Promise<void>((ok) => server.close(() => ok()))
    server.closeAllConnections()
    // Refused connections: passive health and the breaker take the target out.
    for (let i = 0; i < 8; i++) await through(`${path}/x`)
    const problems = page.getByTestId('problems')
    const item = problems.getByRole('listitem').filter({ hasText: url })
    await expect(item).toBeVisible({ timeout: 15_000 })
    await expect(item).toContainText(/Target down|Circuit open/)
    await expect(item).toContainText(path)
    const link = item.getByRole('link')
    await expect(link).toHaveAttribute('href', '#/upstreams')
    await screenshot(page, 'overview-problems')
    // Keyboard: the link is reachable and leads to the Upstreams page, which counts the same way.
    await link.focus()
    await page.keyboard.press('Enter')
    await expect(page.getByRole('heading', { level: 1, name: 'Upstreams' })).toBeVisible()
    const stats = (await (await admin('api/stats')).json()) as {
      healthyUpstreams: number
      totalUpstreams: number
    }
    await expect(page.getByTestId('usable-count')).toContainText(
      `${stats.healthyUpstreams} of ${stats.totalUpstreams} usable`,
    )
  } finally {
    await admin(`api/routes/${id}`, { method: 'DELETE' })
  }
})

test('a route answering 5xx shows up as failing, linked to its detail', async ({ page }) => {
  const created = await admin('api/routes', {
    method: 'POST',
    body: { path: '/flaky', targets: [{ url: `http://127.0.0.1:${UPSTREAM_PORT}` }], stripPrefix: true },
  })
  expect(created.status).toBe(201)
  const { id, path } = (await created.json()) as { id: string; path: string }
  try {
    // 4 of 12 are 503s (33 %); passive health is not tripped by 4 spread-out failures.
    for (let i = 0; i < 12; i++) await through(`${path}/x${i % 3 === 0 ? '?status=503' : ''}`)
    await gotoPage(page, 'overview')
    const item = page.getByTestId('problems').getByRole('listitem').filter({ hasText: 'Failing route' })
    // The route's 10 s bucket closes within 10 s; the list reads the gateway's history.
    await expect(item.filter({ hasText: path })).toBeVisible({ timeout: 25_000 })
    await expect(item.filter({ hasText: path })).toContainText(/33(\.3)?% 5xx \(4 of 12\) in the last 5 min/)
    await expect(item.filter({ hasText: path }).getByRole('link')).toHaveAttribute(
      'href',
      `#/routes?id=${encodeURIComponent(id)}`,
    )
  } finally {
    await admin(`api/routes/${encodeURIComponent(id)}`, { method: 'DELETE' })
  }
})
