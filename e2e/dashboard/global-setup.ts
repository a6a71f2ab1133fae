// Builds the app, starts the loopback upstream the config file points at, then the headless gateway
// on a fresh data dir; returns the teardown. Set SALLYPORT_E2E_NO_BUILD=1 to reuse an existing out/.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { GATEWAY, GATEWAY_PORT, UPSTREAM_PORT } from './env.ts'
import { startUpstream } from './fixtures/upstream.ts'

const root = resolve(import.meta.dirname, '../..')

async function waitForGateway(child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 20_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`gateway exited with ${child.exitCode}:\n${output()}`)
    try {
      const res = await fetch(`${GATEWAY}/gateway/api/stats`)
      if (res.ok) return
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200))
  }
  throw new Error(`gateway did not answer ${GATEWAY}/gateway/api/stats within 20 s:\n${output()}`)
}

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
  let log = ''
  const child = spawn(
    process.execPath,
    [
      join(root, 'bin/sallyport.js'),
      '--port',
      String(GATEWAY_PORT),
      '--no-discovery',
      '--data-dir',
      dataDir,
      '--config',
      configFile,
      '--log-level',
      'warn',
    ],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
  )
  child.stdout?.on('data', (chunk: Buffer) => (log += chunk.toString()))
  child.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()))
  const kill = () => child.exitCode === null && child.kill('SIGTERM')
  process.once('exit', kill)

  try {
    await waitForGateway(child, () => log)
  } catch (error) {
    kill()
    await upstream.close()
    rmSync(dataDir, { recursive: true, force: true })
    throw error
  }

  return async () => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r))
      child.kill('SIGTERM')
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))])
      if (child.exitCode === null) child.kill('SIGKILL')
    }
    await upstream.close()
    rmSync(dataDir, { recursive: true, force: true })
  }
}
