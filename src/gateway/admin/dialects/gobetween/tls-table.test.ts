// gobetween's `[servers.<name>.tls]` settings reach the handshake: versions and ciphers as a real
// node:tls client sees them, gobetween's defaults filled in.
import assert from 'node:assert/strict'
import { type TestContext, test } from 'node:test'
import { connect, type ConnectionOptions } from 'node:tls'
import { selfSignedCertificate } from '../../../../../e2e/fixtures/certificates.ts'
import { createTcpServer } from '../../../l4/index.ts'
import { parseTlsTable, tlsOptionsOf } from './tls-table.ts'

const cert = selfSignedCertificate()

async function serverFor(t: TestContext, table: Record<string, unknown>): Promise<number> {
  const parsed = parseTlsTable(
    { tls: { cert_path: cert?.certFile, key_path: cert?.keyFile, ...table } },
    'tls',
  )
  assert.ok(parsed)
  const server = createTcpServer({
    host: '127.0.0.1',
    port: 0,
    balance: 'roundrobin',
    backends: [{ host: '127.0.0.1', port: 9, weight: 1, priority: 1 }],
    maxConnections: 0,
    clientIdleTimeoutMs: 0,
    backendIdleTimeoutMs: 0,
    connectTimeoutMs: 0,
    tls: await tlsOptionsOf(parsed),
  })
  const { port } = await server.listen()
  t.after(() => server.close())
  return port
}

/** The version and cipher a client negotiates, or the error code it gets. */
async function handshake(port: number, opts: ConnectionOptions = {}) {
  const s = connect({ host: '127.0.0.1', port, servername: 'localhost', ca: cert?.cert, ...opts })
  // once(s, 'secureConnect') would reject on 'error': one promise settles on either.
  const result = await new Promise<{ version?: string | null; cipher?: string; error?: string }>((ok) => {
    s.once('secureConnect', () => ok({ version: s.getProtocol(), cipher: s.getCipher().name }))
    s.once('error', (e: NodeJS.ErrnoException) => ok({ error: e.code ?? e.message }))
  })
  s.destroy()
  return result
}

test('gobetween defaults: tickets off, client cipher order, no version bounds', () => {
  assert.deepEqual(parseTlsTable({ tls: { cert_path: 'c.pem', key_path: 'k.pem' } }, 'tls'), {
    cert_path: 'c.pem',
    key_path: 'k.pem',
    prefer_server_ciphers: false,
    session_tickets: false,
  })
  assert.equal(parseTlsTable({}, 'tcp'), undefined)
})

test('min_version and max_version bound the handshake', { skip: !cert }, async (t) => {
  const only13 = await serverFor(t, { min_version: 'tls1.3' })
  assert.equal((await handshake(only13)).version, 'TLSv1.3')
  assert.match(String((await handshake(only13, { maxVersion: 'TLSv1.2' })).error), /ERR_SSL|ECONNRESET/)
  const upTo12 = await serverFor(t, { max_version: 'tls1.2' })
  assert.equal((await handshake(upTo12)).version, 'TLSv1.2')
})

test('ciphers (Go names) restrict TLS 1.2 to the listed suites', { skip: !cert }, async (t) => {
  const port = await serverFor(t, {
    max_version: 'tls1.2',
    ciphers: ['TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384'],
  })
  assert.deepEqual(await handshake(port), { version: 'TLSv1.2', cipher: 'ECDHE-ECDSA-AES256-GCM-SHA384' })
  const other = await handshake(port, { ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256', maxVersion: 'TLSv1.2' })
  assert.ok(other.error, 'a client offering only another suite is refused')
})
