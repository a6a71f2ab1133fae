// Service-management programs run on every request of a push-registered service: a real gateway
// process (the CLI), real loopback instances, the dialect's own endpoints over HTTP, and a restart on
// the same data dir. Ports 21010-21019 (this suite's range).
import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { type TestContext, test } from 'node:test'
import { type RunningCli, startCli } from '../../cli/run-cli.ts'
import { tempDir } from '../helpers.ts'

const M = '/gateway/management'
const SECRET = 'programs-test-secret-0123456789abcdef'

/** A loopback instance answering `status` with the request headers it saw as JSON. */
async function instance(t: TestContext, status = 200) {
  const seen: IncomingHttpHeaders[] = []
  const server: Server = createServer((req, res) => {
    seen.push(req.headers)
    req.resume()
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(req.headers))
  })
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok))
  t.after(() => new Promise<void>((ok) => server.close(() => ok())))
  return { port: (server.address() as AddressInfo).port, seen }
}

/** The gateway as a user runs it: its own process, a config file, a data dir. */
async function gateway(
  t: TestContext,
  port: number,
  dataDir: string,
  routes: object[] = [],
): Promise<RunningCli> {
  const config = join(dataDir, 'sallyport.json')
  await writeFile(
    config,
    JSON.stringify({
      routes,
      dialects: { serviceManagement: { jwt: { secret: SECRET } } },
      // One retry on a 502, at once: a retry must not run the programs again.
      defaults: {
        retry: {
          enabled: true,
          maxAttempts: 2,
          retryOn: [502],
          baseDelay: 0,
          jitter: false,
          budgetPercent: 100,
        },
      },
    }),
  )
  const cli = await startCli([
    '--config',
    config,
    '--port',
    String(port),
    '--data-dir',
    dataDir,
    '--no-discovery',
  ])
  let stopped = false
  t.after(async () => {
    if (!stopped) await cli.stop()
  })
  return {
    ...cli,
    stop: async (signal) => {
      stopped = true
      return cli.stop(signal)
    },
  }
}

async function admin(gw: RunningCli, method: string, path: string, body?: object) {
  const r = await fetch(`${gw.url}${path}`, {
    method,
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  })
  const json = (await r.json()) as { code: number; message: string; data?: unknown }
  return { status: r.status, json }
}

async function register(gw: RunningCli, id: string, port: number) {
  const r = await admin(gw, 'POST', '/gateway/api/discovery/register', {
    service_id: id,
    service_name: 'orders',
    address: '127.0.0.1',
    port,
  })
  assert.equal(r.status, 200, JSON.stringify(r.json))
}

async function putProgram(gw: RunningCli, name: string, source: string) {
  const r = await admin(gw, 'PUT', `${M}/program/info`, {
    service_name: 'orders',
    name,
    expr: Buffer.from(source).toString('base64'),
  })
  assert.deepEqual([r.status, r.json], [200, { message: 'success', code: 0 }])
}

const deleteProgram = (gw: RunningCli, name: string) =>
  admin(gw, 'DELETE', `${M}/program/info?service_name=orders&name=${name}`)

function hs256(claims: object): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url')
  const body = `${part({ alg: 'HS256', typ: 'JWT' })}.${part(claims)}`
  return `${body}.${createHmac('sha256', SECRET).update(body).digest('base64url')}`
}

test('terminate_if refuses a request with 403 and its reason; headers reach the upstream and the client', async (t) => {
  const up = await instance(t)
  const gw = await gateway(t, 21010, await tempDir(t))
  await register(gw, 'orders-a', up.port)
  assert.equal((await fetch(`${gw.url}/orders/x`)).status, 200)

  await putProgram(gw, 'token', 'terminate_if(request.Header.Get("X-Token") == "", "token required")')
  const refused = await fetch(`${gw.url}/orders/x`)
  assert.equal(refused.status, 403)
  assert.equal(refused.headers.get('content-type'), 'application/problem+json')
  const problem = (await refused.json()) as Record<string, unknown>
  assert.equal(problem.type, 'https://sallyport.dev/problems/program-refused')
  assert.equal(problem.detail, 'token required')
  assert.equal(problem.program, 'token')
  assert.equal(problem.service, 'orders')
  const before = up.seen.length
  assert.equal((await fetch(`${gw.url}/orders/x`, { headers: { 'x-token': 't' } })).status, 200)
  assert.equal(up.seen.length, before + 1, 'the refused request never reached the upstream')

  await putProgram(
    gw,
    'headers',
    [
      'request.Header.Set("X-Instance", upstream.Id + " " + upstream.Host)',
      'request.Header.Add("X-Token", "more"); request.Header.Del("X-Drop")',
      'response.Header.Set("X-Program", "ran " + request.Method); response.Header.Add("X-Program", "again")',
      'response.Header.Set("Content-Type", "application/x-by-program")',
    ].join(';\n'),
  )
  const passed = await fetch(`${gw.url}/orders/x`, { headers: { 'x-token': 't', 'x-drop': 'gone' } })
  assert.equal(passed.status, 200)
  assert.equal(passed.headers.get('x-program'), 'ran GET, again')
  // Set replaces the upstream's own field.
  assert.equal(passed.headers.get('content-type'), 'application/x-by-program')
  const upstreamSaw = (await passed.json()) as Record<string, string>
  assert.match(upstreamSaw['x-instance'] ?? '', / 127\.0\.0\.1$/)
  assert.equal(upstreamSaw['x-token'], 't, more')
  assert.equal(upstreamSaw['x-drop'], undefined)
  const refusedAgain = await fetch(`${gw.url}/orders/x`)
  assert.equal(refusedAgain.status, 403)

  const info = await admin(gw, 'GET', `${M}/program/info?service_name=orders`)
  const token = (info.json.data as Record<string, Record<string, unknown>[]>).orders?.find(
    (p) => p.name === 'token',
  )
  assert.deepEqual(
    { runs: token?.runs, refusals: token?.refusals, errors: token?.errors },
    { runs: 4, refusals: 2, errors: 0 },
  )

  // The request inspector tells who answered.
  const recorded = await fetch(`${gw.url}/gateway/api/requests?outcome=program-refused`)
  const records = (await recorded.json()) as { status: number; outcome: string }[]
  assert.deepEqual(
    records.map((r) => [r.status, r.outcome]),
    [
      [403, 'program-refused'],
      [403, 'program-refused'],
    ],
  )

  // Deleted, the program no longer runs.
  assert.equal((await deleteProgram(gw, 'token')).status, 200)
  assert.equal((await fetch(`${gw.url}/orders/x`)).status, 200)
})

test('jwt().MustSuccess() verifies with dialects.serviceManagement.jwt; Claims are readable', async (t) => {
  const up = await instance(t)
  const gw = await gateway(t, 21011, await tempDir(t))
  await register(gw, 'orders-a', up.port)
  await putProgram(gw, 'auth', 'jwt().MustSuccess(); jwt().Claims.sub == "alice"')
  const missing = await fetch(`${gw.url}/orders/x`)
  assert.equal(missing.status, 403)
  assert.equal(((await missing.json()) as { detail: string }).detail, 'invalid token: missing bearer token')
  const forged = await fetch(`${gw.url}/orders/x`, {
    headers: { authorization: `Bearer ${hs256({ sub: 'alice' }).slice(0, -2)}xx` },
  })
  assert.equal(forged.status, 403)
  const bob = await fetch(`${gw.url}/orders/x`, {
    headers: { authorization: `Bearer ${hs256({ sub: 'bob' })}` },
  })
  assert.equal(bob.status, 403)
  assert.equal(
    ((await bob.json()) as { detail: string }).detail,
    'statement 2 is false: jwt().Claims.sub == "alice"',
  )
  const alice = hs256({ sub: 'alice', exp: Math.floor(Date.now() / 1000) + 600 })
  for (let i = 0; i < 2; i++) {
    // the second time from the verified-token cache
    const ok = await fetch(`${gw.url}/orders/x`, { headers: { authorization: `Bearer ${alice}` } })
    assert.equal(ok.status, 200)
  }
})

test('a looping program is cut off at its step budget: 500 program-failed, the upstream untouched', async (t) => {
  const up = await instance(t)
  const gw = await gateway(t, 21012, await tempDir(t))
  await register(gw, 'orders-a', up.port)
  const before = up.seen.length
  await putProgram(gw, 'loop', 'len(1..100000000) > 0')
  const r = await fetch(`${gw.url}/orders/x`)
  assert.equal(r.status, 500)
  const problem = (await r.json()) as Record<string, unknown>
  assert.equal(problem.type, 'https://sallyport.dev/problems/program-failed')
  assert.equal(
    problem.detail,
    'program loop of service orders failed: program exceeded its budget of 10000 steps',
  )
  assert.equal(up.seen.length, before)
  const info = await admin(gw, 'GET', `${M}/program/info?service_name=orders`)
  const loop = (info.json.data as Record<string, Record<string, unknown>[]>).orders?.[0]
  assert.deepEqual([loop?.runs, loop?.errors], [1, 1])
  // The gateway told its log why.
  assert.match(
    gw.output(),
    /program loop of service orders: failed: program exceeded its budget of 10000 steps/,
  )
})

test('set_global counts each request once, retries included, and the count survives a restart', async (t) => {
  const dataDir = await tempDir(t)
  const good = await instance(t)
  const bad = await instance(t, 502)
  let gw = await gateway(t, 21013, dataDir)
  await register(gw, 'orders-good', good.port)
  await register(gw, 'orders-bad', bad.port)
  await putProgram(
    gw,
    'count',
    'set_global("runs", (global.runs ?? 0) + 1); logger.Infof("run %v", global.runs)',
  )
  for (let i = 0; i < 6; i++) {
    const r = await fetch(`${gw.url}/orders/x`)
    assert.equal(r.status, 200, await r.text())
  }
  assert.ok(bad.seen.length > 0, 'some requests went to the failing instance first and were retried')
  const live = await admin(gw, 'GET', `${M}/program/variable`)
  assert.deepEqual(live.json.data, { runs: 6 })
  assert.match(gw.output(), /program count of service orders: run 6/)

  assert.equal(await gw.stop(), 0)
  gw = await gateway(t, 21014, dataDir)
  const restored = await admin(gw, 'GET', `${M}/program/variable`)
  assert.deepEqual(restored.json.data, { runs: 6 })
  // The restored pushed instances and program run on: the count goes on from where it was.
  await fetch(`${gw.url}/orders/x`)
  assert.deepEqual((await admin(gw, 'GET', `${M}/program/variable`)).json.data, { runs: 7 })
  // An admin write is what programs read next.
  assert.equal((await admin(gw, 'PUT', `${M}/program/variable`, { key: 'runs', value: 100 })).status, 200)
  await fetch(`${gw.url}/orders/x`)
  assert.deepEqual((await admin(gw, 'GET', `${M}/program/variable`)).json.data, { runs: 101 })
})

test('a program that does not parse is refused on PUT with its position', async (t) => {
  const gw = await gateway(t, 21015, await tempDir(t))
  const r = await admin(gw, 'PUT', `${M}/program/info`, {
    service_name: 'orders',
    name: 'broken',
    expr: Buffer.from('request.Header.Get("X"').toString('base64'),
  })
  assert.equal(r.status, 400)
  assert.match(r.json.message, /line 1, column 23/)
})

test('a route with programs is not cached: a cached answer would skip a program that guards it', async (t) => {
  const up = await instance(t)
  const guard = 'terminate_if(request.Header.Get("X-Token") == "", "token required")'
  const gw = await gateway(t, 21016, await tempDir(t), [
    {
      path: '/cached/*',
      targets: [{ url: `http://127.0.0.1:${up.port}` }],
      cache: { ttl: '60s' },
      programs: [{ name: 'guard', source: guard }],
    },
  ])
  assert.equal((await fetch(`${gw.url}/cached/x`, { headers: { 'x-token': 't' } })).status, 200)
  const second = await fetch(`${gw.url}/cached/x`)
  assert.equal(second.status, 403)
  assert.equal(((await second.json()) as { detail: string }).detail, 'token required')
})
