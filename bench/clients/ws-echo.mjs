// Bounded WebSocket echo load: CONNS connections, each keeping WINDOW messages of SIZE bytes in flight,
// for SECONDS or MAX messages in total, whichever comes first. Prints one JSON line.
// Usage: node ws-echo.mjs URL CONNS WINDOW SIZE SECONDS MAX
import WebSocket from 'ws'

const [url, conns = '20', windowArg = '8', sizeArg = '64', secondsArg = '5', maxArg = '2000000'] =
  process.argv.slice(2)
const CONNS = Number(conns)
const WINDOW = Number(windowArg)
const MAX = Number(maxArg)
const payload = Buffer.alloc(Number(sizeArg), 97)
const lat = []
let sent = 0
let received = 0
let errors = 0
let opened = 0
let stopping = false
let tStart = 0
let lastError = ''
let failedOpen = 0
const sockets = []

function finish() {
  if (stopping) return
  stopping = true
  const seconds = tStart ? (performance.now() - tStart) / 1000 : 0
  for (const s of sockets) s.terminate()
  lat.sort((a, b) => a - b)
  const q = (p) => (lat.length ? lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] : null)
  console.log(
    JSON.stringify({
      conns: CONNS,
      opened,
      sent,
      received,
      errors,
      lastError,
      seconds,
      msgsPerSec: seconds ? received / seconds : 0,
      p50: q(0.5),
      p99: q(0.99),
    }),
  )
  process.exit(0)
}

function startLoad() {
  tStart = performance.now()
  for (const ws of sockets) for (let i = 0; i < WINDOW; i++) send(ws)
  setTimeout(finish, Number(secondsArg) * 1000)
}
function send(ws) {
  if (stopping || sent >= MAX) return
  sent++
  ws.q.push(performance.now())
  ws.send(payload)
}

for (let i = 0; i < CONNS; i++) {
  const ws = new WebSocket(url, { perMessageDeflate: false })
  ws.q = []
  sockets.push(ws)
  ws.on('open', () => {
    opened++
    if (opened === CONNS) startLoad()
  })
  ws.on('message', () => {
    received++
    const t0 = ws.q.shift()
    if (t0 !== undefined && lat.length < 2_000_000) lat.push(performance.now() - t0)
    if (received >= MAX) finish()
    else send(ws)
  })
  ws.on('unexpected-response', (_req, res) => {
    errors++
    lastError = `upgrade answered ${res.statusCode} ${res.headers['content-type'] || ''} instead of 101`
    res.resume()
    ws.terminate()
    if (++failedOpen + opened === CONNS) finish()
  })
  ws.on('error', (e) => {
    errors++
    lastError = e.message
    if (!tStart && ++failedOpen + opened === CONNS) finish()
  })
}
// never hang: give up 10 s after the planned end
setTimeout(
  () => {
    if (!tStart) tStart = performance.now()
    finish()
  },
  (Number(secondsArg) + 10) * 1000,
)
