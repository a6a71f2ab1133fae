// The numbers the dashboard shows, from a real listening gateway and real loopback upstreams: one
// window for avg and percentiles, errors by class, WebSocket routes counted as used, the 1/5/15-minute
// windows of a route, and the gateway's own hour of 10 s history.
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { test } from 'node:test'
import { WebSocket, WebSocketServer } from 'ws'
import { until } from '../fixtures/gateway.ts'
import { startGateway } from './helpers.ts'

async function startService(t: import('node:test').TestContext): Promise<string> {
  const server = createServer((req, res) => {
    const status = req.url?.startsWith('/err') ? 500 : req.url?.startsWith('/missing') ? 404 : 200
    const delay = req.url?.startsWith('/slow') ? 300 : 0
    setTimeout(() => res.writeHead(status, { 'content-type': 'text/plain' }).end('ok'), delay)
  })
  const wss = new WebSocketServer({ server })
  wss.on('connection', (ws) => ws.on('message', (m) => ws.send(m)))
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok))
  t.after(() => {
    for (const c of wss.clients) c.terminate()
    return new Promise<void>((ok) => server.close(() => ok()))
  })
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

test('stats: one window for avg and percentiles, errors by class, WS use, route windows, history', async (t) => {
  const up = await startService(t)
  const gw = await startGateway(
    t,
    {
      routes: [
        { path: '/svc', targets: [{ url: up }], stripPrefix: true },
        { path: '/chat', protocol: 'websocket', targets: [{ url: up }] },
        // Nothing listens on port 9: the gateway answers 502 itself.
        { path: '/dead', targets: [{ url: 'http://127.0.0.1:9' }], circuitBreaker: { enabled: false } },
      ],
    },
    { listen: true },
  )
  const base = gw.url as string
  // The dashboard's stream: it must bring the history points as they are made.
  const historyMessages: { total: { requests: number } }[] = []
  const stream = new WebSocket(`${base.replace('http', 'ws')}/gateway/ws`, { origin: base })
  stream.on('message', (raw) => {
    const m = JSON.parse(String(raw)) as { type: string; data: { total: { requests: number } } }
    if (m.type === 'history') historyMessages.push(m.data)
  })
  t.after(() => stream.terminate())
  const get = async <T>(path: string): Promise<{ status: number; body: T }> => {
    const res = await fetch(`${base}/gateway/api${path}`)
    return { status: res.status, body: (await res.json()) as T }
  }
  for (let i = 0; i < 20; i++) await (await fetch(`${base}/svc/fast`)).text()
  for (let i = 0; i < 2; i++) await (await fetch(`${base}/svc/slow`)).text()
  for (let i = 0; i < 3; i++) await (await fetch(`${base}/svc/err`)).text()
  for (let i = 0; i < 2; i++) await (await fetch(`${base}/svc/missing`)).text()
  assert.equal((await fetch(`${base}/dead/x`)).status, 502)
  for (let i = 0; i < 3; i++) {
    const ws = new WebSocket(`${base.replace('http', 'ws')}/chat`)
    await new Promise((ok, fail) => ws.once('open', ok).once('error', fail))
    ws.send('hi')
    await new Promise((ok) => ws.once('message', ok))
    ws.close()
  }

  type Stats = Record<string, number>
  const { body: stats } = await get<Stats>('/stats')
  assert.equal(stats.windowS, 60)
  assert.equal(stats.windowRequests, 20 + 2 + 3 + 2 + 1 + 3)
  assert.ok((stats.p99LatencyMs as number) >= (stats.p50LatencyMs as number))
  assert.ok((stats.p99LatencyMs as number) >= (stats.avgLatencyMs as number), 'p99 below avg')
  assert.ok(
    (stats.p99LatencyMs as number) >= 250,
    `two 300 ms calls of 31 make p99 slow: ${stats.p99LatencyMs}`,
  )
  assert.equal(stats.errors4xx, 2)
  assert.equal(stats.errors5xx, 4)
  assert.equal(stats.gatewayErrors, 1, 'the 502 for the dead target')
  assert.equal(stats.healthyUpstreams, stats.totalUpstreams, 'passive health needs more than one failure')

  const { body: perRoute } = await get<Record<string, Record<string, unknown>>>('/stats/routes')
  const chat = perRoute['config-/chat'] as Record<string, unknown>
  assert.equal(chat.totalRequests, 3)
  assert.notEqual(chat.lastRequestAt, null, 'a WebSocket route used three times was used')
  const svc = perRoute['config-/svc'] as Record<string, number>
  assert.deepEqual([svc.errors4xx, svc.errors5xx, svc.gatewayErrors], [2, 3, 0])
  assert.equal(svc.validationFailures, 0)

  type Window = { requests: number; p50Ms: number | null; p90Ms: number | null; p99Ms: number | null }
  const detail = await get<{
    windows: Record<string, Window>
    histogram: { '15m': { upToMs: number | null; count: number }[] }
    routeId: string
  }>('/stats/routes/config-/svc')
  assert.equal(detail.status, 200)
  assert.equal(detail.body.routeId, 'config-/svc')
  for (const key of ['1m', '5m', '15m']) {
    const w = detail.body.windows[key] as Window
    assert.equal(w.requests, 27, key)
    assert.ok((w.p50Ms as number) <= (w.p90Ms as number) && (w.p90Ms as number) <= (w.p99Ms as number), key)
  }
  const buckets = detail.body.histogram['15m']
  assert.equal(
    buckets.reduce((n, b) => n + b.count, 0),
    27,
  )
  assert.equal(buckets.at(-1)?.upToMs, null)
  assert.equal((await get('/stats/routes/config-%2Fsvc')).status, 200, 'an encoded id works too')
  const idle = await get<{ windows: Record<string, Window> }>('/stats/routes/config-/dead')
  assert.equal(idle.body.windows['15m']?.requests, 1)
  const missing = await get<{ error: string }>('/stats/routes/config-/nope')
  assert.equal(missing.status, 404)
  assert.equal(missing.body.error, 'route not found')
  assert.equal((await get('/stats/history?route=config-/nope')).status, 404)

  // The first 10 s bucket closes within 10 s; its point carries every request above.
  type History = { intervalS: number; windowS: number; points: { t: string; requests: number }[] }
  let history: History | undefined
  await until(async () => {
    history = (await get<History>('/stats/history')).body
    return history.points.reduce((n, p) => n + p.requests, 0) >= 31
  }, 25_000)
  await until(() => historyMessages.reduce((n, m) => n + m.total.requests, 0) >= 31, 12_000)
  assert.equal(history?.intervalS, 10)
  assert.equal(history?.windowS, 3600)
  const t0 = Date.parse(history?.points[0]?.t as string)
  assert.equal(t0 % 10_000, 0, 't is the start of a 10 s bucket')
  const svcHistory = (await get<History>('/stats/history?route=config-/svc')).body
  assert.equal(
    svcHistory.points.reduce((n, p) => n + p.requests, 0),
    27,
  )
  const all = (await get<{ routes: Record<string, unknown[]> }>('/stats/history/routes')).body
  assert.deepEqual(Object.keys(all.routes).sort(), ['config-/chat', 'config-/dead', 'config-/svc'])
})

test('stats: a client that closes an event stream is no error; a no-route 404 is a gateway-made 4xx in the window', async (t) => {
  const events = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    res.write('data: hello\n\n')
    // A heartbeat, as event streams have: the gateway's next write finds the client gone.
    const beat = setInterval(() => res.write(': beat\n\n'), 100)
    res.on('close', () => clearInterval(beat))
  })
  await new Promise<void>((ok) => events.listen(0, '127.0.0.1', ok))
  t.after(() => {
    events.closeAllConnections()
    return new Promise<void>((ok) => events.close(() => ok()))
  })
  const up = `http://127.0.0.1:${(events.address() as AddressInfo).port}`
  const gw = await startGateway(
    t,
    { routes: [{ path: '/events', targets: [{ url: up }] }] },
    { listen: true },
  )
  const base = gw.url as string
  for (let i = 0; i < 3; i++) {
    const ac = new AbortController()
    const res = await fetch(`${base}/events`, { signal: ac.signal })
    const reader = (res.body as ReadableStream<Uint8Array>).getReader()
    await reader.read()
    ac.abort()
    await reader.closed.catch(() => {})
  }
  assert.equal((await fetch(`${base}/nowhere`)).status, 404)
  type Stats = Record<string, number>
  const read = async () => (await (await fetch(`${base}/gateway/api/stats`)).json()) as Stats
  // The gateway hears each hang-up a moment after the client makes it.
  await until(async () => (await read()).activeSseConns === 0, 5000)
  const stats = await read()
  assert.equal(stats.totalErrors, 0, 'closing an event stream is the client ending it, not a failure')
  assert.equal(stats.errors5xx, 0)
  assert.equal(stats.windowRequests, 4, 'three streams and the 404')
  assert.equal(stats.errors4xx, 1)
  assert.equal(stats.windowErrors4xx, 1)
  assert.equal(stats.gatewayErrors, 1, 'the 404 no route answered')
  const routes = (await (await fetch(`${base}/gateway/api/stats/routes`)).json()) as Record<string, Stats>
  const route = Object.values(routes).find((r) => (r as unknown as { path: string }).path === '/events')
  assert.equal(route?.totalRequests, 3)
  assert.equal(route?.totalErrors, 0)
  const [target] = (await (await fetch(`${base}/gateway/api/upstreams`)).json()) as Stats[]
  assert.equal(target?.totalErrors, 0, "the target's errors do not count the client's hang-ups either")
})
