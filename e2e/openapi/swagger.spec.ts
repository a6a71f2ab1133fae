// Issue 5 in a real browser: two push-registered services' documents merged into Swagger UI, and
// "Try it out" reaching a service through the gateway. Uses the gateway the dashboard setup starts.
import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { expect, test } from '@playwright/test'
import { GATEWAY } from '../dashboard/env.ts'

interface Service {
  readonly name: string
  readonly port: number
  readonly server: Server
}

function documentFor(name: string) {
  return {
    openapi: '3.0.3',
    info: { title: `${name} service`, version: '1.0.0' },
    paths: {
      [`/${name}-items`]: {
        get: {
          operationId: 'listItems',
          summary: `list the ${name} items`,
          responses: { '200': { description: 'the items' } },
        },
      },
    },
  }
}

async function startService(name: string): Promise<Service> {
  const server = createServer((req, res) => {
    res.setHeader('content-type', 'application/json')
    if (req.url === '/openapi.json') res.end(JSON.stringify(documentFor(name)))
    else res.end(JSON.stringify({ service: name, path: req.url }))
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return { name, port: (server.address() as AddressInfo).port, server }
}

const services: Service[] = []

test.beforeAll(async ({ request }) => {
  for (const name of ['alpha', 'beta']) services.push(await startService(name))
  for (const s of services) {
    const r = await request.post(`${GATEWAY}/gateway/api/discovery/register`, {
      data: {
        service_name: s.name,
        address: '127.0.0.1',
        port: s.port,
        metadata: { openapi: `http://127.0.0.1:${s.port}/openapi.json` },
      },
    })
    expect(r.status()).toBe(200)
  }
  await expect
    .poll(async () => {
      await request.post(`${GATEWAY}/gateway/api/openapi/refresh`)
      const doc = (await (await request.get(`${GATEWAY}/gateway/openapi.json`)).json()) as {
        paths?: Record<string, unknown>
      }
      return Object.keys(doc.paths ?? {}).sort()
    })
    .toEqual(expect.arrayContaining(['/alpha/alpha-items', '/beta/beta-items']))
})

test.afterAll(async ({ request }) => {
  for (const s of services) {
    await request.delete(`${GATEWAY}/gateway/api/discovery/services/${s.name}`)
    s.server.closeAllConnections()
    s.server.close()
  }
})

test('Swagger UI shows both services and "Try it out" goes through the gateway', async ({ page }) => {
  await page.goto('/gateway/swagger')
  const alpha = page.locator('.opblock-summary-path', { hasText: '/alpha/alpha-items' })
  await expect(alpha).toBeVisible({ timeout: 15_000 })
  await expect(page.locator('.opblock-summary-path', { hasText: '/beta/beta-items' })).toBeVisible()

  await alpha.click()
  const block = page.locator('.opblock', { has: alpha })
  await block.getByRole('button', { name: 'Try it out' }).click()
  await block.getByRole('button', { name: 'Execute' }).click()
  const response = block.locator('.responses-wrapper .live-responses-table')
  await expect(response.locator('tbody .response-col_status').first()).toHaveText('200')
  // The body is the fixture's own answer: the request went gateway → alpha with the prefix stripped.
  await expect(response.locator('.highlight-code, pre.microlight').first()).toContainText(
    '"service": "alpha"',
  )
  await expect(response.locator('.highlight-code, pre.microlight').first()).toContainText('/alpha-items')
})
