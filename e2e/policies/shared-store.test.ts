// Several gateways as one: three real gateway processes with one config naming the same redis-server
// share their rate limits, and each keeps serving (and says so in /health) while Redis is away.
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { Agent, request } from 'undici'
import { startCli, type RunningCli } from '../cli/run-cli.ts'
import { type RedisServer, startRedisServer } from '../fixtures/redis-server.ts'
import { echo, type Fixture } from '../fixtures/upstreams.ts'
import { eventually, tempDir } from '../gateway/helpers.ts'

const REDIS_PORT = 21310
const GATEWAY_PORTS = [21301, 21302, 21303]
const CLOSED_PORT = 21304

let redis: RedisServer
let up: Fixture
let gateways: RunningCli[] = []
let closedGateway: RunningCli
const agent = new Agent({ connections: 16 })

function config(failMode: 'open' | 'closed'): string {
  const route = (id: string, rateLimit: object) => ({
    id,
    path: `/${id}`,
    targets: [{ url: up.url }],
    rateLimit,
  })
  return JSON.stringify({
    store: { redis: { url: redis.url, timeout: '250ms', failMode } },
    routes: [
      // 100 per minute, all of it available at once.
      route('hundred', { requestsPerSec: 100 / 60, burst: 100 }),
      // Refills one token per 1000 s: what passes below is the burst and nothing else.
      route('ten', { requestsPerSec: 0.001, burst: 10 }),
      route('roomy', { requestsPerSec: 10_000, burst: 10_000 }),
    ],
  })
}

async function start(file: string, port: number): Promise<RunningCli> {
  return startCli(['--port', String(port), '--no-discovery', '--data-dir', tempDir(), '--config', file])
}

before(async () => {
  redis = await startRedisServer(REDIS_PORT)
  up = await echo()
  const dir = tempDir('sallyport-shared-')
  const open = join(dir, 'open.json')
  const closed = join(dir, 'closed.json')
  writeFileSync(open, config('open'))
  writeFileSync(closed, config('closed'))
  gateways = await Promise.all(GATEWAY_PORTS.map((p) => start(open, p)))
  closedGateway = await start(closed, CLOSED_PORT)
})

after(async () => {
  for (const g of [...gateways, closedGateway]) await g?.stop()
  await agent.close()
  await up?.close()
  await redis?.close()
})

interface Outcome {
  readonly status: number
  readonly ms: number
  /** When the answer was complete (performance.now()). */
  readonly at: number
  readonly contentType: string
}

async function get(url: string): Promise<Outcome> {
  const started = performance.now()
  const res = await request(url, { dispatcher: agent, headersTimeout: 5000, bodyTimeout: 5000 })
  await res.body.text()
  return {
    status: res.statusCode,
    ms: performance.now() - started,
    at: performance.now(),
    contentType: String(res.headers['content-type'] ?? ''),
  }
}

/** `total` requests to `path`, spread round-robin over `targets`, `perTarget` in flight on each. */
async function load(targets: readonly RunningCli[], path: string, total: number, perTarget = 8) {
  const queue = Array.from(
    { length: total },
    (_, i) => `${(targets[i % targets.length] as RunningCli).url}${path}`,
  )
  const out: Outcome[] = []
  const worker = async () => {
    for (let url = queue.shift(); url; url = queue.shift()) out.push(await get(url))
  }
  await Promise.all(Array.from({ length: targets.length * perTarget }, worker))
  return out
}

const count = (list: readonly Outcome[], status: number) => list.filter((o) => o.status === status).length

async function health(g: RunningCli) {
  const res = await request(`${g.url}/health`, { dispatcher: agent })
  const body = (await res.body.json()) as {
    status: string
    components: Record<string, { status: string; error?: string | null }>
  }
  return { code: res.statusCode, body }
}

test('three gateways, one limit of 100/min: 600 requests spread over all three, 100 accepted', async () => {
  const started = performance.now()
  const out = await load(gateways, '/hundred', 600)
  const elapsedS = (performance.now() - started) / 1000
  const accepted = count(out, 200)
  console.log(`shared limit: ${accepted} of 600 accepted in ${elapsedS.toFixed(2)} s`)
  assert.equal(accepted + count(out, 429), 600)
  // Exactly the burst, plus what the bucket refilled (100/min) while the load ran: the same 100 ± 2 %
  // as long as the load takes under 1.2 s, and no flake on a slower machine.
  const refilled = Math.floor((elapsedS * 100) / 60)
  assert.ok(accepted >= 100 && accepted <= 100 + refilled, `accepted ${accepted} in ${elapsedS} s`)
  let decisions = 0
  for (const g of gateways) {
    const metrics = await (await request(`${g.url}/metrics`, { dispatcher: agent })).body.text()
    assert.match(metrics, /^sallyport_shared_store_up 1$/m)
    decisions += Number(/^sallyport_shared_limit_decisions_total\{by="store"\} (\d+)$/m.exec(metrics)?.[1])
  }
  // 100 takes, then each gateway asks only with the requests it had in flight (8) when it learnt the
  // bucket was empty: the local buckets refuse the rest without a round trip.
  console.log(`round trips to the store: ${decisions} for 600 requests`)
  assert.ok(decisions <= 100 + 3 * 8, `${decisions} round trips`)
  for (const g of gateways) {
    const h = await health(g)
    assert.equal(h.code, 200)
    assert.equal(h.body.components.store?.status, 'healthy')
  }
})

test('Redis dies mid-load: no request hangs, each gateway limits alone (open) or refuses (closed), 207, then recovers', async () => {
  // Load on a generous route while the store is killed under it.
  const during = load(gateways, '/roomy', 900, 4)
  await new Promise((r) => setTimeout(r, 100))
  await redis.stop()
  const stoppedAt = performance.now()
  const outage = await during
  assert.ok(
    outage.some((o) => o.at > stoppedAt + 50),
    'the load went on after Redis died',
  )
  assert.equal(count(outage, 200), 900, 'fail-open serves every request')
  const slowest = Math.max(...outage.map((o) => o.ms))
  console.log(`slowest request while Redis died: ${slowest.toFixed(0)} ms`)
  assert.ok(slowest < 1000, `a request took ${slowest} ms`)

  for (const g of [...gateways, closedGateway])
    await eventually(async () => (await health(g)).code === 207, 8000)
  const h = await health(gateways[0] as RunningCli)
  assert.equal(h.body.status, 'degraded')
  assert.equal(h.body.components.store?.status, 'degraded')
  assert.match(String(h.body.components.store?.error), /shared store unreachable .*per instance/)
  assert.match(String((await health(closedGateway)).body.components.store?.error), /503/)

  // Fail-open: each instance enforces the limit of 10 alone.
  const burst = await load(gateways, '/ten', 45, 5)
  assert.equal(count(burst, 200), 30, 'ten per instance')
  assert.ok(Math.max(...burst.map((o) => o.ms)) < 1000)
  // Fail-closed: the limited route refuses with a problem, at once.
  const refused = await get(`${closedGateway.url}/ten`)
  assert.equal(refused.status, 503)
  assert.equal(refused.contentType, 'application/problem+json')
  assert.ok(refused.ms < 1000)

  await redis.start()
  for (const g of [...gateways, closedGateway])
    await eventually(async () => (await health(g)).code === 200, 10_000)
  // Shared again: the store came back empty, ten pass across all three (and the closed one) together.
  const shared = await load([...gateways, closedGateway], '/ten', 40, 5)
  assert.equal(count(shared, 200), 10)
})
