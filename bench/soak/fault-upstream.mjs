// Upstreams that misbehave on purpose, one process, loopback only. Env PORT (HTTP) and GARBAGE_PORT (raw TCP).
//   /flaky*    the first attempt of every 4th request (x-soak-id) answers 503, its retry 200
//   /reset*    200 with content-length 1000, sends 100 bytes, then resets the connection
//   /hang*     reads the request and never answers (the socket is dropped after 20 s)
//   /trickle*  200 with 10 chunks of 100 bytes, one every 30 ms
//   /burst*    answers the status asked for in x-want-status with body "upstream said N"
//   other      200 "ok"
//   GARBAGE_PORT: answers any bytes with a line that is not HTTP, then closes
import http from 'node:http'
import net from 'node:net'

const failedOnce = new Set()
const server = http.createServer((req, res) => {
  req.resume()
  const url = req.url ?? '/'
  if (url.startsWith('/flaky')) {
    // the first attempt of every 4th request (by x-soak-id) fails; the retry of it succeeds
    const id = Number(req.headers['x-soak-id'])
    const first = !failedOnce.has(id)
    if (id % 4 === 0 && first) {
      failedOnce.add(id)
      // only the latest ids are remembered (insertion order): a retry comes within milliseconds
      if (failedOnce.size > 100_000) failedOnce.delete(failedOnce.values().next().value)
      res.writeHead(503, { 'content-type': 'text/plain' })
      return res.end('flaky 503')
    }
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '100' })
    return res.end('f'.repeat(100))
  }
  if (url.startsWith('/reset')) {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '1000' })
    res.write('r'.repeat(100))
    return setTimeout(() => res.socket?.resetAndDestroy(), 20)
  }
  if (url.startsWith('/hang')) {
    const t = setTimeout(() => res.socket?.destroy(), 20_000)
    res.on('close', () => clearTimeout(t))
    return
  }
  if (url.startsWith('/trickle')) {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '1000' })
    let n = 0
    const t = setInterval(() => {
      res.write('t'.repeat(100))
      if (++n === 10) {
        clearInterval(t)
        res.end()
      }
    }, 30)
    res.on('close', () => clearInterval(t))
    return
  }
  if (url.startsWith('/burst')) {
    const status = Number(req.headers['x-want-status']) || 200
    const body = `upstream said ${status}`
    res.writeHead(status, { 'content-type': 'text/plain', 'content-length': String(body.length) })
    return res.end(body)
  }
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '2' })
  res.end('ok')
})
server.keepAliveTimeout = 60_000
server.listen(Number(process.env.PORT), '127.0.0.1')

const garbage = net.createServer((s) => {
  s.on('error', () => {})
  s.once('data', () => s.end('SSH-2.0-NotHttp\r\n\u0000\u0001\u0002 garbage\r\n\r\n'))
})
garbage.listen(Number(process.env.GARBAGE_PORT), '127.0.0.1')
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(0))
