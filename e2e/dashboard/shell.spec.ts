import { expect, test } from '@playwright/test'
import { gotoPage } from './helpers.ts'

const pages = [
  ['Overview', 'overview'],
  ['Routes', 'routes'],
  ['Upstreams', 'upstreams'],
  ['Services', 'services'],
  ['Traffic', 'traffic'],
  ['Requests', 'requests'],
  ['API docs', 'api-docs'],
  ['Config', 'config'],
] as const

test('navigation is a list of links and every page has its heading', async ({ page }) => {
  await gotoPage(page, 'overview')
  const nav = page.getByRole('navigation', { name: 'Main' })
  for (const [label, id] of pages) {
    const link = nav.getByRole('link', { name: label, exact: true })
    await link.click()
    await expect(page).toHaveURL(new RegExp(`#/${id}$`))
    await expect(link).toHaveAttribute('aria-current', 'page')
    await expect(page.getByRole('heading', { level: 1, name: label })).toBeVisible()
  }
})

test('keyboard: Tab reaches the navigation and Enter follows a link', async ({ page }) => {
  await gotoPage(page, 'overview')
  await expect(page.getByRole('heading', { level: 1, name: 'Overview' })).toBeVisible()
  const routesLink = page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Routes' })
  await routesLink.focus()
  await page.keyboard.press('Enter')
  await expect(page.getByRole('heading', { level: 1, name: 'Routes' })).toBeVisible()
})

test('follows prefers-color-scheme for light and dark', async ({ page }) => {
  await page.emulateMedia({ colorScheme: 'light' })
  await gotoPage(page, 'overview')
  const html = page.locator('html')
  const background = () =>
    html.evaluate((el) => el.ownerDocument.defaultView?.getComputedStyle(el).backgroundColor)
  const light = await background()
  await page.emulateMedia({ colorScheme: 'dark' })
  const dark = await background()
  expect(light).not.toBe(dark)
})

test('a lost live connection shows a banner and reconnects by itself', async ({ page }) => {
  let connections = 0
  // the first two sockets are cut at once; later ones go through to the real gateway
  await page.routeWebSocket(/\/gateway\/ws$/, (ws) => {
    connections += 1
    if (connections <= 2) {
      ws.close()
      return
    }
    ws.connectToServer()
  })
  await gotoPage(page, 'overview')
  const banner = page.getByRole('alert').filter({ hasText: 'Connection to the gateway lost' })
  await expect(banner).toBeVisible()
  await expect(banner.getByRole('button', { name: 'Retry now' })).toBeVisible()
  await expect(banner).toBeHidden({ timeout: 15_000 })
  expect(connections).toBeGreaterThanOrEqual(3)
})
