// A stand-in with Sallyport's CLI and config shape, for testing the bench itself before the gateway
// exists (`npm run bench -- --gateway standin`). NOT a reference implementation: a linear route scan,
// undici Pool per origin, a raw TCP tunnel for WebSocket upgrades, hot reload on config file change.
import fs from 'node:fs'
import http from 'node:http'
import net from 'node:net'
import path from 'node:path'
import { Pool } from 'undici'
import YAML from 'yaml'

const args = process.argv.slice(2)
const flag = (name, dflt) => {
  const i = args.indexOf(name)
  return i >= 0 ? args[i + 1] : dflt
}
const configFile = flag('--config')
const port = Number(flag('--port', 8080))
const host = flag('--host', '127.0.0.1')
const HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
])
const pools = new Map()
let table = []

function compile(text) {
  const cfg = YAML.parse(text) || {}
  return (cfg.routes || []).map((r) => {
    const type = r.pathType || 'prefix'
    const re = type === 'regex' ? new RegExp(r.path) : null
    const base = r.path.replace(/\/\*$/, '').replace(/\/$/, '')
    const match =
      type === 'exact'
        ? (p) => p === r.path
        : type === 'regex'
          ? (p) => re.test(p)
          : (p) => base === '' || p === base || p.startsWith(base + '/')
    const origin = new URL(r.targets[0].url).origin
    return { match, origin, specificity: type === 'exact' ? 1e9 : base.length }
  })
}
function load() {
  try {
    const t = compile(fs.readFileSync(configFile, 'utf8'))
    t.sort((a, b) => b.specificity - a.specificity)
    table = t
  } catch (e) {
    console.error(`config not applied: ${e.message}`)
  }
}
function pool(origin) {
  let p = pools.get(origin)
  if (!p) {
    p = new Pool(origin, { connections: 128, pipelining: 1, keepAliveTimeout: 60_000 })
    pools.set(origin, p)
  }
  return p
}
function route(url) {
  const q = url.indexOf('?')
  const p = q < 0 ? url : url.slice(0, q)
  for (const r of table) if (r.match(p)) return r
  return null
}

const server = http.createServer((req, res) => {
  const r = route(req.url)
  if (!r) {
    res.writeHead(404)
    res.end()
    return
  }
  const headers = {}
  for (const k in req.headers) if (!HOP.has(k) && k !== 'host') headers[k] = req.headers[k]
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD'
  pool(r.origin).stream(
    { path: req.url, method: req.method, headers, body: hasBody ? req : null },
    ({ statusCode, headers: h }) => {
      const out = {}
      for (const k in h) if (!HOP.has(k)) out[k] = h[k]
      res.writeHead(statusCode, out)
      if (String(h['content-type']).startsWith('text/event-stream')) res.flushHeaders()
      return res
    },
    (err) => {
      if (!err) return
      if (!res.headersSent) {
        res.writeHead(502)
        res.end()
      } else res.destroy(err)
    },
  )
})
server.on('upgrade', (req, socket, head) => {
  const r = route(req.url)
  if (!r) return socket.destroy()
  const u = new URL(r.origin)
  const up = net.connect(Number(u.port), u.hostname, () => {
    let h = `${req.method} ${req.url} HTTP/1.1\r\n`
    for (let i = 0; i < req.rawHeaders.length; i += 2)
      h += `${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}\r\n`
    up.write(h + '\r\n')
    if (head.length) up.write(head)
    up.pipe(socket).pipe(up)
  })
  up.on('error', () => socket.destroy())
  socket.on('error', () => up.destroy())
})
server.keepAliveTimeout = 120_000
server.headersTimeout = 125_000
load()
let timer = null
// watch the directory: an atomic rename replaces the file's inode and would end a watch on the file
fs.watch(path.dirname(configFile), (_ev, name) => {
  if (name !== path.basename(configFile)) return
  clearTimeout(timer)
  timer = setTimeout(load, 10)
})
server.listen(port, host, () => console.log(`stand-in gateway on http://${host}:${port}`))
for (const s of ['SIGTERM', 'SIGINT']) process.on(s, () => process.exit(0))
