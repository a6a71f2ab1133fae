// The TCP L4 server terminating TLS, with real loopback sockets: a node:tls client through it to a plain
// TCP echo backend, clients kept apart, byte and connection counters, failed handshakes harmless.
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { createConnection, createServer } from 'node:net'
import { type TestContext, test } from 'node:test'
import { connect, type TLSSocket } from 'node:tls'
import { selfSignedCertificate } from '../../../e2e/fixtures/certificates.ts'
import { createTcpServer, type TcpServerOptions } from './tcp-server.ts'

const cert = selfSignedCertificate()

/** A plain TCP backend that echoes every byte and counts its connections. */
async function echoBackend(t: TestContext) {
  const seen = { connections: 0 }
  const server = createServer((s) => {
    seen.connections++
    s.pipe(s)
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.after(() => new Promise<void>((ok) => server.close(() => ok())))
  return { port: (server.address() as { port: number }).port, seen }
}

async function tlsGateway(t: TestContext, backendPort: number, opts: Partial<TcpServerOptions> = {}) {
  const server = createTcpServer({
    host: '127.0.0.1',
    port: 0,
    balance: 'roundrobin',
    backends: [{ host: '127.0.0.1', port: backendPort, weight: 1, priority: 1 }],
    maxConnections: 0,
    clientIdleTimeoutMs: 0,
    backendIdleTimeoutMs: 0,
    connectTimeoutMs: 0,
    tls: { cert: cert?.cert, key: cert?.key },
    ...opts,
  })
  const { port } = await server.listen()
  t.after(() => server.close())
  return { server, port }
}

async function tlsClient(port: number): Promise<TLSSocket> {
  const s = connect({ host: '127.0.0.1', port, servername: 'localhost', ca: cert?.cert })
  await once(s, 'secureConnect')
  return s
}

/** Writes `text` and resolves with what comes back once as many bytes arrived. */
function exchange(s: TLSSocket, text: string): Promise<string> {
  return new Promise((ok, fail) => {
    let got = ''
    const onData = (c: Buffer) => {
      got += c.toString()
      if (got.length >= text.length) {
        s.off('data', onData)
        ok(got)
      }
    }
    s.on('data', onData)
    s.once('error', fail)
    s.write(text)
  })
}

test('a TLS server proxies the plaintext both ways, each client gets only its own bytes', {
  skip: !cert,
}, async (t) => {
  const backend = await echoBackend(t)
  const { server, port } = await tlsGateway(t, backend.port)
  const one = await tlsClient(port)
  const two = await tlsClient(port)
  assert.equal(one.authorized, true, 'the client verified the certificate from the files')
  assert.equal(await exchange(one, 'hello from one'), 'hello from one')
  assert.equal(await exchange(two, 'two'), 'two')
  assert.equal(await exchange(one, 'again'), 'again')
  const live = server.stats()
  assert.equal(live.active_connections, 2)
  assert.equal(live.backends[0]?.stats.active_connections, 2)
  one.end()
  two.end()
  await Promise.all([once(one, 'close'), once(two, 'close')])
  // The gateway's side closes just after the client's.
  while (server.stats().active_connections > 0) await new Promise((ok) => setTimeout(ok, 10))
  const stats = server.stats()
  const plaintext = 'hello from one'.length + 'two'.length + 'again'.length
  assert.equal(stats.tx_total, plaintext, 'plaintext bytes, not TLS records')
  assert.equal(stats.rx_total, plaintext)
  assert.equal(stats.backends[0]?.stats.total_connections, 2)
  assert.equal(backend.seen.connections, 2)
})

test('failed handshakes neither reach a backend nor leak: the next client is served', {
  skip: !cert,
}, async (t) => {
  const backend = await echoBackend(t)
  const { server, port } = await tlsGateway(t, backend.port)
  // A client that does not trust the certificate gives up in the handshake.
  const distrust = connect({ host: '127.0.0.1', port, servername: 'localhost' })
  const [err] = (await once(distrust, 'error')) as [NodeJS.ErrnoException]
  assert.match(String(err.code), /SELF_SIGNED|UNABLE_TO_VERIFY/)
  // A plaintext client speaks garbage where a ClientHello belongs.
  const plain = createConnection({ host: '127.0.0.1', port }, () => plain.write('GET / HTTP/1.1\r\n\r\n'))
  plain.on('error', () => {})
  await once(plain, 'close')
  // One that connects and says nothing is ended by close() below (t.after), not left open.
  const silent = createConnection({ host: '127.0.0.1', port })
  silent.on('error', () => {})
  await once(silent, 'connect')

  assert.equal(backend.seen.connections, 0)
  assert.equal(server.stats().active_connections, 0)
  const ok = await tlsClient(port)
  assert.equal(await exchange(ok, 'still serving'), 'still serving')
  ok.end()
  const closed = once(silent, 'close')
  await server.close()
  await closed
})

test('a client the access rules deny is dropped before its handshake', { skip: !cert }, async (t) => {
  const backend = await echoBackend(t)
  const { port } = await tlsGateway(t, backend.port, {
    access: { default: 'deny', rules: ['allow 10.0.0.0/8'] },
  })
  const denied = connect({ host: '127.0.0.1', port, servername: 'localhost', ca: cert?.cert })
  const [err] = (await once(denied, 'error')) as [NodeJS.ErrnoException]
  assert.match(String(err.code), /ECONNRESET|EPIPE/, 'no handshake completed')
  assert.equal(backend.seen.connections, 0)
})

test('a handshake that stalls ends after the client idle timeout', { skip: !cert }, async (t) => {
  const backend = await echoBackend(t)
  const { port } = await tlsGateway(t, backend.port, { clientIdleTimeoutMs: 100 })
  const silent = createConnection({ host: '127.0.0.1', port })
  silent.on('error', () => {})
  await once(silent, 'close')
  assert.equal(backend.seen.connections, 0)
})
