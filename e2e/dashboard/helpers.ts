import { mkdirSync } from 'node:fs'
import { resolve } from 'node:path'
import { type Page, test } from '@playwright/test'
import { GATEWAY } from './env.ts'

const screenshots = resolve(import.meta.dirname, '../screenshots')

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(screenshots, { recursive: true })
  await page.screenshot({ path: resolve(screenshots, `${name}.png`), fullPage: false })
}

/** A request through the gateway's data plane. */
export async function through(path: string, init?: RequestInit): Promise<Response> {
  const res = await fetch(`${GATEWAY}${path}`, init)
  await res.arrayBuffer()
  return res
}

export async function sendTraffic(path: string, count: number): Promise<void> {
  for (let i = 0; i < count; i += 10) {
    await Promise.all(Array.from({ length: Math.min(10, count - i) }, () => through(path)))
  }
}

/** A call to the admin API. */
export async function admin(path: string, init?: { method?: string; body?: unknown }): Promise<Response> {
  return fetch(`${GATEWAY}/gateway/${path}`, {
    method: init?.method ?? 'GET',
    headers: init?.body === undefined ? undefined : { 'content-type': 'application/json' },
    body: init?.body === undefined ? undefined : JSON.stringify(init.body),
  })
}

export async function gotoPage(page: Page, id: string): Promise<void> {
  await page.goto(`/gateway/#/${id}`)
}

/**
 * True when the gateway has no handler at all for this method and path (fastify's own
 * "Route POST:/… not found"), as opposed to a handler answering 404 for a missing entity.
 */
export async function endpointMissing(method: string, path: string, body?: unknown): Promise<boolean> {
  const res = await admin(path, { method, body })
  if (res.status !== 404) return false
  const text = await res.text()
  return /"Route [A-Z]+:[^"]* not found"/.test(text)
}

/** Skips the running test, saying why (the list reporter does not print skip reasons). */
export function skipBecause(reason: string): void {
  console.warn(`skipped: ${reason}`)
  test.skip(true, reason)
}
