// A real gateway process, SIGKILLed right after an acknowledged write, finds the route after restart.
import assert from 'node:assert/strict'
import { type ChildProcess, spawn } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { test } from 'node:test'
import { tempDir } from './helpers.ts'

const CLI = join(import.meta.dirname, '../../src/gateway/cli.ts')

async function spawnGateway(config: string, dataDir: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(
    process.execPath,
    [CLI, '--config', config, '--port', '0', '--data-dir', dataDir, '--no-discovery'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  let stderr = ''
  child.stderr?.on('data', (d) => {
    stderr += d
  })
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream })
  const url = await new Promise<string>((ok, fail) => {
    lines.on('line', (line) => {
      const m = /listening on (http:\/\/\S+)/.exec(line)
      if (m) ok(m[1] as string)
    })
    child.once('exit', (code) => fail(new Error(`gateway exited with ${code}: ${stderr}`)))
  })
  return { child, url }
}

function kill9(child: ChildProcess): Promise<void> {
  return new Promise((ok) => {
    if (child.exitCode !== null || child.signalCode !== null) return ok()
    child.once('exit', () => ok())
    child.kill('SIGKILL')
  })
}

test('manual routes survive kill -9 with ids and timestamps', async (t) => {
  const dir = await tempDir(t)
  const config = join(dir, 'sallyport.yaml')
  await writeFile(config, 'routes:\n  - path: /cfg\n    targets: [{ url: "http://127.0.0.1:1" }]\n')
  const data = join(dir, 'data')
  const first = await spawnGateway(config, data)
  t.after(() => kill9(first.child))
  const res = await fetch(`${first.url}/gateway/api/routes`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ path: '/kept', targets: [{ url: 'http://127.0.0.1:2' }] }),
  })
  assert.equal(res.status, 201)
  const created = (await res.json()) as Record<string, unknown>
  const off = await fetch(`${first.url}/gateway/api/routes/config-/cfg/disable`, { method: 'POST' })
  assert.equal(off.status, 200)
  await kill9(first.child)

  const second = await spawnGateway(config, data)
  t.after(() => kill9(second.child))
  const got = await fetch(`${second.url}/gateway/api/routes/manual-/kept`)
  assert.equal(got.status, 200)
  const view = (await got.json()) as Record<string, unknown>
  assert.equal(view.id, 'manual-/kept')
  assert.equal(view.createdAt, created.createdAt)
  assert.equal(view.updatedAt, created.updatedAt)
  const cfg = (await (await fetch(`${second.url}/gateway/api/routes/config-/cfg`)).json()) as Record<
    string,
    unknown
  >
  assert.equal(cfg.enabled, false)
})
