// The dashboard over https://localhost with the local CA trusted the way a Linux user's Chromium
// trusts it (an NSS database in $HOME/.pki/nssdb, what `sallyport trust` prints for browsers): the
// page loads as a secure context over HTTP/2, its live updates arrive, and the data plane answers on
// the same port. Without the CA the same browser refuses the certificate (the control).
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Browser, chromium, expect, test } from '@playwright/test'
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../chromium.ts'
import { SPARE_PORT, UPSTREAM_PORT } from './env.ts'
import { type GatewayProcess, startGatewayProcess } from './fixtures/gateway-process.ts'

const PORT = SPARE_PORT
const HTTPS = `https://localhost:${PORT}`

let gateway: GatewayProcess | undefined
let work = ''

/** A browser whose NSS database trusts `caFile` (or nothing). */
async function browserTrusting(caFile: string | undefined): Promise<Browser> {
  const home = mkdtempSync(join(work, 'home-'))
  const db = join(home, '.pki', 'nssdb')
  mkdirSync(db, { recursive: true })
  const run = (args: string[]) => {
    const r = spawnSync('certutil', args, { encoding: 'utf8' })
    if (r.status !== 0) throw new Error(`certutil ${args.join(' ')}: ${r.stderr}`)
  }
  run(['-N', '-d', `sql:${db}`, '--empty-password'])
  if (caFile !== undefined)
    run(['-A', '-d', `sql:${db}`, '-t', 'C,,', '-n', 'Sallyport Local CA', '-i', caFile])
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [...CHROMIUM_ARGS],
    env: { ...process.env, HOME: home },
  })
}

test.beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'sallyport-https-e2e-'))
  const config = join(work, 'https.yaml')
  writeFileSync(
    config,
    `server:\n  tls: auto\nroutes:\n  - path: /svc/*\n    targets:\n      - url: http://127.0.0.1:${UPSTREAM_PORT}\n    stripPrefix: true\n`,
  )
  gateway = await startGatewayProcess({
    port: PORT,
    configFile: config,
    dataDir: join(work, 'data'),
    name: 'HTTPS gateway',
  })
})

test.afterAll(async () => {
  await gateway?.stop()
  rmSync(work, { recursive: true, force: true })
})

test('with the local CA trusted, the dashboard is a secure context over HTTP/2 with live updates', async () => {
  const browser = await browserTrusting(join(work, 'data', 'tls', 'ca.pem'))
  try {
    const page = await browser.newPage()
    const res = await page.goto(`${HTTPS}/gateway/#/overview`)
    expect(res?.status()).toBe(200)
    await expect(page.getByRole('heading', { level: 1, name: 'Overview' })).toBeVisible()
    expect(
      await page.evaluate(() => (globalThis as unknown as { isSecureContext: boolean }).isSecureContext),
    ).toBe(true)
    const protocol = await page.evaluate(
      () =>
        (performance.getEntriesByType('navigation' as never)[0] as unknown as { nextHopProtocol: string })
          .nextHopProtocol,
    )
    expect(protocol).toBe('h2')
    // The data plane on the same origin, from the page (a fetch a front-end would make).
    const proxied = await page.evaluate(async () => {
      const r = await fetch('/svc/hello')
      return { status: r.status, body: await r.text() }
    })
    expect(proxied.status).toBe(200)
    // Live updates: the realtime WebSocket (an HTTP/1.1 connection beside the h2 one) delivers stats.
    const ws = await page.evaluate(
      (port) =>
        new Promise<string>((resolve) => {
          const s = new WebSocket(`wss://localhost:${port}/gateway/ws`)
          const done = (v: string) => {
            s.close()
            resolve(v)
          }
          s.onmessage = () => done('message')
          s.onerror = () => done('error')
          setTimeout(() => done('timeout'), 8000)
        }),
      PORT,
    )
    expect(ws).toBe('message')
  } finally {
    await browser.close()
  }
})

test('without the CA the browser refuses the certificate (the control)', async () => {
  const browser = await browserTrusting(undefined)
  try {
    const page = await browser.newPage()
    const error = await page.goto(`${HTTPS}/gateway/`).then(
      () => 'loaded',
      (e: Error) => e.message,
    )
    expect(error).toContain('ERR_CERT_AUTHORITY_INVALID')
  } finally {
    await browser.close()
  }
})
