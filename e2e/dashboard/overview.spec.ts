import { expect, test } from '@playwright/test'
import { gotoPage, screenshot, sendTraffic } from './helpers.ts'

test('overview shows totals and the charts move after traffic', async ({ page }) => {
  await gotoPage(page, 'overview')
  await expect(page.getByRole('heading', { level: 1, name: 'Overview' })).toBeVisible()
  const total = page.getByTestId('stat-total-requests')
  await expect(total).toBeVisible()
  await expect(page.getByTestId('stat-upstreams')).toHaveText(/\d+ \/ \d+/)
  await expect(page.getByTestId('stat-uptime')).not.toHaveText('–')
  await expect(page.locator('svg.recharts-surface').first()).toBeVisible()

  // wait for the stream to deliver two samples, so there is a line to move
  const rpsLine = page.locator('figure[aria-label="Requests / s"] .recharts-line-curve')
  await expect(rpsLine).toBeAttached({ timeout: 10_000 })
  const before = Number((await total.textContent())?.replace(/,/g, ''))
  const lineBefore = await rpsLine.getAttribute('d')

  await sendTraffic('/svc/overview', 40)
  await expect
    .poll(async () => Number((await total.textContent())?.replace(/,/g, '')), { timeout: 10_000 })
    .toBeGreaterThanOrEqual(before + 40)
  // the requests/s chart reports a non-zero rate at some tick after the burst
  await expect
    .poll(
      async () => {
        await sendTraffic('/svc/overview', 10)
        return Number((await page.getByTestId('chart-rps-latest').textContent())?.replace(/,/g, ''))
      },
      { timeout: 12_000 },
    )
    .toBeGreaterThan(0)
  expect(await rpsLine.getAttribute('d')).not.toBe(lineBefore)
  await screenshot(page, 'overview')
})
