import assert from 'node:assert/strict'
import { once } from 'node:events'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import {
  type AddressInfo,
  createServer as createTcpServer,
  type Server as TcpServer,
  type Socket,
} from 'node:net'
import { Readable } from 'node:stream'
import { after, describe, test } from 'node:test'
import { UpstreamPool, type UpstreamPoolOptions } from './pool.ts'
import type { DispatchController, DispatchOptions, ResponseHeaders } from './types.ts'

interface Result {
  status: number
  headers: ResponseHeaders
  body: Buffer
}

function send(pool: UpstreamPool, opts: Partial<DispatchOptions> & { path: string }): Promise<Result> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let status = 0
    let headers: ResponseHeaders = {}
    pool.dispatch(
      { method: 'GET', headers: { host: 'upstream' }, body: null, headersTimeout: 5000, ...opts },
      {
        onResponseStart(_c, s, h) {
          status = s
          headers = h
        },
        onResponseData(_c, chunk) {
          // A view of the connection's read buffer: kept, so copied.
          chunks.push(Buffer.from(chunk))
        },
        onResponseEnd() {
          resolve({ status, headers, body: Buffer.concat(chunks) })
        },
        onResponseError(_c, err) {
          reject(err)
        },
      },
    )
  })
}

const servers: (Server | TcpServer)[] = []
const pools: UpstreamPool[] = []
after(async () => {
  for (const p of pools) p.destroy()
  for (const s of servers) {
    if ('closeAllConnections' in s) s.closeAllConnections()
    s.close()
  }
})

async function httpUpstream(handler: (req: IncomingMessage, res: ServerResponse) => void) {
  const server = createServer({ keepAliveTimeout: 30_000 }, handler)
  const sockets = new Set<Socket>()
  server.on('connection', (s: Socket) => sockets.add(s))
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  servers.push(server)
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, sockets, server }
}

/** A raw TCP upstream: `onRequest` gets each request's bytes and the socket to answer on. */
async function rawUpstream(onRequest: (socket: Socket, n: number) => void) {
  let n = 0
  let connections = 0
  const server = createTcpServer((socket) => {
    connections++
    socket.on('data', () => onRequest(socket, ++n))
    socket.on('error', () => {})
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  servers.push(server)
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    connections: () => connections,
  }
}

function pool(origin: string, opts: UpstreamPoolOptions = {}) {
  const p = new UpstreamPool(origin, opts)
  pools.push(p)
  return p
}

describe('upstream pool', () => {
  test('keeps connections alive and reuses them', async () => {
    const up = await httpUpstream((req, res) => res.end(`you asked ${req.url}`))
    const p = pool(up.origin)
    for (let i = 0; i < 5; i++) {
      const r = await send(p, { path: `/n/${i}` })
      assert.equal(r.status, 200)
      assert.equal(r.body.toString(), `you asked /n/${i}`)
    }
    assert.equal(up.sockets.size, 1)
    assert.deepEqual(p.stats, { connected: 1, free: 1, running: 0, pending: 0 })
  })

  test('concurrent requests open connections up to the cap, the rest wait their turn', async () => {
    let open = 0
    let most = 0
    const up = await httpUpstream((_req, res) => {
      open++
      most = Math.max(most, open)
      setTimeout(() => {
        open--
        res.end('ok')
      }, 20)
    })
    const p = pool(up.origin, { connections: 2 })
    const all = await Promise.all(Array.from({ length: 6 }, (_, i) => send(p, { path: `/${i}` })))
    assert.ok(all.every((r) => r.status === 200))
    assert.equal(most, 2)
    assert.equal(up.sockets.size, 2)
  })

  test('streams a request body without a length as chunks; a buffered body gets its length', async () => {
    const seen: { te?: string; cl?: string; body: string }[] = []
    const up = await httpUpstream(async (req, res) => {
      let body = ''
      for await (const c of req) body += c
      const te = req.headers['transfer-encoding']
      const cl = req.headers['content-length']
      seen.push({ ...(te ? { te } : {}), ...(cl ? { cl } : {}), body })
      res.end('done')
    })
    const p = pool(up.origin)
    await send(p, {
      path: '/a',
      method: 'POST',
      body: Readable.from([Buffer.from('one,'), Buffer.from('two')]),
    })
    await send(p, { path: '/b', method: 'POST', body: Buffer.from('buffered') })
    assert.deepEqual(seen, [
      { te: 'chunked', body: 'one,two' },
      { cl: '8', body: 'buffered' },
    ])
  })

  test('a slow head is a headers timeout; the connection is not reused', async () => {
    const up = await httpUpstream((req, res) => {
      if (req.url === '/slow') setTimeout(() => res.end('late'), 300)
      else res.end('fast')
    })
    const p = pool(up.origin)
    await assert.rejects(send(p, { path: '/slow', headersTimeout: 50 }), { code: 'UPSTREAM_HEADERS_TIMEOUT' })
    const r = await send(p, { path: '/fast', headersTimeout: 50 })
    assert.equal(r.body.toString(), 'fast')
    assert.equal(up.sockets.size, 2)
  })

  test('on a reused connection the head timeout follows each request, shorter or longer', async () => {
    const up = await httpUpstream((req, res) => {
      const ms = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('wait') ?? 0)
      setTimeout(() => res.end('done'), ms)
    })
    const p = pool(up.origin, { connections: 1 })
    // A long timeout first: the connection's timer is armed far out.
    await send(p, { path: '/?wait=0', headersTimeout: 5000 })
    // A shorter deadline must not wait for that timer.
    const t0 = Date.now()
    await assert.rejects(send(p, { path: '/?wait=600', headersTimeout: 80 }), {
      code: 'UPSTREAM_HEADERS_TIMEOUT',
    })
    assert.ok(Date.now() - t0 < 500, `timed out after ${Date.now() - t0} ms`)
    // A request that outlives the timer armed by an earlier one is not cut short.
    await send(p, { path: '/?wait=0', headersTimeout: 100 })
    assert.equal((await send(p, { path: '/?wait=150', headersTimeout: 400 })).body.toString(), 'done')
  })

  test('an answer that comes before the upload is done is delivered; that connection is not reused', async () => {
    const up = await httpUpstream((req, res) => {
      if (req.method === 'POST') {
        res.writeHead(413, { connection: 'close' })
        res.end('too large')
      } else res.end('next')
    })
    const p = pool(up.origin)
    // A streamed upload the upstream never reads: 64 chunks of 64 KiB, pushed as the socket drains.
    const body = Readable.from(
      (function* () {
        for (let i = 0; i < 64; i++) yield Buffer.alloc(65536, 1)
      })(),
    )
    const r = await send(p, { path: '/upload', method: 'POST', body })
    assert.equal(r.status, 413)
    assert.equal(r.body.toString(), 'too large')
    assert.equal((await send(p, { path: '/after' })).body.toString(), 'next')
  })

  test('HEAD: a length but no body, and the connection carries on', async () => {
    const up = await httpUpstream((req, res) => {
      res.writeHead(200, { 'content-length': '5' })
      res.end(req.method === 'HEAD' ? undefined : 'hello')
    })
    const p = pool(up.origin)
    const head = await send(p, { path: '/', method: 'HEAD' })
    assert.equal(head.headers['content-length'], '5')
    assert.equal(head.body.length, 0)
    assert.equal((await send(p, { path: '/' })).body.toString(), 'hello')
    assert.equal(up.sockets.size, 1)
  })

  test('a refused connection reports ECONNREFUSED', async () => {
    const up = await httpUpstream((_req, res) => res.end())
    const origin = up.origin
    up.server.close()
    await once(up.server, 'close')
    await assert.rejects(send(pool(origin), { path: '/' }), { code: 'ECONNREFUSED' })
  })

  test('a kept-alive connection closed under a GET is retried once on a new one; a streamed POST is not', async () => {
    // Answers the first request on each connection, then closes the connection when the next one comes.
    const counts = new WeakMap<Socket, number>()
    const up = await rawUpstream((socket) => {
      const n = (counts.get(socket) ?? 0) + 1
      counts.set(socket, n)
      if (n === 1) socket.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok')
      else socket.destroy()
    })
    const p = pool(up.origin)
    assert.equal((await send(p, { path: '/1' })).body.toString(), 'ok')
    assert.equal((await send(p, { path: '/2' })).body.toString(), 'ok')
    assert.equal(up.connections(), 2)
    await assert.rejects(send(p, { path: '/3', method: 'POST', body: Readable.from([Buffer.from('x')]) }), {
      code: 'UPSTREAM_CLOSED',
    })
  })

  test('a response cut short fails; a malformed one fails without poisoning the pool', async () => {
    const up = await rawUpstream((socket, n) => {
      if (n === 1) socket.end('HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nshort')
      else if (n === 2) socket.write('HTTP/1.1 200 OK\r\ncontent-length: 1\r\ncontent-length: 2\r\n\r\nxx')
      else socket.write('HTTP/1.1 200 OK\r\ncontent-length: 4\r\n\r\ngood')
    })
    const p = pool(up.origin)
    await assert.rejects(send(p, { path: '/' }), { code: 'UPSTREAM_CLOSED' })
    await assert.rejects(send(p, { path: '/' }), { code: 'UPSTREAM_BAD_RESPONSE' })
    assert.equal((await send(p, { path: '/' })).body.toString(), 'good')
  })

  test('abort mid-body: the handler hears once, the connection is closed, the next request works', async () => {
    const up = await httpUpstream((req, res) => {
      if (req.url === '/big') {
        res.write(Buffer.alloc(1024, 1))
        // never ends
      } else res.end('small')
    })
    const p = pool(up.origin)
    const errors: Error[] = []
    await new Promise<void>((resolve) => {
      p.dispatch(
        { method: 'GET', path: '/big', headers: { host: 'x' }, body: null, headersTimeout: 1000 },
        {
          onResponseStart() {},
          onResponseData(c: DispatchController) {
            c.abort(new Error('client went away'))
          },
          onResponseEnd() {
            assert.fail('must not end')
          },
          onResponseError(_c, err) {
            errors.push(err)
            setTimeout(resolve, 20)
          },
        },
      )
    })
    assert.deepEqual(
      errors.map((e) => e.message),
      ['client went away'],
    )
    assert.equal((await send(p, { path: '/small' })).body.toString(), 'small')
    assert.equal(p.stats.running, 0)
  })

  test('requests sent in one turn all arrive; one aborted in that turn never reaches the upstream', async () => {
    const paths: string[] = []
    const up = await httpUpstream((req, res) => {
      paths.push(req.url ?? '')
      res.end('ok')
    })
    const p = pool(up.origin)
    await send(p, { path: '/warm' }) // a kept-alive connection, so the aborted request gets one at once
    const errors: string[] = []
    p.dispatch(
      { method: 'GET', path: '/aborted', headers: { host: 'x' }, body: null, headersTimeout: 1000 },
      {
        onRequestStart(c) {
          // after the request was handed to its connection, before the turn ends
          queueMicrotask(() => c.abort(new Error('client went away')))
        },
        onResponseStart() {
          assert.fail('must not answer')
        },
        onResponseData() {},
        onResponseEnd() {},
        onResponseError(_c, err) {
          errors.push(err.message)
        },
      },
    )
    const sent = await Promise.all(['/a', '/b', '/c'].map((path) => send(p, { path })))
    assert.ok(sent.every((r) => r.body.toString() === 'ok'))
    assert.deepEqual(errors, ['client went away'])
    assert.deepEqual(paths.sort(), ['/a', '/b', '/c', '/warm'])
  })

  test('pause holds the response until resume (back-pressure reaches the upstream socket)', async () => {
    const size = 4 * 1024 * 1024
    const up = await httpUpstream((_req, res) => res.end(Buffer.alloc(size, 7)))
    const p = pool(up.origin)
    let got = 0
    let pauses = 0
    await new Promise<void>((resolve, reject) => {
      p.dispatch(
        { method: 'GET', path: '/', headers: { host: 'x' }, body: null, headersTimeout: 1000 },
        {
          onResponseStart() {},
          onResponseData(c, chunk) {
            got += chunk.length
            if (!c.paused && pauses < 5) {
              pauses++
              c.pause()
              setTimeout(() => c.resume(), 10)
            }
          },
          onResponseEnd() {
            resolve()
          },
          onResponseError(_c, err) {
            reject(err)
          },
        },
      )
    })
    assert.equal(got, size)
    assert.equal(pauses, 5)
  })

  test('body chunks: a handler that keeps them gets copies; one that borrows gets one reused buffer unless it holds', async () => {
    const size = 2 * 1024 * 1024
    const body = Buffer.alloc(size)
    for (let i = 0; i < size; i += 4) body.writeUInt32LE(i, i)
    const up = await httpUpstream((_req, res) => {
      // Written in pieces with pauses, so the client reads it in many reads.
      let at = 0
      const next = () => {
        if (at >= size) return void res.end()
        res.write(body.subarray(at, at + 256 * 1024))
        at += 256 * 1024
        setTimeout(next, 2)
      }
      next()
    })
    const p = pool(up.origin)
    // Copied chunks stay intact.
    assert.ok((await send(p, { path: '/' })).body.equals(body))
    // Chunks are views of the connection's one read buffer; a held one is left alone.
    const stores = new Set<ArrayBufferLike>()
    let held: { view: Buffer; copy: Buffer; release: () => void } | undefined
    let offset = 0
    let intact = true
    await new Promise<void>((resolve, reject) => {
      p.dispatch(
        { method: 'GET', path: '/', headers: { host: 'x' }, body: null, headersTimeout: 5000 },
        {
          onResponseStart() {},
          onResponseData(c, chunk) {
            if (!chunk.equals(body.subarray(offset, offset + chunk.length))) intact = false
            offset += chunk.length
            stores.add(chunk.buffer)
            if (held === undefined && offset > size / 2)
              held = { view: chunk, copy: Buffer.from(chunk), release: c.hold() }
          },
          onResponseEnd() {
            resolve()
          },
          onResponseError(_c, err) {
            reject(err)
          },
        },
      )
    })
    assert.equal(offset, size)
    assert.ok(intact)
    assert.ok(held, 'a chunk was held')
    assert.ok(held.view.equals(held.copy), 'the held chunk was not overwritten')
    held.release()
    // One buffer before the hold, another after it.
    assert.equal(stores.size, 2)
  })

  test('an upstream announcing a short keep-alive gets its idle connection closed by us first', async () => {
    const up = await rawUpstream((socket) =>
      socket.write('HTTP/1.1 200 OK\r\nkeep-alive: timeout=1\r\ncontent-length: 0\r\n\r\n'),
    )
    const p = pool(up.origin)
    await send(p, { path: '/' })
    // timeout=1 s minus our 1 s margin leaves nothing: the connection is not kept.
    assert.equal(p.stats.free, 0)
  })

  test('close() lets running requests finish, then refuses new ones', async () => {
    const up = await httpUpstream((_req, res) => setTimeout(() => res.end('finished'), 50))
    const p = pool(up.origin)
    const running = send(p, { path: '/' })
    const closed = p.close()
    assert.equal((await running).body.toString(), 'finished')
    await closed
    await assert.rejects(send(p, { path: '/' }), { code: 'UPSTREAM_POOL_CLOSED' })
    assert.equal(p.stats.connected, 0)
  })
})
