// The soak's client: CONNS keep-alive connections sending a mix of plain and policy-route requests,
// either as fast as answers come (RATE 0: capacity) or paced at RATE requests/s, for SECONDS; plus WS
// WebSocket and SSE clients held open the whole time. Every answer is judged against what the route is
// meant to answer; the first unexpected ones are kept. Prints one JSON line. Loopback only.
// Usage: node mixed-load.mjs '{"port":…,"conns":50,"rate":0,"seconds":5,"ws":0,"sse":0,"jwtSecret":"…"}'
import http from 'node:http'
import { SignJWT } from 'jose'
import WebSocket from 'ws'

const o = JSON.parse(process.argv[2])
const HOST = '127.0.0.1'
const agent = new http.Agent({ keepAlive: true, maxSockets: o.conns, maxFreeSockets: o.conns })
const token = await new SignJWT({ sub: 'soak' })
  .setProtectedHeader({ alg: 'HS256' })
  .setExpirationTime('2h')
  .sign(new TextEncoder().encode(o.jwtSecret))

// [weight, name, request, judge(status, headers, body) -> true when this answer is what the route means]
const MIX = [
  [40, 'plain', () => ({ path: '/plain/x' }), (s, _h, b) => s === 200 && b.length === 100],
  [10, 'rate-limit', () => ({ path: '/rl/x' }), (s) => s === 200 || s === 429],
  [15, 'cache', () => ({ path: '/cache/x' }), (s, _h, b) => s === 200 && b.length === 100],
  [13, 'jwt', () => ({ path: '/jwt/x', headers: { authorization: `Bearer ${token}` } }), (s) => s === 200],
  [2, 'jwt-missing', () => ({ path: '/jwt/x' }), (s) => s === 401],
  [10, 'retry', () => ({ path: '/flaky/x', headers: { 'x-soak-id': String(sent) } }), (s) => s === 200],
  [
    8,
    'cors',
    () => ({ path: '/cors/x', headers: { origin: 'http://app.test' } }),
    (s, h) => s === 200 && h['access-control-allow-origin'] !== undefined,
  ],
  [
    2,
    'cors-preflight',
    () => ({
      path: '/cors/x',
      method: 'OPTIONS',
      headers: { origin: 'http://app.test', 'access-control-request-method': 'PUT' },
    }),
    (s, h) => s < 300 && h['access-control-allow-origin'] !== undefined,
  ],
]
const TOTAL = MIX.reduce((a, m) => a + m[0], 0)
let pick = 0
function next() {
  // deterministic interleaving: the same mix on every run
  pick = (pick + 7919) % TOTAL
  let w = pick
  for (const m of MIX) {
    if (w < m[0]) return m
    w -= m[0]
  }
  return MIX[0]
}

const counts = {}
const unexpected = []
let sent = 0
let done = 0
let inflight = 0
let skipped = 0
const lat = []
function one() {
  const [, name, build, judge] = next()
  const r = build()
  sent++
  inflight++
  const t0 = performance.now()
  return new Promise((resolve) => {
    const finish = (status, headers, body, error) => {
      inflight--
      done++
      if (lat.length < 1_000_000) lat.push(performance.now() - t0)
      const key = `${name} ${status}`
      counts[key] = (counts[key] ?? 0) + 1
      if (error || !judge(status, headers, body)) {
        counts[`${name} unexpected`] = (counts[`${name} unexpected`] ?? 0) + 1
        if (unexpected.length < 20)
          unexpected.push({ route: name, status, error, body: body.toString().slice(0, 200) })
      }
      resolve()
    }
    const req = http.request(
      {
        host: HOST,
        port: o.port,
        agent,
        method: r.method ?? 'GET',
        path: r.path,
        headers: r.headers,
        timeout: 10_000,
      },
      (res) => {
        const parts = []
        res.on('data', (c) => parts.push(c))
        res.on('end', () => finish(res.statusCode, res.headers, Buffer.concat(parts)))
        res.on('error', (e) => finish(res.statusCode, res.headers, Buffer.alloc(0), e.message))
      },
    )
    req.on('timeout', () => req.destroy(new Error('client timeout 10 s')))
    req.on('error', (e) => finish(0, {}, Buffer.alloc(0), e.message))
    req.end()
  })
}

// held-open streams
const streams = {
  wsOpened: 0,
  wsEchoes: 0,
  wsErrors: 0,
  sseOpened: 0,
  sseEvents: 0,
  sseErrors: 0,
  lastError: '',
}
const sockets = []
const sseReqs = []
let stopping = false
for (let i = 0; i < o.ws; i++) {
  const ws = new WebSocket(`ws://${HOST}:${o.port}/ws/echo`, { perMessageDeflate: false })
  sockets.push(ws)
  ws.on('open', () => {
    streams.wsOpened++
    ws.timer = setInterval(() => ws.send('ping'), 1000)
  })
  ws.on('message', () => streams.wsEchoes++)
  ws.on('close', () => {
    clearInterval(ws.timer)
    if (!stopping) {
      streams.wsErrors++
      streams.lastError = 'websocket closed early'
    }
  })
  ws.on('error', (e) => {
    streams.wsErrors++
    streams.lastError = e.message
  })
}
for (let i = 0; i < o.sse; i++) {
  const req = http.get({ host: HOST, port: o.port, path: '/sse/events', agent: false }, (res) => {
    if (res.statusCode !== 200) {
      streams.sseErrors++
      streams.lastError = `sse answered ${res.statusCode}`
      res.resume()
      return
    }
    streams.sseOpened++
    res.setEncoding('utf8')
    res.on('data', (c) => {
      streams.sseEvents += c.split('\n\n').length - 1
    })
    res.on('end', () => {
      if (!stopping) {
        streams.sseErrors++
        streams.lastError = 'sse stream ended early'
      }
    })
  })
  req.on('error', (e) => {
    if (!stopping) {
      streams.sseErrors++
      streams.lastError = e.message
    }
  })
  sseReqs.push(req)
}

const t0 = performance.now()
const end = t0 + o.seconds * 1000
if (o.rate > 0) {
  // paced: a 10 ms tick issues what the rate owes; a request that would exceed CONNS in flight is skipped
  let owed = 0
  await new Promise((resolve) => {
    const tick = setInterval(() => {
      if (performance.now() >= end) {
        clearInterval(tick)
        return resolve()
      }
      owed += o.rate / 100
      while (owed >= 1) {
        owed--
        if (inflight >= o.conns) skipped++
        else one()
      }
    }, 10)
  })
} else {
  const worker = async () => {
    while (performance.now() < end) await one()
  }
  await Promise.all(Array.from({ length: o.conns }, worker))
}
for (let i = 0; i < 200 && inflight > 0; i++) await new Promise((r) => setTimeout(r, 50))
stopping = true
for (const ws of sockets) {
  clearInterval(ws.timer)
  ws.terminate()
}
for (const r of sseReqs) r.destroy()
agent.destroy()
const seconds = (performance.now() - t0) / 1000
lat.sort((a, b) => a - b)
const q = (p) => (lat.length ? lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] : null)
const unexpectedTotal = Object.entries(counts)
  .filter(([k]) => k.endsWith(' unexpected'))
  .reduce((a, [, v]) => a + v, 0)
console.log(
  JSON.stringify({
    sent,
    done,
    skipped,
    seconds,
    rps: done / seconds,
    p50: q(0.5),
    p99: q(0.99),
    counts,
    unexpectedTotal,
    unexpected,
    streams,
  }),
)
process.exit(0)
