import assert from 'node:assert/strict'
import { once } from 'node:events'
import { X509Certificate } from 'node:crypto'
import { existsSync, writeFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import { connect, createServer, type PeerCertificate, type Server } from 'node:tls'
import { type CertificateSource, createCertificateSource, tlsServerOptions } from './certificate-source.ts'
import { issueLeaf } from './leaf-certificates.ts'
import { createEphemeralCa } from './local-ca.ts'

const root = await mkdtemp(join(tmpdir(), 'sp-cert-source-'))
after(() => rm(root, { recursive: true, force: true }))

/** A real TLS server on loopback that answers "ok" with the source's certificates. */
async function serve(
  source: CertificateSource,
  host = '127.0.0.1',
): Promise<{ port: number; close(): Promise<void> }> {
  const server: Server = createServer(await tlsServerOptions(source), (socket) => socket.end('ok'))
  server.listen(0, host)
  await once(server, 'listening')
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}

interface Outcome {
  ok: boolean
  error?: string
  cert?: PeerCertificate
}

function handshake(
  port: number,
  ca: string | undefined,
  servername?: string,
  host = '127.0.0.1',
): Promise<Outcome> {
  return new Promise((resolve) => {
    const socket = connect({
      host,
      port,
      ca,
      servername,
      rejectUnauthorized: true,
      // Node 22's own check sends an IPv6 literal down the DNS-name path (domainToASCII('::1') is '').
      ...(host === '::1' && {
        checkServerIdentity: (_: string, cert: PeerCertificate) =>
          new X509Certificate(cert.raw).checkIP('::1') ? undefined : new Error('no IP SAN for ::1'),
      }),
    })
    let data = ''
    socket.on('data', (d: Buffer) => (data += d.toString()))
    socket.on('end', () => resolve({ ok: data === 'ok' }))
    socket.on('error', (err: NodeJS.ErrnoException) => resolve({ ok: false, error: err.code ?? err.message }))
  })
}

/** The certificate a server sends for a name, verified or not. */
function peerCertificate(port: number, servername?: string): Promise<PeerCertificate> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, servername, rejectUnauthorized: false }, () => {
      resolve(socket.getPeerCertificate())
      socket.destroy()
    })
    socket.on('error', reject)
  })
}

describe('certificate source: auto', () => {
  test('handshakes verify against the CA for localhost, *.localhost, 127.0.0.1 and configured hosts', async (t) => {
    const dataDir = join(root, 'auto')
    const source = await createCertificateSource(
      { mode: 'auto', hosts: ['*.example.test', 'exact.test'] },
      dataDir,
    )
    assert.equal(source.caFile, join(dataDir, 'tls', 'ca.pem'))
    assert.match(source.caPem ?? '', /BEGIN CERTIFICATE/)
    const server = await serve(source)
    t.after(() => server.close())
    for (const name of ['localhost', 'api.localhost', 'deep.api.localhost', 'web.example.test', 'exact.test'])
      assert.deepEqual(await handshake(server.port, source.caPem, name), { ok: true }, name)
    // No SNI for an IP address: the server's default certificate, with IP SANs.
    assert.deepEqual(await handshake(server.port, source.caPem), { ok: true }, '127.0.0.1')
    // Not trusted without the CA.
    assert.equal(
      (await handshake(server.port, undefined, 'localhost')).error,
      'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    )
  })

  test('an unknown name gets the localhost certificate, so verifying that name fails', async (t) => {
    const source = await createCertificateSource({ mode: 'auto', hosts: [] }, join(root, 'unknown'))
    const server = await serve(source)
    t.after(() => server.close())
    for (const name of ['evil.example.com', 'web.example.test']) {
      assert.deepEqual(await handshake(server.port, source.caPem, name), {
        ok: false,
        error: 'ERR_TLS_CERT_ALTNAME_INVALID',
      })
      assert.equal(
        (await peerCertificate(server.port, name)).subjectaltname,
        'DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1',
      )
    }
    assert.equal((await peerCertificate(server.port, 'api.localhost')).subjectaltname, 'DNS:api.localhost')
  })

  test('::1 verifies too (when this machine has IPv6 loopback)', async (t) => {
    const source = await createCertificateSource({ mode: 'auto', hosts: [] }, join(root, 'v6'))
    let server: Awaited<ReturnType<typeof serve>>
    try {
      server = await serve(source, '::1')
    } catch {
      t.skip('no IPv6 loopback')
      return
    }
    t.after(() => server.close())
    assert.deepEqual(await handshake(server.port, source.caPem, undefined, '::1'), { ok: true })
  })

  test('the same CA on the next start; without a data dir, an ephemeral one', async (t) => {
    const dataDir = join(root, 'auto')
    const again = await createCertificateSource({ mode: 'auto', hosts: [] }, dataDir)
    const first = await createCertificateSource({ mode: 'auto', hosts: [] }, dataDir)
    assert.equal(again.caPem, first.caPem)
    const ephemeral = await createCertificateSource({ mode: 'auto', hosts: [] }, undefined)
    assert.equal(ephemeral.caFile, undefined)
    assert.notEqual(ephemeral.caPem, first.caPem)
    const server = await serve(ephemeral)
    t.after(() => server.close())
    assert.deepEqual(await handshake(server.port, ephemeral.caPem, 'app.localhost'), { ok: true })
  })
})

test('a bad hosts entry fails before a CA is made', async () => {
  const dataDir = join(root, 'bad-hosts')
  await assert.rejects(
    createCertificateSource({ mode: 'auto', hosts: ['*.test'] }, dataDir),
    /tls\.hosts: "\*\.test"/,
  )
  assert.equal(existsSync(dataDir), false)
})

describe('certificate source: files', () => {
  test('one certificate for every name', async (t) => {
    const ca = await createEphemeralCa()
    const leaf = await issueLeaf(ca, 'files.localhost')
    const cert = join(root, 'cert.pem')
    const key = join(root, 'key.pem')
    writeFileSync(cert, leaf.certPem)
    writeFileSync(key, leaf.keyPem)
    const source = await createCertificateSource({ mode: 'files', cert, key }, join(root, 'files'))
    assert.equal(source.caPem, undefined)
    assert.equal(source.caFile, undefined)
    assert.equal(await source.contextFor('a'), await source.contextFor(undefined))
    const server = await serve(source)
    t.after(() => server.close())
    assert.deepEqual(await handshake(server.port, ca.certPem, 'files.localhost'), { ok: true })
    assert.equal(
      (await peerCertificate(server.port, 'other.localhost')).subjectaltname,
      'DNS:files.localhost',
    )
  })

  test('a missing, unreadable or mismatched file is named', async () => {
    const ca = await createEphemeralCa()
    const a = await issueLeaf(ca, 'a.localhost')
    const b = await issueLeaf(ca, 'b.localhost')
    const cert = join(root, 'a-cert.pem')
    const key = join(root, 'b-key.pem')
    const junk = join(root, 'junk.pem')
    writeFileSync(cert, a.certPem)
    writeFileSync(key, b.keyPem)
    writeFileSync(junk, 'junk')
    const missing = join(root, 'nope.pem')
    const cases: [string, string, RegExp][] = [
      [missing, key, /^tls\.cert: cannot read .*nope\.pem/],
      [cert, missing, /^tls\.key: cannot read .*nope\.pem/],
      [junk, key, /^tls\.cert: .*junk\.pem is not a PEM certificate/],
      [cert, junk, /^tls\.key: .*junk\.pem is not a PEM private key/],
      [cert, key, /^tls\.key: .*b-key\.pem is not the key of the certificate in .*a-cert\.pem/],
    ]
    for (const [c, k, message] of cases)
      await assert.rejects(createCertificateSource({ mode: 'files', cert: c, key: k }, undefined), {
        message,
      })
  })
})
