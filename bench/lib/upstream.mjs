// Upstream for the extra scenarios (node:http + ws), one process:
//   GET  /small, /64k        fixed bodies (same bytes as the shared harness)
//   POST any path            reads the whole body, answers {"bytes":N}
//   GET  /sse                text/event-stream; one shared ticker writes an event to every client each TICK_MS
//   WS   any path            echo
//   MARKER=1                 every GET answers "marker" (tells a newly swapped-in route from the catch-all)
// Env: PORT, TICK_MS (default 20). Listens on 127.0.0.1 only.
import http from 'node:http'
import { WebSocketServer } from 'ws'

const port = Number(process.env.PORT || 9300)
const tickMs = Number(process.env.TICK_MS || 20)
const marker = process.env.MARKER === '1'
const base = '{"id":12345,"name":"gateway-bench","ok":true,"items":[1,2,3,4,5],"msg":"hello from upstream"'
const SMALL = Buffer.from((base + ',"p":"' + 'x'.repeat(100 - base.length - 8) + '"}').slice(0, 100))
const BIG = Buffer.from('{"blob":"' + 'a'.repeat(65536 - 11) + '"}')
const json = (n) => ({ 'content-type': 'application/json', 'content-length': String(n) })

const sse = new Set()
let seq = 0
const ticker = setInterval(() => {
  if (!sse.size) return
  seq++
  const t = performance.timeOrigin + performance.now()
  const chunk = `id: ${seq}\ndata: {"n":${seq},"t":${t.toFixed(3)}}\n\n`
  for (const res of sse) res.write(chunk)
}, tickMs)
ticker.unref()

const server = http.createServer((req, res) => {
  if (req.method === 'POST' || req.method === 'PUT') {
    let n = 0
    req.on('data', (c) => {
      n += c.length
    })
    req.on('end', () => {
      const b = Buffer.from(`{"bytes":${n}}`)
      res.writeHead(200, json(b.length))
      res.end(b)
    })
    return
  }
  if (marker) {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '6' })
    res.end('marker')
    return
  }
  if (req.url === '/64k') {
    res.writeHead(200, json(BIG.length))
    res.end(BIG)
    return
  }
  if (req.url.startsWith('/sse')) {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
    res.flushHeaders()
    res.write(': open\n\n')
    sse.add(res)
    res.on('close', () => sse.delete(res))
    return
  }
  res.writeHead(200, json(SMALL.length))
  res.end(SMALL)
})
const wss = new WebSocketServer({ server, perMessageDeflate: false })
wss.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }))
})
server.keepAliveTimeout = 120_000
server.headersTimeout = 125_000
server.requestTimeout = 0
server.listen(port, '127.0.0.1')
for (const s of ['SIGTERM', 'SIGINT']) process.on(s, () => process.exit(0))
