// HTTP/2 upstreams that misbehave: one that speaks only HTTP/1.1, one that accepts TCP and never
// says anything. The client gets an answer that says what is wrong; closing the gateway is not held up.
import assert from 'node:assert/strict'
import { createServer, type Server, type Socket } from 'node:net'
import { after, test } from 'node:test'
import { startGateway } from '../fixtures/gateway.ts'
import { echo } from '../fixtures/upstreams.ts'
import { Closers, h1request } from './helpers.ts'

const closers = new Closers()
after(() => closers.run())

test('an h2c:// target that speaks HTTP/1.1 → 502 that says so and how to fix it', async () => {
  const up = await echo()
  closers.add(() => up.close())
  const g = await startGateway({
    routes: [{ path: '/mis', targets: [{ url: up.url.replace('http:', 'h2c:') }] }],
  })
  closers.add(() => g.close())
  const r = await h1request(`${g.url}/mis/x`)
  assert.equal(r.status, 502)
  assert.match(
    JSON.parse(r.body.toString()).detail,
    /does not speak HTTP\/2 .*drop http2: true, h2c:\/\/ or protocol: grpc/,
  )
})

test('closing the gateway does not wait for an HTTP/2 upstream that never sent SETTINGS', async () => {
  const held = new Set<Socket>()
  const silent: Server = createServer((socket) => {
    held.add(socket)
    socket.on('error', () => {})
  })
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r))
  closers.add(
    () =>
      new Promise<void>((r) => {
        for (const socket of held) socket.destroy()
        silent.close(() => r())
      }),
  )
  const port = (silent.address() as { port: number }).port
  const g = await startGateway({
    server: { drainTimeout: '1s' },
    routes: [{ path: '/silent', timeout: '300ms', targets: [{ url: `h2c://127.0.0.1:${port}` }] }],
  })
  const r = await h1request(`${g.url}/silent/x`)
  assert.equal(r.status, 504)
  const started = performance.now()
  await g.close()
  const took = performance.now() - started
  assert.ok(took < 2500, `gw.close() took ${took.toFixed(0)} ms`)
})
