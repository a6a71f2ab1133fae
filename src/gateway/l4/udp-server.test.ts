// The UDP L4 server with real loopback sockets: per-client sessions, balancing, max_requests /
// max_responses, idle end, refused backends and the byte counters.
import assert from 'node:assert/strict'
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram'
import { once } from 'node:events'
import { type TestContext, test } from 'node:test'
import { createUdpServer, type UdpServerOptions } from './udp-server.ts'

/** A UDP backend; `reply` answers each datagram (default: "<name>:<payload>" from `from` = sender port). */
async function backend(
  t: TestContext,
  name: string,
  reply?: (sock: Socket, msg: Buffer, from: RemoteInfo) => void,
): Promise<number> {
  const sock = createSocket('udp4')
  sock.on('message', (msg, from) => {
    if (reply) reply(sock, msg, from)
    else sock.send(`${name}:${msg}`, from.port, from.address)
  })
  sock.bind(0, '127.0.0.1')
  await once(sock, 'listening')
  t.after(() => sock.close())
  return sock.address().port
}

/** A client socket: every answer it receives, in order, and `ask` that waits for the next one. */
async function client(t: TestContext, gatewayPort: number) {
  const sock = createSocket('udp4')
  const got: string[] = []
  sock.on('message', (msg) => got.push(String(msg)))
  sock.bind(0, '127.0.0.1')
  await once(sock, 'listening')
  t.after(() => sock.close())
  return {
    got,
    send: (text: string) => sock.send(text, gatewayPort, '127.0.0.1'),
    async ask(text: string): Promise<string> {
      const answer = once(sock, 'message')
      sock.send(text, gatewayPort, '127.0.0.1')
      return String(((await answer) as [Buffer])[0])
    },
  }
}

async function gateway(t: TestContext, ports: number[], opts: Partial<UdpServerOptions> = {}) {
  const server = createUdpServer({
    host: '127.0.0.1',
    port: 0,
    balance: 'roundrobin',
    backends: ports.map((port) => ({ host: '127.0.0.1', port, weight: 1, priority: 1 })),
    maxSessions: 0,
    idleTimeoutMs: 0,
    maxRequests: 0,
    maxResponses: 0,
    ...opts,
  })
  const { port } = await server.listen()
  t.after(() => server.close())
  return { server, port }
}

async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 10))
}

test('UDP: datagrams echo through, and two clients each get only their own answers', async (t) => {
  const b = await backend(t, 'b')
  const { server, port } = await gateway(t, [b])
  const one = await client(t, port)
  const two = await client(t, port)
  for (let i = 0; i < 20; i++) {
    one.send(`one-${i}`)
    two.send(`two-${i}`)
  }
  await until(() => one.got.length === 20 && two.got.length === 20)
  assert.deepEqual(one.got.toSorted(), Array.from({ length: 20 }, (_, i) => `b:one-${i}`).toSorted())
  assert.deepEqual(two.got.toSorted(), Array.from({ length: 20 }, (_, i) => `b:two-${i}`).toSorted())
  const stats = server.stats()
  assert.equal(stats.active_connections, 2, 'one session per client')
  assert.equal(stats.backends[0]?.stats.total_connections, 2)
  const sent = 2 * 10 * 'one-0'.length + 2 * 10 * 'one-10'.length
  assert.equal(stats.tx_total, sent, 'bytes from clients to the backend')
  assert.equal(stats.rx_total, sent + 40 * 'b:'.length, 'bytes from the backend to clients')
})

test('UDP: roundrobin gives each new client session the next backend', async (t) => {
  const a = await backend(t, 'a')
  const b = await backend(t, 'b')
  const { server, port } = await gateway(t, [a, b])
  const answers: string[] = []
  for (let i = 0; i < 4; i++) {
    const c = await client(t, port)
    answers.push(await c.ask('hi'))
    assert.equal(await c.ask('again'), `${answers[i]?.[0]}:again`, 'a session stays on its backend')
  }
  assert.deepEqual(answers, ['a:hi', 'b:hi', 'a:hi', 'b:hi'])
  assert.deepEqual(
    server.stats().backends.map((x) => x.stats.total_connections),
    [2, 2],
  )
})

test('UDP: max_requests ends the session after that many datagrams from the client', async (t) => {
  // The backend answers with the port the gateway's session socket sends from: one port, one session.
  const b = await backend(t, 'b', (sock, _msg, from) => sock.send(String(from.port), from.port, from.address))
  const { server, port } = await gateway(t, [b], { maxRequests: 2 })
  const c = await client(t, port)
  const seen = [await c.ask('1'), await c.ask('2'), await c.ask('3'), await c.ask('4'), await c.ask('5')]
  assert.equal(seen[0], seen[1])
  assert.notEqual(seen[1], seen[2])
  assert.equal(seen[2], seen[3])
  assert.notEqual(seen[3], seen[4])
  assert.equal(server.stats().backends[0]?.stats.total_connections, 3)
})

test('UDP: max_responses ends the session after that many datagrams back', async (t) => {
  const b = await backend(t, 'b', (sock, msg, from) => {
    sock.send(`${msg}-first`, from.port, from.address)
    sock.send(`${msg}-second`, from.port, from.address)
  })
  const { server, port } = await gateway(t, [b], { maxResponses: 1 })
  const c = await client(t, port)
  assert.equal(await c.ask('r1'), 'r1-first')
  await until(() => server.stats().active_connections === 0)
  assert.equal(await c.ask('r2'), 'r2-first')
  // r1-second reached a closed session and was not relayed; r2-first came after it on the same path.
  assert.deepEqual(c.got, ['r1-first', 'r2-first'])
  const stats = server.stats()
  assert.equal(stats.backends[0]?.stats.total_connections, 2)
  assert.equal(stats.rx_total, 'r1-first'.length + 'r2-first'.length)
})

test('UDP: an idle session ends; a refused backend counts and is marked not live', async (t) => {
  const b = await backend(t, 'b')
  const { server, port } = await gateway(t, [b], { idleTimeoutMs: 50 })
  const c = await client(t, port)
  assert.equal(await c.ask('x'), 'b:x')
  assert.equal(server.stats().active_connections, 1)
  await until(() => server.stats().active_connections === 0)

  // A port nobody listens on: the kernel answers ICMP port unreachable.
  const gone = createSocket('udp4')
  gone.bind(0, '127.0.0.1')
  await once(gone, 'listening')
  const closedPort = gone.address().port
  gone.close()
  const refused = await gateway(t, [closedPort])
  const r = await client(t, refused.port)
  r.send('anyone?')
  await until(() => refused.server.stats().backends[0]?.stats.refused_connections === 1)
  const s = refused.server.stats()
  assert.equal(s.backends[0]?.stats.live, false)
  assert.equal(s.active_connections, 0)
  assert.deepEqual(r.got, [])
})

test('UDP: past the session limit a new client is dropped, the open session still works', async (t) => {
  const b = await backend(t, 'b')
  const { server, port } = await gateway(t, [b], { maxSessions: 1 })
  const first = await client(t, port)
  const second = await client(t, port)
  assert.equal(await first.ask('1'), 'b:1')
  second.send('2')
  assert.equal(await first.ask('3'), 'b:3')
  assert.deepEqual(second.got, [])
  assert.equal(server.stats().backends[0]?.stats.total_connections, 1)
})

test('UDP: a port already bound is refused on listen', async (t) => {
  const taken = await backend(t, 'taken')
  const server = createUdpServer({
    host: '127.0.0.1',
    port: taken,
    balance: 'weight',
    backends: [{ host: '127.0.0.1', port: 9, weight: 1, priority: 1 }],
    maxSessions: 0,
    idleTimeoutMs: 0,
    maxRequests: 0,
    maxResponses: 0,
  })
  await assert.rejects(server.listen(), { code: 'EADDRINUSE' })
  await server.close()
})

test('UDP: access rules decide by client IP, as for TCP', async (t) => {
  const b = await backend(t, 'b')
  const denied = await gateway(t, [b], { access: { default: 'allow', rules: ['deny 127.0.0.0/8'] } })
  const allowed = await gateway(t, [b], { access: { default: 'deny', rules: ['allow 127.0.0.1'] } })
  const c = await client(t, denied.port)
  c.send('no')
  const d = await client(t, allowed.port)
  assert.equal(await d.ask('yes'), 'b:yes')
  assert.deepEqual(c.got, [])
  assert.equal(denied.server.stats().backends[0]?.stats.total_connections, 0)
})
