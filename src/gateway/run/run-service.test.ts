import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createGatewayClient } from './gateway-client.ts'
import { freePort } from './listen-probe.ts'
import { exitCodeOf, runService } from './run-service.ts'

test('exit codes as a shell reports them: the code, or 128 + the signal number', () => {
  assert.equal(exitCodeOf(0, null), 0)
  assert.equal(exitCodeOf(3, null), 3)
  assert.equal(exitCodeOf(null, 'SIGINT'), 130)
  assert.equal(exitCodeOf(null, 'SIGTERM'), 143)
  assert.equal(exitCodeOf(null, 'SIGKILL'), 137)
})

test('a command that never listens on its port is told about, and is never registered', async () => {
  const lines: string[] = []
  const out = { say: (l: string) => lines.push(l), warn: (l: string) => lines.push(`warn: ${l}`) }
  // Nothing answers at this gateway: a registration attempt would show as a warning.
  const client = createGatewayClient(`http://127.0.0.1:${await freePort()}`)
  const port = await freePort()
  const service = runService(
    {
      name: 'deaf',
      argv: [process.execPath, '-e', 'setTimeout(() => process.exit(4), 600)'],
      cwd: process.cwd(),
      port,
      listenHintMs: 100,
    },
    client,
    out,
  )
  assert.equal(await service.done, 4)
  assert.deepEqual(lines, [
    `warn: deaf has not listened on port ${port} yet: if it ignores PORT, pass the port its own way (e.g. --port ${port})`,
    'deaf exited (code 4)',
  ])
})
