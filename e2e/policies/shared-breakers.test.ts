// store.redis.shareBreakers: a circuit opened by failures on one gateway process opens on the others
// (and on one started later, or once the store is back after an outage); a reset on any of them
// closes it everywhere.
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { type RunningCli, startCli } from '../cli/run-cli.ts'
import { type RedisServer, startRedisServer } from '../fixtures/redis-server.ts'
import { type Fixture, startFixture } from '../fixtures/upstreams.ts'
import { eventually, tempDir } from '../gateway/helpers.ts'

const REDIS_PORT = 21311
const PORTS = [21305, 21306, 21307]

let redis: RedisServer
let failing: Fixture
let file = ''
const gateways: RunningCli[] = []

async function start(port: number): Promise<RunningCli> {
  const g = await startCli([
    '--port',
    String(port),
    '--no-discovery',
    '--data-dir',
    tempDir(),
    '--config',
    file,
  ])
  gateways.push(g)
  return g
}

before(async () => {
  redis = await startRedisServer(REDIS_PORT)
  failing = await startFixture((_req, res) => {
    res.writeHead(500)
    res.end('down')
  })
  file = join(tempDir('sallyport-breakers-'), 'breakers.json')
  writeFileSync(
    file,
    JSON.stringify({
      store: { redis: { url: redis.url, shareBreakers: true } },
      routes: [
        {
          id: 'flaky',
          path: '/flaky',
          targets: [{ url: failing.url }],
          retry: { enabled: false },
          healthCheck: { passiveFailures: 0 },
          circuitBreaker: { maxFailures: 3, openTimeout: '60s' },
        },
      ],
    }),
  )
})

after(async () => {
  for (const g of gateways) await g.stop()
  await failing?.close()
  await redis?.close()
})

async function storeUp(g: RunningCli): Promise<boolean> {
  const stats = (await (await fetch(`${g.url}/gateway/api/stats`)).json()) as {
    sharedStore?: { up: boolean }
  }
  return stats.sharedStore?.up === true
}

async function circuit(g: RunningCli): Promise<{ id: string; circuitState: string }> {
  const res = await fetch(`${g.url}/gateway/api/upstreams`)
  const list = (await res.json()) as { id: string; circuitState: string }[]
  return list[0] as { id: string; circuitState: string }
}

test('a circuit opened on one gateway opens on all, also on one started later or after an outage; a reset closes it everywhere', async () => {
  const [a, b] = [await start(PORTS[0] as number), await start(PORTS[1] as number)]
  // Both connected to the store before anything happens.
  for (const g of [a, b]) await eventually(() => storeUp(g), 8000)

  for (let i = 0; i < 3; i++) assert.equal((await fetch(`${a.url}/flaky`)).status, 500)
  assert.equal((await circuit(a)).circuitState, 'open')
  const opened = performance.now()
  await eventually(async () => (await circuit(b)).circuitState === 'open', 1000)
  console.log(`circuit open on the second gateway after ${(performance.now() - opened).toFixed(0)} ms`)
  // B refuses without calling the upstream it never saw fail.
  const hits = failing.hits
  assert.equal((await fetch(`${b.url}/flaky`)).status, 503)
  assert.equal(failing.hits, hits)

  const c = await start(PORTS[2] as number)
  await eventually(async () => (await circuit(c)).circuitState === 'open', 8000)

  const { id } = await circuit(b)
  const reset = await fetch(`${b.url}/gateway/api/circuits/${encodeURIComponent(id)}/reset`, {
    method: 'POST',
  })
  assert.equal(reset.status, 200)
  for (const g of [a, c]) await eventually(async () => (await circuit(g)).circuitState === 'closed', 1000)

  // Opened while Redis is away: local at first, everybody's once the store is back.
  await redis.stop()
  for (const g of [a, b, c]) await eventually(async () => !(await storeUp(g)), 5000)
  for (let i = 0; i < 3; i++) assert.equal((await fetch(`${c.url}/flaky`)).status, 500)
  assert.equal((await circuit(c)).circuitState, 'open')
  assert.equal((await circuit(a)).circuitState, 'closed')
  await redis.start()
  for (const g of [a, b]) await eventually(async () => (await circuit(g)).circuitState === 'open', 8000)
})
