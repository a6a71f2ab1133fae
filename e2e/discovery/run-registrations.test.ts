// Services `sallyport run` registered are restored at start only while the command that serves them runs.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { createGateway } from '../../src/gateway/index.ts'
import { startUpstream } from '../gateway/helpers.ts'

test('a run registration whose PID is gone is dropped at start; live ones and plain pushes stay', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'sp-run-restore-'))
  // The server the live run started (this process stands in for its command).
  const server = await startUpstream('alive')
  const deadPid = spawnSync(process.execPath, ['-e', '']).pid
  const entry = (name: string, pid?: number) =>
    [
      `  - service_name: ${name}`,
      `    service_id: run-${name}`,
      '    address: 127.0.0.1',
      `    port: ${server.port}`,
      '    registered_at: 2026-01-01T00:00:00.000Z',
      ...(pid === undefined ? [] : ['    metadata:', '      run.by: sallyport', `      run.pid: "${pid}"`]),
    ].join('\n')
  const file = join(dataDir, 'registered-services.yaml')
  await writeFile(
    file,
    `services:\n${[entry('alive', process.pid), entry('dead', deadPid), entry('plain')].join('\n')}\n`,
  )
  const gw = await createGateway({ config: {}, dataDir, port: 0, discovery: false })
  try {
    const res = await gw.inject({ method: 'GET', url: '/gateway/api/discovery/services' })
    assert.deepEqual(
      (res.json() as { name: string }[]).map((s) => s.name),
      ['alive', 'plain'],
    )
    const kept = await readFile(file, 'utf8')
    assert.doesNotMatch(kept, /service_name: dead/)
    assert.match(kept, /service_name: alive/)
  } finally {
    await gw.close()
    await server.close()
    await rm(dataDir, { recursive: true, force: true })
  }
})
