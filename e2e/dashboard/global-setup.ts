// Builds the app, starts the loopback upstream the config file points at, then the headless gateway
// on a fresh data dir; returns the teardown. Set SALLYPORT_E2E_NO_BUILD=1 to reuse an existing out/.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { GATEWAY_PORT, UPSTREAM_PORT } from './env.ts'
import { type GatewayProcess, startGatewayProcess } from './fixtures/gateway-process.ts'
import { startUpstream } from './fixtures/upstream.ts'

const root = resolve(import.meta.dirname, '../..')

export default async function globalSetup(): Promise<() => Promise<void>> {
  if (process.env.SALLYPORT_E2E_NO_BUILD !== '1') {
    const build = spawnSync(
      process.execPath,
      [join(root, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'],
      {
        cwd: root,
        encoding: 'utf8',
      },
    )
    if (build.status !== 0) throw new Error(`electron-vite build failed:\n${build.stdout}\n${build.stderr}`)
  }

  const upstream = await startUpstream('fixture', UPSTREAM_PORT)
  const dataDir = mkdtempSync(join(tmpdir(), 'sallyport-dashboard-e2e-'))
  // A copy the gateway watches, so a spec can save over it (hot reload) without touching the fixture.
  const configFile = join(dataDir, 'dashboard.yaml')
  const fixture = readFileSync(join(root, 'e2e/dashboard/fixtures/dashboard.yaml'), 'utf8')
  writeFileSync(configFile, fixture.replaceAll('127.0.0.1:18790', `127.0.0.1:${UPSTREAM_PORT}`))
  process.env.SALLYPORT_E2E_CONFIG = configFile

  let gateway: GatewayProcess
  try {
    gateway = await startGatewayProcess({ port: GATEWAY_PORT, configFile, dataDir })
  } catch (error) {
    await upstream.close()
    rmSync(dataDir, { recursive: true, force: true })
    throw error
  }

  return async () => {
    await gateway.stop()
    await upstream.close()
    rmSync(dataDir, { recursive: true, force: true })
  }
}
