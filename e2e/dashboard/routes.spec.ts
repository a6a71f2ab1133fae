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
  for (const header of ['Path', 'Source', 'Targets', 'Health', 'Enabled', 'Actions']) {
    await expect(table.getByRole('columnheader', { name: header })).toBeVisible()
  }
  const svcRow = table.getByRole('row').filter({ hasText: '/svc' }).first()
  await expect(svcRow).toContainText('config')
  await expect(svcRow).toContainText('Read-only: edit the config file')
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
  await dialog.getByRole('textbox', { name: 'Target 1 URL' }).fill('not a url')
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

test('the route form by keyboard: opens on Path, says what is missing next to each field, assumes http://', async ({
  page,
}) => {
  if (await endpointMissing('POST', 'api/routes', {})) {
    return skipBecause('POST /gateway/api/routes is not implemented by the gateway yet')
  }
  const given = `/kb-${Date.now().toString(36)}`
  await gotoPage(page, 'routes')
  const table = page.getByRole('table', { name: 'Routes' })
  await expect(table).toBeVisible()
  const tableTop = (await table.boundingBox())?.y

  await page.getByRole('button', { name: 'New route' }).focus()
  await page.keyboard.press('Enter')
  const dialog = page.getByRole('dialog', { name: 'New route' })
  const path = dialog.getByRole('textbox', { name: 'Path' })
  await expect(path).toBeFocused()

  // Enter on an empty form: "required", next to the path, and the keyboard is taken there.
  await page.keyboard.press('Enter')
  const pathError = dialog.getByRole('alert').filter({ hasText: 'Path is required' })
  await expect(pathError).toBeVisible()
  await expect(path).toHaveAttribute('aria-describedby', new RegExp(`${await pathError.getAttribute('id')}`))
  await expect(path).toBeFocused()

  await page.keyboard.type(given)
  await page.keyboard.press('Tab')
  const url = dialog.getByRole('textbox', { name: 'Target 1 URL' })
  await expect(url).toBeFocused()
  await page.keyboard.type(`127.0.0.1:${upstream.port}`)
  await page.keyboard.press('Tab')
  await expect(dialog.getByRole('spinbutton', { name: 'Target 1 weight' })).toBeFocused()
  await expect(url).toHaveValue(`http://127.0.0.1:${upstream.port}`)
  await expect(dialog.getByText('No scheme given: http:// assumed.')).toBeVisible()
  await expect(dialog.getByText('Weight', { exact: true })).toBeVisible()

  // Request headers: label/field pairs, a row added with the keyboard.
  await dialog.getByText('Request headers').focus()
  await page.keyboard.press('Enter')
  await dialog.getByRole('button', { name: 'Add a header to set' }).focus()
  await page.keyboard.press('Enter')
  await dialog.getByRole('textbox', { name: 'Add or replace: header 1 name' }).fill('X-From')
  await dialog.getByRole('textbox', { name: 'Add or replace: header 1 value' }).fill('dashboard')

  // Policies: a bad timeout is named next to the timeout field.
  await dialog.getByText('Balancing, timeout and policies').focus()
  await page.keyboard.press('Enter')
  const timeout = dialog.getByRole('textbox', { name: 'Timeout' })
  await timeout.fill('5 secs')
  await page.keyboard.press('Enter')
  await expect(dialog.getByRole('alert')).toHaveText('Timeout is a duration such as 500ms, 5s or 1m')
  await expect(timeout).toBeFocused()
  await timeout.fill('5s')
  await dialog.getByRole('checkbox', { name: 'Cache responses' }).focus()
  await page.keyboard.press('Space')
  await dialog.getByRole('textbox', { name: 'TTL' }).fill('30s')
  await dialog.getByRole('combobox', { name: 'Load balancer' }).selectOption('least-load')
  await screenshot(page, 'route-form-filled')
  await page.keyboard.press('Enter')
  await expect(dialog).toBeHidden()

  // The success message floats: the table did not move under the cursor.
  await expect(page.getByRole('status').filter({ hasText: `/api${given}` })).toBeVisible()
  expect((await table.boundingBox())?.y).toBe(tableTop)

  const id = encodeURIComponent(`manual-${given}`)
  const saved = (await (await admin(`api/routes/${id}`)).json()) as {
    headers?: { add?: Record<string, string> }
    policies: { timeoutMs: number; loadBalancer: string; cache?: { ttlMs?: number } }
  }
  expect(saved.headers?.add).toEqual({ 'X-From': 'dashboard' })
  expect(saved.policies.timeoutMs).toBe(5000)
  expect(saved.policies.loadBalancer).toBe('least-load')
  expect(saved.policies.cache?.ttlMs).toBe(30_000)
  const row = table.locator(`tr[data-key="manual-${given}"]`)
  await expect(row).toContainText('cache')
  await expect(row).toContainText('timeout')

  // Editing opens on the first field that can change (the path cannot) and keeps the policies.
  await row.getByRole('button', { name: `Edit route /api${given}` }).click()
  const edit = page.getByRole('dialog', { name: `Edit /api${given}` })
  await expect(edit.getByRole('textbox', { name: 'Target 1 URL' })).toBeFocused()
  await expect(edit.getByRole('textbox', { name: 'Timeout' })).toHaveValue('5s')
  await expect(edit.getByRole('checkbox', { name: 'Cache responses' })).toBeChecked()
  await edit.getByRole('button', { name: 'Cancel' }).click()
  await admin(`api/routes/${id}`, { method: 'DELETE' })
})

test('the route form at 800 px (dark): every section open, nothing sticks out of the dialog', async ({
  page,
}) => {
  await page.setViewportSize({ width: 800, height: 900 })
  await page.emulateMedia({ colorScheme: 'dark' })
  await gotoPage(page, 'routes')
  await page.getByRole('button', { name: 'New route' }).click()
  const dialog = page.getByRole('dialog', { name: 'New route' })
  await dialog.getByText('Request headers').click()
  await dialog.getByRole('button', { name: 'Add a header to set' }).click()
  await dialog.getByRole('button', { name: 'Add a header to remove' }).click()
  await dialog.getByText('Balancing, timeout and policies').click()
  for (const name of ['Cache responses', 'Rate limit', 'Retry failed requests', 'CORS'])
    await dialog.getByRole('checkbox', { name }).check()
  await dialog.getByRole('button', { name: 'Add target' }).click()
  const outside = await dialog.evaluate((el) => {
    interface Box {
      readonly scrollWidth: number
      readonly clientWidth: number
      readonly tagName: string
      getBoundingClientRect(): { left: number; right: number }
      querySelectorAll(selector: string): Iterable<Box>
    }
    const box = el as unknown as Box
    const edge = box.getBoundingClientRect()
    const out: string[] = []
    if (box.scrollWidth > box.clientWidth) out.push(`dialog ${box.scrollWidth} > ${box.clientWidth}`)
    for (const c of box.querySelectorAll('input, select, button, label, legend, summary')) {
      const r = c.getBoundingClientRect()
      if (r.right > edge.right + 1 || r.left < edge.left - 1) out.push(c.tagName)
    }
    return out
  })
  expect(outside).toEqual([])
  await screenshot(page, 'route-form-800-dark')
})
