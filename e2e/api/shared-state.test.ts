// Three real gateway processes with one real redis-server as their shared store: what is made through
// any admin API on one is served by all, survives restarts, and a store outage refuses writes (503)
// without touching traffic. Ports 21400–21499 belong to this worktree's tests.
import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { type RunningCli, startCli } from '../cli/run-cli.ts'
import { type RedisServer, startRedisServer } from '../fixtures/redis-server.ts'
import { echo, type Fixture } from '../fixtures/upstreams.ts'

const REDIS_PORT = 21402
const GATEWAY_PORTS = { a: 21411, b: 21412, c: 21413 } as const
const GOBETWEEN_PORTS = { a: 21421, b: 21422, c: 21423 } as const
const L4_PORT = 21431
type Name = keyof typeof GATEWAY_PORTS

let dir: string
let redis: RedisServer
let upstream: Fixture
const running = new Map<Name, RunningCli>()
/** Where the first test's route is served. */
let shared = ''

async function created(res: Response): Promise<{ id: string; path: string }> {
  const text = await res.text()
  assert.equal(res.status, 201, text)
  return JSON.parse(text)
}

async function start(name: Name): Promise<RunningCli> {
  const config = join(dir, `${name}.yaml`)
  await writeFile(
    config,
    [
      `store: { redis: { url: "${redis.url}", timeout: 250ms } }`,
      `dialects: { gobetween: { bind: "127.0.0.1:${GOBETWEEN_PORTS[name]}" } }`,
      '',
    ].join('\n'),
  )
  // Each instance has its own data dir: what they share comes from the store.
  const args = [
    '--config',
    config,
    '--port',
    String(GATEWAY_PORTS[name]),
    '--data-dir',
    join(dir, `data-${name}`),
  ]
  const cli = await startCli([...args, '--no-discovery'])
  running.set(name, cli)
  return cli
}

const url = (name: Name, path: string) => `http://127.0.0.1:${GATEWAY_PORTS[name]}${path}`
const gobetween = (name: Name, path: string) => `http://127.0.0.1:${GOBETWEEN_PORTS[name]}${path}`

async function send(target: string, method: string, body?: unknown): Promise<Response> {
  return fetch(target, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
}

const status = (target: string) =>
  fetch(target).then(
    async (r) => {
      await r.arrayBuffer()
      return r.status
    },
    () => 0,
  )

/** Polls until `check` holds; answers how long that took (ms). The bound is for liveness only. */
async function until(check: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<number> {
  const started = Date.now()
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error('condition not reached in time')
    await new Promise((r) => setTimeout(r, 10))
  }
  return Date.now() - started
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sp-shared-'))
  redis = await startRedisServer(REDIS_PORT)
  upstream = await echo('shared')
  await Promise.all([start('a'), start('b'), start('c')])
})

after(async () => {
  for (const cli of running.values()) await cli.stop()
  await upstream.close()
  await redis.close()
  await rm(dir, { recursive: true, force: true })
})

test('a route made on A answers on B and C at once; disabled on B, A stops routing it', async (t) => {
  const made = await send(url('a', '/gateway/api/routes'), 'POST', {
    path: '/shared',
    targets: [{ url: upstream.url }],
  })
  assert.equal(made.status, 201)
  // Admin-made routes are served under their own prefix: the answer names the path.
  shared = ((await made.json()) as { path: string }).path
  const onB = await until(async () => (await status(url('b', `${shared}/x`))) === 200)
  const onC = await until(async () => (await status(url('c', `${shared}/x`))) === 200)
  t.diagnostic(`route live on B after ${onB} ms, on C after ${onC} ms more`)
  const off = await send(url('b', '/gateway/api/routes/manual-/shared/disable'), 'POST')
  assert.equal(off.status, 200, await off.text())
  await until(async () => (await status(url('a', `${shared}/x`))) === 404)
  const view = (await (await fetch(url('c', '/gateway/api/routes/manual-/shared'))).json()) as {
    enabled: boolean
  }
  assert.equal(view.enabled, false)
})

test('a FluxGate cluster and route and a gobetween server made on A appear on B', async () => {
  const cluster = await send(url('a', '/api/v2/gateway/upstreams'), 'POST', {
    id: 'usm_0000cafe',
    name: 'cafe',
    targets: [upstream.url],
  })
  await created(cluster)
  const route = await send(url('a', '/api/v2/gateway/routes'), 'POST', {
    name: 'flux',
    match: { prefix: '/flux' },
    upstream: { id: 'usm_0000cafe' },
  })
  const { id } = await created(route)
  await until(async () => (await status(url('b', `/api/v2/gateway/routes/${id}`))) === 200)
  const clusters = (await (await fetch(url('b', '/api/v2/gateway/upstreams'))).json()) as {
    upstreams: { id: string }[]
  }
  assert.ok(clusters.upstreams.some((u) => u.id === 'usm_0000cafe'))
  await until(async () => (await status(url('b', '/flux/x'))) === 200)

  const l4 = await send(gobetween('a', '/servers/l4'), 'POST', {
    bind: `127.0.0.1:${L4_PORT}`,
    protocol: 'tcp',
    balance: 'roundrobin',
    discovery: { kind: 'static', static_list: [`127.0.0.1:${upstream.port}`] },
  })
  assert.equal(l4.status, 200)
  // B knows the server (on one machine its port is A's, so B shows it without serving it).
  await until(async () => {
    const servers = (await (await fetch(gobetween('b', '/servers'))).json()) as Record<
      string,
      { bind: string }
    >
    return servers.l4?.bind === `127.0.0.1:${L4_PORT}`
  })
})

test('service-management settings and program variables set on A are read on B', async () => {
  const variable = await send(url('a', '/gateway/management/program/variable'), 'PUT', {
    key: 'region',
    value: 'eu-west',
  })
  assert.equal(variable.status, 200)
  const balance = await send(url('a', '/gateway/management/config/load_balance'), 'PUT', {
    service_name: 'orders',
    config: { strategy: 'random' },
  })
  assert.equal(balance.status, 200)
  const read = (path: string) => fetch(url('b', path)).then((r) => r.text())
  await until(async () => (await read('/gateway/management/program/variable')).includes('"region":"eu-west"'))
  await until(async () => (await read('/gateway/management/config?service_name=orders')).includes('"random"'))
})

test('a service pushed on A is routable on B and C', async () => {
  const reg = await send(url('a', '/gateway/api/discovery/register'), 'POST', {
    service_name: 'pushed',
    address: '127.0.0.1',
    port: upstream.port,
  })
  assert.equal(reg.status, 200)
  await until(async () => (await status(url('b', '/pushed/x'))) === 200)
  await until(async () => (await status(url('c', '/pushed/x'))) === 200)
})

test('writes made at once on A and B are all kept', async () => {
  const writes = []
  for (let i = 0; i < 8; i++)
    for (const name of ['a', 'b'] as const)
      writes.push(
        send(url(name, '/gateway/api/routes'), 'POST', {
          path: `/both-${name}-${i}`,
          targets: [{ url: upstream.url }],
        }),
      )
  for (const r of await Promise.all(writes)) await created(r)
  const paths = async (name: Name) => {
    const list = (await (await fetch(url(name, '/gateway/api/routes?source=manual'))).json()) as {
      path: string
    }[]
    return list.map((r) => r.path).filter((p) => p.includes('/both-'))
  }
  await until(async () => (await paths('c')).length === 16)
  assert.deepEqual((await paths('a')).sort(), (await paths('c')).sort())
  assert.deepEqual((await paths('b')).sort(), (await paths('c')).sort())
})

test('a restarted instance serves the shared state (its own data dir holds none of it)', async () => {
  await running.get('a')?.stop()
  await rm(join(dir, 'data-a'), { recursive: true, force: true })
  await start('a')
  assert.equal(await status(url('a', '/flux/x')), 200)
  assert.equal(await status(url('a', '/pushed/x')), 200)
  assert.equal(await status(url('a', `${shared}/x`)), 404, 'still disabled')
  const servers = (await (await fetch(gobetween('a', '/servers'))).json()) as Record<string, unknown>
  assert.ok(servers.l4)
})

test('store down: admin writes answer 503 and change nothing, traffic flows; store back: writes work', async () => {
  await redis.stop()
  // Wait until A has noticed (its connection's state is what refuses at once).
  await until(async () => {
    const r = await send(url('a', '/gateway/api/routes'), 'POST', {
      path: '/down',
      targets: [{ url: upstream.url }],
    })
    if (r.status === 201) throw new Error('a write was acknowledged with the store down')
    return r.status === 503
  })
  const refused = await send(url('b', '/gateway/api/routes'), 'POST', {
    path: '/down',
    targets: [{ url: upstream.url }],
  })
  assert.equal(refused.status, 503)
  // The native API's error format (bastion-admin-api.md): {"error": "..."}.
  assert.match(((await refused.json()) as { error: string }).error, /^the shared store is unreachable/)
  for (const name of ['a', 'b', 'c'] as const) {
    assert.equal(await status(url(name, '/flux/x')), 200)
    assert.equal(await status(url(name, '/api/down/x')), 404)
  }
  const disable = await send(url('c', '/gateway/api/routes/manual-/both-a-0/disable'), 'POST')
  assert.equal(disable.status, 503)
  assert.equal(await status(url('c', '/api/both-a-0/x')), 200, 'a refused disable changes nothing')
  // Reads serve the last known state.
  assert.equal((await fetch(url('c', '/gateway/api/routes/manual-/both-b-1'))).status, 200)

  // Back, empty (no persistence): the instances put back what they had, and writes work again.
  await redis.start()
  await until(async () => {
    const r = await send(url('b', '/gateway/api/routes'), 'POST', {
      path: '/back',
      targets: [{ url: upstream.url }],
    })
    // 409: an earlier attempt was stored though its answer was lost with the connection.
    return r.status === 201 || r.status === 409
  }, 10_000)
  await until(async () => (await status(url('a', '/api/back/x'))) === 200)
  await until(async () => (await status(url('c', '/api/back/x'))) === 200)
  assert.equal(await status(url('c', '/flux/x')), 200)
  const list = (await (await fetch(url('a', '/gateway/api/routes?source=manual'))).json()) as unknown[]
  assert.ok(list.length >= 19, `the routes made before the outage are kept (${list.length})`)
})

// The L4 port given to gobetween must be free before the run, or the test would pass on someone else's.
before(async () => {
  const probe = createServer()
  await new Promise<void>((ok, fail) => probe.once('error', fail).listen(L4_PORT, '127.0.0.1', ok))
  await new Promise<void>((ok) => probe.close(() => ok()))
})
