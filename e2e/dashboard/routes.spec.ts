import { expect, test } from '@playwright/test'
import { startUpstream, type Upstream } from './fixtures/upstream.ts'
import { admin, endpointMissing, gotoPage, screenshot, skipBecause, through } from './helpers.ts'

let upstream: Upstream
test.beforeAll(async () => {
  upstream = await startUpstream('created-by-test')
})
test.afterAll(async () => {
  await upstream?.close()
})

test('routes table lists config routes as read-only, with filters', async ({ page }) => {
  await gotoPage(page, 'routes')
  const table = page.getByRole('table', { name: 'Routes' })
  await expect(table).toBeVisible()
  for (const header of ['Path', 'Source', 'Protocol', 'Targets', 'Health', 'Enabled']) {
    await expect(table.getByRole('columnheader', { name: header })).toBeVisible()
  }
  const svcRow = table.getByRole('row').filter({ hasText: '/svc' }).first()
  await expect(svcRow).toContainText('config')
  await expect(svcRow).toContainText('Read-only')
  await expect(svcRow.getByRole('button', { name: /Edit/ })).toHaveCount(0)

  await page.getByRole('searchbox', { name: 'Search' }).fill('toggle')
  await expect(table.getByRole('row').filter({ hasText: '/svc' })).toHaveCount(0)
  await expect(table.getByRole('row').filter({ hasText: '/toggle' })).toHaveCount(1)
  await page.getByRole('searchbox', { name: 'Search' }).fill('')
  await page.getByRole('combobox', { name: 'Source' }).selectOption('manual')
  await expect(table.getByRole('row').filter({ hasText: '/svc' })).toHaveCount(0)
  await page.getByRole('combobox', { name: 'Source' }).selectOption('')
  await screenshot(page, 'routes')
})

test('switching a route off makes it answer 404 through the gateway, and on again serves', async ({
  page,
}) => {
  if (await endpointMissing('POST', `api/routes/${encodeURIComponent('config-/no-such-route')}/disable`)) {
    return skipBecause('POST /gateway/api/routes/:id/disable is not implemented by the gateway yet')
  }
  expect((await through('/toggle/ping')).status).toBe(200)
  await gotoPage(page, 'routes')
  const toggle = page.getByRole('switch', { name: /Enable route \/toggle/ })
  await expect(toggle).toHaveAttribute('aria-checked', 'true')
  await toggle.click()
  await expect(toggle).toHaveAttribute('aria-checked', 'false')
  await expect.poll(async () => (await through('/toggle/ping')).status).toBe(404)

  // keyboard works too: Space on the focused switch
  await toggle.focus()
  await expect(toggle).toBeFocused()
  await page.keyboard.press('Space')
  await expect(toggle).toHaveAttribute('aria-checked', 'true')
  await expect.poll(async () => (await through('/toggle/ping')).status).toBe(200)
})

test('creating a manual route in the form makes it serve; edit and delete work', async ({ page }) => {
  if (await endpointMissing('POST', 'api/routes', {})) {
    return skipBecause('POST /gateway/api/routes is not implemented by the gateway yet')
  }
  const given = `/e2e-${Date.now().toString(36)}`
  await gotoPage(page, 'routes')
  await page.getByRole('button', { name: 'New route' }).click()
  const dialog = page.getByRole('dialog', { name: 'New route' })
  await expect(dialog).toBeVisible()

  // client-side validation first
  await dialog.getByRole('textbox', { name: 'Path' }).fill('no-slash')
  await dialog.getByRole('textbox', { name: 'Target 1 URL' }).fill('localhost')
  await dialog.getByRole('button', { name: 'Create route' }).click()
  await expect(dialog.getByRole('alert').filter({ hasText: 'Path must start with' })).toBeVisible()
  await expect(dialog.getByRole('alert').filter({ hasText: 'is not a URL' })).toBeVisible()
  await screenshot(page, 'route-form')

  await dialog.getByRole('textbox', { name: 'Path' }).fill(given)
  await dialog.getByRole('textbox', { name: 'Target 1 URL' }).fill(upstream.url)
  await dialog.getByRole('button', { name: 'Create route' }).click()
  await expect(dialog).toBeHidden()
  await expect(page.getByRole('status').filter({ hasText: `/api${given}` })).toBeVisible()
  const row = page.getByRole('row').filter({ hasText: `/api${given}` })
  await expect(row).toBeVisible()
  await expect(row).toContainText('manual')

  const served = await fetch(`${new URL(page.url()).origin}/api${given}/hello`)
  expect(served.status).toBe(200)
  expect(await served.json()).toMatchObject({ upstream: 'created-by-test' })

  // the API's own 409 is shown inline next to the path
  await page.getByRole('button', { name: 'New route' }).click()
  await page.getByRole('textbox', { name: 'Path' }).fill(given)
  await page.getByRole('textbox', { name: 'Target 1 URL' }).fill(upstream.url)
  await page.getByRole('button', { name: 'Create route' }).click()
  await expect(page.getByRole('dialog').getByRole('alert')).toContainText(/already exists/i)
  await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click()

  // edit: add a header rule and save
  await row.getByRole('button', { name: `Edit route /api${given}` }).click()
  const edit = page.getByRole('dialog', { name: `Edit /api${given}` })
  await expect(edit.getByRole('textbox', { name: 'Path' })).toHaveValue(given)
  await edit.getByRole('spinbutton', { name: 'Priority' }).fill('5')
  await edit.getByRole('button', { name: 'Save route' }).click()
  await expect(edit).toBeHidden()
  await expect
    .poll(
      async () =>
        (
          (await (await admin(`api/routes/${encodeURIComponent(`manual-${given}`)}`)).json()) as {
            priority: number
          }
        ).priority,
    )
    .toBe(105) // manual routes are listed with +100 (bastion), the form shows the given value
  await row.getByRole('button', { name: `Edit route /api${given}` }).click()
  await expect(edit.getByRole('spinbutton', { name: 'Priority' })).toHaveValue('5')
  await edit.getByRole('button', { name: 'Cancel' }).click()

  // delete
  await row.getByRole('button', { name: `Delete route /api${given}` }).click()
  await page
    .getByRole('dialog', { name: 'Delete route?' })
    .getByRole('button', { name: 'Delete route' })
    .click()
  await expect(row).toHaveCount(0)
  await expect.poll(async () => (await through(`/api${given}/hello`)).status).toBe(404)
})
