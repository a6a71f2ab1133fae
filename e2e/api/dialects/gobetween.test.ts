// gobetween REST API on its own listener: system info, dump, servers, stats, ping, and real TCP and
// UDP round trips through L4 servers created with POST /servers/<name>.
import assert from 'node:assert/strict'
import { createSocket } from 'node:dgram'
import { once } from 'node:events'
import { createConnection, createServer } from 'node:net'
import { test } from 'node:test'
import { gobetweenOf } from '../../../src/gateway/admin/dialects/index.ts'
import { startGateway } from '../helpers.ts'
import { golden } from './golden-file.ts'

async function echoServer(t: import('node:test').TestContext): Promise<number> {
  const server = createServer((s) => s.pipe(s))
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok))
  t.after(() => new Promise<void>((ok) => server.close(() => ok())))
  return (server.address() as { port: number }).port
}

function roundTrip(port: number, text: string): Promise<string> {
  return new Promise((ok, fail) => {
    const s = createConnection({ host: '127.0.0.1', port }, () => s.write(text))
    let got = ''
    s.on('data', (c) => {
      got += c.toString()
      if (got.length >= text.length) s.end()
    })
    s.on('close', () => ok(got))
    s.on('error', fail)
  })
}

test('gobetween REST API: servers, stats and a TCP round trip', async (t) => {
  const gw = await startGateway(t, { dialects: { gobetween: { bind: '127.0.0.1:0' } } }, { listen: true })
  const base = gobetweenOf(gw.core)?.url as string
  assert.ok(base)
  const ping = await fetch(`${base}/ping`)
  assert.equal(await ping.json(), 'OK')
  const root = await fetch(`${base}/`)
  const info = (await root.json()) as Record<string, unknown>
  assert.deepEqual(Object.keys(info).sort(), [
    'configuration',
    'pid',
    'startTime',
    'time',
    'uptime',
    'version',
  ])
  await golden('gobetween', 'root', root.status, info)

  const port = await echoServer(t)
  const def = {
    bind: '127.0.0.1:0',
    protocol: 'tcp',
    balance: 'roundrobin',
    discovery: { kind: 'static', static_list: [`127.0.0.1:${port} weight=2`] },
  }
  const created = await fetch(`${base}/servers/echo`, { method: 'POST', body: JSON.stringify(def) })
  assert.equal(created.status, 200, await created.clone().text())
  const again = await fetch(`${base}/servers/echo`, { method: 'POST', body: JSON.stringify(def) })
  assert.equal(again.status, 409)

  const server = (await (await fetch(`${base}/servers/echo`)).json()) as { bind: string }
  const l4port = Number(String(server.bind).split(':').pop())
  assert.equal(await roundTrip(l4port, 'hello gobetween'), 'hello gobetween')

  // biome-ignore lint/suspicious/noExplicitAny: a JSON document under test
  const stats = (await (await fetch(`${base}/servers/echo/stats`)).json()) as any
  assert.equal(stats.backends[0].stats.total_connections, 1)
  assert.equal(stats.backends[0].stats.tx, 'hello gobetween'.length)
  assert.equal(stats.backends[0].port, String(port))
  assert.equal(stats.backends[0].weight, 2)
  assert.deepEqual(Object.keys(stats).sort(), [
    'active_connections',
    'backends',
    'rx_second',
    'rx_total',
    'tx_second',
    'tx_total',
  ])

  const all = (await (await fetch(`${base}/servers`)).json()) as object
  assert.deepEqual(Object.keys(all), ['echo'])
  const json = await fetch(`${base}/dump?format=json`)
  assert.ok(((await json.json()) as { servers: Record<string, unknown> }).servers.echo)
  const toml = await (await fetch(`${base}/dump`)).text()
  assert.match(toml, /\[servers\.echo\]/)
  assert.match(toml, /balance = "roundrobin"/)

  const del = await fetch(`${base}/servers/echo`, { method: 'DELETE' })
  assert.equal(del.status, 200)
  assert.equal(await (await fetch(`${base}/servers/echo`)).json(), null)
})

/** A UDP backend that answers "<name>:<datagram>" to whoever sent it. */
async function udpBackend(t: import('node:test').TestContext, name: string): Promise<number> {
  const sock = createSocket('udp4')
  sock.on('message', (msg, from) => sock.send(`${name}:${msg}`, from.port, from.address))
  sock.bind(0, '127.0.0.1')
  await once(sock, 'listening')
  t.after(() => sock.close())
  return sock.address().port
}

/** One client socket: sends each text to the port and returns the answer to it. */
async function udpClient(t: import('node:test').TestContext, port: number) {
  const sock = createSocket('udp4')
  sock.bind(0, '127.0.0.1')
  await once(sock, 'listening')
  t.after(() => sock.close())
  return async (text: string) => {
    const answer = once(sock, 'message')
    sock.send(text, port, '127.0.0.1')
    return String(((await answer) as [Buffer])[0])
  }
}

test('gobetween REST API: a UDP server balances client sessions, counts them and is in /dump', async (t) => {
  const gw = await startGateway(t, { dialects: { gobetween: { bind: '127.0.0.1:0' } } }, { listen: true })
  const base = gobetweenOf(gw.core)?.url as string
  const a = await udpBackend(t, 'a')
  const b = await udpBackend(t, 'b')
  const def = {
    bind: '127.0.0.1:0',
    protocol: 'udp',
    balance: 'roundrobin',
    udp: { max_requests: 2 },
    discovery: { kind: 'static', static_list: [`127.0.0.1:${a}`, `127.0.0.1:${b}`] },
  }
  const created = await fetch(`${base}/servers/dns`, { method: 'POST', body: JSON.stringify(def) })
  assert.equal(created.status, 200, await created.clone().text())
  // biome-ignore lint/suspicious/noExplicitAny: a JSON document under test
  const shown = (await (await fetch(`${base}/servers/dns`)).json()) as any
  assert.equal(shown.protocol, 'udp')
  assert.deepEqual(shown.udp, { max_requests: 2, max_responses: 0 })
  const port = Number(String(shown.bind).split(':').pop())

  // Two clients, each its own session on the next backend; client one's third datagram is past
  // max_requests, so it opens a third session.
  const one = await udpClient(t, port)
  const two = await udpClient(t, port)
  assert.equal(await one('q1'), 'a:q1')
  assert.equal(await two('q1'), 'b:q1')
  assert.equal(await one('q2'), 'a:q2')
  assert.equal(await one('q3'), 'a:q3', 'a new session after 2 requests, the third in roundrobin')

  // biome-ignore lint/suspicious/noExplicitAny: a JSON document under test
  const stats = (await (await fetch(`${base}/servers/dns/stats`)).json()) as any
  assert.equal(stats.active_connections, 3, 'the session past max_requests stays until idle')
  assert.equal(stats.tx_total, 8)
  assert.equal(stats.rx_total, 16)
  assert.deepEqual(
    stats.backends.map((x: { port: string; stats: Record<string, unknown> }) => [
      x.port,
      x.stats.total_connections,
      x.stats.tx,
      x.stats.rx,
      x.stats.live,
    ]),
    [
      [String(a), 2, 6, 12, true],
      [String(b), 1, 2, 4, true],
    ],
  )

  // biome-ignore lint/suspicious/noExplicitAny: a JSON document under test
  const json = (await (await fetch(`${base}/dump?format=json`)).json()) as any
  assert.equal(json.servers.dns.protocol, 'udp')
  const toml = await (await fetch(`${base}/dump`)).text()
  assert.match(toml, /\[servers\.dns\]\nbind = "127\.0\.0\.1:\d+"\nprotocol = "udp"/)
  assert.match(toml, /\[servers\.dns\.udp\]\nmax_requests = 2\nmax_responses = 0/)

  assert.equal((await fetch(`${base}/servers/dns`, { method: 'DELETE' })).status, 200)
  assert.equal(await (await fetch(`${base}/servers/dns/stats`)).json(), null)
})

test('gobetween REST API: bad definitions answer 400, basic auth guards everything but /ping', async (t) => {
  const gw = await startGateway(
    t,
    { dialects: { gobetween: { bind: '127.0.0.1:0', basicAuth: { login: 'admin', password: '1111' } } } },
    { listen: true },
  )
  const base = gobetweenOf(gw.core)?.url as string
  assert.equal((await fetch(`${base}/ping`)).status, 200)
  assert.equal((await fetch(`${base}/servers`)).status, 401)
  const auth = { authorization: `Basic ${Buffer.from('admin:1111').toString('base64')}` }
  const good = { bind: '127.0.0.1:0', discovery: { kind: 'static', static_list: ['127.0.0.1:9'] } }
  const cases: [unknown, number][] = [
    ['{', 400],
    [[], 400],
    [{ ...good, bind: 'nowhere' }, 400],
    [{ ...good, bind: undefined }, 400],
    [{ ...good, protocol: 'udp', udp: { max_requests: -1 } }, 400],
    [{ ...good, protocol: 'udp', udp: { max_responses: 'one' } }, 400],
    [{ ...good, protocol: 'udp', udp: { max_datagrams: 1 } }, 400],
    [{ ...good, protocol: 'udp', udp: 1 }, 400],
    [{ ...good, udp: { max_requests: 1 } }, 400],
    [{ ...good, protocol: 'sctp' }, 400],
    [{ ...good, balance: 'fastest' }, 400],
    [{ ...good, max_connections: -1 }, 400],
    [{ ...good, discovery: undefined }, 400],
    [{ ...good, discovery: { kind: 'docker' } }, 400],
    [{ ...good, discovery: { kind: 'static', static_list: [] } }, 400],
    [{ ...good, discovery: { kind: 'static', static_list: ['127.0.0.1:9 speed=3'] } }, 400],
    [{ ...good, client_idle_timeout: 'later' }, 400],
    [{ ...good, access: { default: 'maybe' } }, 400],
    [{ ...good, access: { rules: ['permit all'] } }, 400],
    [{ ...good, healthcheck: { kind: 'exec' } }, 400],
    [{ ...good, surprise: true }, 400],
  ]
  for (const [body, status] of cases) {
    const r = await fetch(`${base}/servers/x`, {
      method: 'POST',
      headers: auth,
      body: typeof body === 'string' ? body : JSON.stringify(body),
    })
    assert.equal(r.status, status, `${JSON.stringify(body)}: ${await r.text()}`)
  }
  const udp = await fetch(`${base}/servers/x`, {
    method: 'POST',
    headers: auth,
    body: JSON.stringify({ ...good, protocol: 'udp', udp: { max_requests: -1 } }),
  })
  assert.equal(await udp.json(), 'udp.max_requests: must be an integer ≥ 0')
  const none = (await (await fetch(`${base}/servers`, { headers: auth })).json()) as object
  assert.deepEqual(none, {}, 'nothing was created')
})

test('gobetween REST API: an 8 MiB body gets its 413 every time (RFC 9112 §9.6: closed in stages, no EPIPE)', async (t) => {
  const gw = await startGateway(t, { dialects: { gobetween: { bind: '127.0.0.1:0' } } }, { listen: true })
  const base = gobetweenOf(gw.core)?.url as string
  const body = JSON.stringify({ bind: '127.0.0.1:0', pad: 'x'.repeat(8 * 1024 * 1024) })
  const seen: string[] = []
  for (let i = 0; i < 8; i++) {
    for (const chunked of [false, true]) {
      try {
        // Without a Content-Length the limit is found while reading (chunked), with one before.
        const init = chunked ? { body: new Blob([body]).stream(), duplex: 'half' as const } : { body }
        const res = await fetch(`${base}/servers/big`, { method: 'POST', ...init })
        await res.arrayBuffer()
        seen.push(String(res.status))
      } catch (err) {
        seen.push(String(((err as Error).cause as NodeJS.ErrnoException | undefined)?.code ?? err))
      }
    }
  }
  assert.deepEqual(seen, Array(16).fill('413'))
  const servers = (await (await fetch(`${base}/servers`)).json()) as Record<string, unknown>
  assert.equal('big' in servers, false, 'nothing was created')
})
