// `sallyport doctor` as users run it: the real CLI against a free port, a port another program holds,
// a running gateway, a broken config and an untrusted local CA; exit 1 only when something must be fixed.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { packageVersion } from '../../src/gateway/util/version.ts'
import { runCli, startCli } from './run-cli.ts'

const dir = mkdtempSync(join(tmpdir(), 'sallyport-doctor-'))
after(() => rmSync(dir, { recursive: true, force: true }))

async function listening(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return (server.address() as { port: number }).port
}

async function freePort(): Promise<number> {
  const s = createServer()
  const port = await listening(s)
  await new Promise((r) => s.close(r))
  return port
}

function doctor(args: string[]) {
  const r = runCli(['--no-discovery', '--data-dir', join(dir, 'data'), ...args, 'doctor', '--json'])
  return {
    code: r.code,
    results: JSON.parse(r.stdout) as { name: string; status: string; detail: string; fix?: string }[],
  }
}

test('a machine ready to run: every check passes or is skipped, exit 0, and the missing gateway is named', async () => {
  const port = await freePort()
  const { code, results } = doctor(['--port', String(port)])
  assert.equal(code, 0)
  const by = Object.fromEntries(results.map((r) => [r.name, r]))
  assert.equal(by.node?.status, 'ok')
  assert.equal(by.port?.status, 'ok')
  assert.match(by.port?.detail ?? '', new RegExp(`127\\.0\\.0\\.1:${port} is free`))
  assert.equal(by.gateway?.status, 'warn')
  assert.match(by.gateway?.fix ?? '', new RegExp(`npx sallyport --port ${port}`))
  assert.equal(by.discovery?.status, 'skip')
  assert.equal(by.https?.status, 'skip')
  const text = runCli(['--no-discovery', '--port', String(port), 'doctor'])
  assert.match(text.stdout, /✓ node/)
  assert.match(text.stdout, /fix: start one/)
})

test('a port another program holds fails with a free port to use instead', async () => {
  const other = createServer()
  const port = await listening(other)
  try {
    const { code, results } = doctor(['--port', String(port)])
    assert.equal(code, 1)
    const p = results.find((r) => r.name === 'port')
    assert.equal(p?.status, 'fail')
    assert.match(p?.detail ?? '', /taken by another program \(not Sallyport\)/)
    assert.match(p?.fix ?? '', /--port \d+ is free/)
  } finally {
    other.close()
  }
})

test('a running gateway on the port is found with its version', async () => {
  const port = await freePort()
  const gw = await startCli(['--no-discovery', '--port', String(port), '--data-dir', join(dir, 'gw')])
  try {
    const { code, results } = doctor(['--port', String(port)])
    assert.equal(code, 0)
    assert.deepEqual(
      results.filter((r) => r.name === 'port' || r.name === 'gateway').map((r) => [r.status, r.detail]),
      [
        ['ok', `127.0.0.1:${port} is held by that gateway`],
        ['ok', `Sallyport ${packageVersion()} runs on 127.0.0.1:${port}`],
      ],
    )
  } finally {
    await gw.stop()
  }
})

test('a broken config file fails with its problem and the command that lists them all', async () => {
  const file = join(dir, 'broken.yaml')
  writeFileSync(file, 'routes:\n  - path: /a\n')
  const { code, results } = doctor(['--config', file, '--port', String(await freePort())])
  assert.equal(code, 1)
  const c = results.find((r) => r.name === 'config')
  assert.equal(c?.status, 'fail')
  assert.match(c?.detail ?? '', /targets/)
  assert.equal(c?.fix, `run sallyport validate ${file} for every problem with its line`)
})

test('HTTPS with the local CA not trusted warns and says to run sallyport trust', async () => {
  const file = join(dir, 'https.yaml')
  const port = await freePort()
  writeFileSync(file, `server:\n  port: ${port}\n  tls: auto\nroutes: []\n`)
  // The first start makes the CA in the data dir (untrusted).
  const gw = await startCli(['--no-discovery', '--config', file, '--data-dir', join(dir, 'data')])
  await gw.stop()
  const { results } = doctor(['--config', file])
  const h = results.find((r) => r.name === 'https')
  assert.equal(h?.status, 'warn')
  assert.match(h?.detail ?? '', /not in the OS trust store/)
  assert.match(h?.fix ?? '', /sallyport trust; for Node clients set NODE_EXTRA_CA_CERTS=.*ca\.pem/)
})
