import assert from 'node:assert/strict'
import { once } from 'node:events'
import { request } from 'node:http'
import { after, before, describe, test } from 'node:test'
import { WebSocket, WebSocketServer } from 'ws'
import { startGateway, startUpstream, type Upstream } from './helpers.ts'

describe('websocket and SSE pass-through', () => {
  let wsUp: Upstream
  let sse: Upstream
  let denied: Upstream
  let gw: Awaited<ReturnType<typeof startGateway>>
  before(async () => {
    wsUp = await startUpstream('ws')
    const wss = new WebSocketServer({ server: wsUp.server })
    wss.on('connection', (ws, req) => ws.on('message', (m) => ws.send(`echo:${req.url}:${m.toString()}`)))
    denied = await startUpstream('denied')
    denied.server.on('upgrade', (_req, socket) => {
      socket.end(
        'HTTP/1.1 401 Unauthorized\r\ncontent-type: text/plain\r\nx-reason: no-token\r\ncontent-length: 9\r\n\r\nno token!',
      )
    })
    sse = await startUpstream('sse', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
      res.flushHeaders() // the head arrives at once; events then take longer than the route's timeout
      let n = 0
      const timer = setInterval(() => {
        res.write(`data: tick ${++n}\n\n`)
        if (n === 3) {
          clearInterval(timer)
          res.end()
        }
      }, 150)
    })
    gw = await startGateway({
      routes: [
        { path: '/ws/*', stripPrefix: true, protocol: 'websocket', targets: [{ url: wsUp.url }] },
        { path: '/denied', protocol: 'websocket', targets: [{ url: denied.url }] },
        { path: '/events', protocol: 'sse', timeout: '100ms', targets: [{ url: sse.url }] },
      ],
    })
  })
  after(async () => {
    await gw.close()
    await Promise.all([wsUp.close(), sse.close(), denied.close()])
  })

  test('WebSocket messages are tunnelled both ways', async () => {
    const ws = new WebSocket(`${gw.base.replace('http', 'ws')}/ws/chat`)
    await once(ws, 'open')
    ws.send('hello')
    const [msg] = await once(ws, 'message')
    assert.equal(String(msg), 'echo:/chat:hello')
    ws.close()
  })

  test('a non-101 upstream answer reaches the client as it came', async () => {
    const ws = new WebSocket(`${gw.base.replace('http', 'ws')}/denied`)
    ws.on('error', () => {})
    const [, res] = await once(ws, 'unexpected-response')
    assert.equal(res.statusCode, 401)
    assert.equal(res.headers['x-reason'], 'no-token')
    ws.terminate()
  })

  test('SSE events arrive one by one, unbuffered, with no body timeout', async () => {
    const arrivals: number[] = []
    const started = Date.now()
    await new Promise<void>((resolve, reject) => {
      request(`${gw.base}/events`, (res) => {
        assert.equal(res.headers['content-type'], 'text/event-stream')
        res.on('data', () => arrivals.push(Date.now() - started))
        res.on('end', resolve)
      })
        .on('error', reject)
        .end()
    })
    // Three separate chunks that arrive over time (the route timeout of 100 ms bounds only the headers).
    assert.ok(arrivals.length >= 3, `chunks: ${arrivals.length}`)
    assert.ok((arrivals.at(-1) ?? 0) - (arrivals[0] ?? 0) >= 200, `spread ${arrivals.join(',')}`)
  })
})
