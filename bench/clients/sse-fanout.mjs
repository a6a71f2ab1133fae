// Bounded SSE fan-out: CLIENTS concurrent EventSource-style GETs for SECONDS; counts events and their
// delivery latency (the upstream stamps each event with its send time). Prints one JSON line.
// Usage: node sse-fanout.mjs PORT PATH CLIENTS SECONDS
import http from 'node:http'

const [portArg, p = '/sse', clientsArg = '200', secondsArg = '5'] = process.argv.slice(2)
const CLIENTS = Number(clientsArg)
const reqs = []
const lat = []
let connected = 0
let events = 0
let errors = 0
let firstN = Number.POSITIVE_INFINITY
let lastN = 0
const now = () => performance.timeOrigin + performance.now()
const countFrom = now() + 1000

for (let i = 0; i < CLIENTS; i++) {
  const req = http.get({ host: '127.0.0.1', port: Number(portArg), path: p, agent: false }, (res) => {
    if (res.statusCode !== 200) {
      errors++
      res.resume()
      return
    }
    connected++
    res.setEncoding('utf8')
    let buf = ''
    res.on('data', (chunk) => {
      buf += chunk
      let k = buf.indexOf('\n\n')
      while (k >= 0) {
        const ev = buf.slice(0, k)
        buf = buf.slice(k + 2)
        const m = ev.match(/^data: (.*)$/m)
        if (m) {
          const d = JSON.parse(m[1])
          // the first second is connection set-up: count only events sent after it
          if (d.t < countFrom) {
            k = buf.indexOf('\n\n')
            continue
          }
          events++
          if (d.n < firstN) firstN = d.n
          if (d.n > lastN) lastN = d.n
          if (lat.length < 2_000_000) lat.push(now() - d.t)
        }
        k = buf.indexOf('\n\n')
      }
    })
    res.on('error', () => {})
  })
  req.on('error', () => {
    errors++
  })
  reqs.push(req)
}
const t0 = performance.now()
setTimeout(() => {
  const seconds = (performance.now() - t0) / 1000 - 1
  for (const r of reqs) r.destroy()
  lat.sort((a, b) => a - b)
  const q = (x) => (lat.length ? lat[Math.min(lat.length - 1, Math.floor(x * lat.length))] : null)
  // expected = every connected client sees every tick the upstream sent while the run lasted
  const ticks = Number.isFinite(firstN) ? lastN - firstN + 1 : 0
  console.log(
    JSON.stringify({
      clients: CLIENTS,
      connected,
      errors,
      events,
      ticks,
      expected: ticks * connected,
      seconds,
      eventsPerSec: events / seconds,
      p50: q(0.5),
      p99: q(0.99),
    }),
  )
  process.exit(0)
}, Number(secondsArg) * 1000)
