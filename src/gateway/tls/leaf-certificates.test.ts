import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import { X509Certificate } from 'node:crypto'
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import { createLeafIssuer, LEAF_VALIDITY_MS, leafChannel } from './leaf-certificates.ts'
import { loadOrCreateLocalCa } from './local-ca.ts'

const root = await mkdtemp(join(tmpdir(), 'sp-leaf-'))
after(() => rm(root, { recursive: true, force: true }))
const ca = await loadOrCreateLocalCa(join(root, 'tls'))
const caFile = ca.certFile as string
let n = 0
const hostsDir = () => join(root, `hosts${++n}`)
const DAY = 86_400_000

/** What the issuer announces while `fn` runs. */
async function published<T>(fn: () => Promise<T>): Promise<{ result: T; events: Record<string, unknown>[] }> {
  const events: Record<string, unknown>[] = []
  const onMessage = (m: unknown) => events.push(m as Record<string, unknown>)
  subscribe(leafChannel.name, onMessage)
  try {
    return { result: await fn(), events }
  } finally {
    unsubscribe(leafChannel.name, onMessage)
  }
}

describe('leaf certificates', () => {
  test('signed by the CA, with the extensions browsers want (openssl verify and x509 -text)', async () => {
    const dir = hostsDir()
    const issuer = createLeafIssuer(ca, { dir, hosts: ['*.example.test'] })
    for (const [servername, sans] of [
      ['api.localhost', /DNS:api\.localhost$/m],
      ['web.example.test', /DNS:web\.example\.test$/m],
      [undefined, /DNS:localhost, IP Address:127\.0\.0\.1, IP Address:0:0:0:0:0:0:0:1$/m],
    ] as const) {
      const leaf = await issuer.leafFor(servername)
      const file = join(dir, `${leaf.name}.pem`)
      assert.equal(readFileSync(file, 'utf8'), leaf.certPem + leaf.keyPem)
      if (process.platform !== 'win32') assert.equal(statSync(file).mode & 0o777, 0o600)
      assert.match(execFileSync('openssl', ['verify', '-CAfile', caFile, file], { encoding: 'utf8' }), /: OK/)
      const text = execFileSync('openssl', ['x509', '-noout', '-text', '-in', file], { encoding: 'utf8' })
      assert.match(text, sans)
      assert.match(text, /Signature Algorithm: ecdsa-with-SHA256/)
      assert.match(text, /NIST CURVE: P-256/)
      assert.match(text, /X509v3 Basic Constraints: critical\n\s+CA:FALSE/)
      assert.match(text, /X509v3 Key Usage: critical\n\s+Digital Signature\n/)
      assert.match(text, /X509v3 Extended Key Usage: \n\s+TLS Web Server Authentication\n/)
      assert.match(text, /X509v3 Subject Key Identifier:/)
      assert.match(text, /X509v3 Authority Key Identifier: \n\s+[0-9A-F:]+/)
      const cert = new X509Certificate(leaf.certPem)
      assert.ok(cert.verify(new X509Certificate(ca.certPem).publicKey))
      const days = (Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / DAY
      assert.equal(days, 397)
      assert.ok(days <= 398, 'within the browsers’ limit')
      assert.equal(cert.serialNumber.length, 32)
    }
  })

  test('an unknown name, or none, gets the localhost leaf: never a leaf for an arbitrary name', async () => {
    const dir = hostsDir()
    const issuer = createLeafIssuer(ca, { dir })
    const localhost = await issuer.leafFor('localhost')
    for (const name of ['evil.example.com', 'example.test', '10.0.0.1', '../../etc/passwd', '', undefined])
      assert.equal(await issuer.leafFor(name), localhost, String(name))
    assert.deepEqual(readdirSync(dir), ['localhost.pem'])
  })

  test('requests for one name at the same time share one issuance', async () => {
    const issuer = createLeafIssuer(ca, { dir: hostsDir() })
    const { result, events } = await published(() =>
      Promise.all(Array.from({ length: 8 }, () => issuer.leafFor('same.localhost'))),
    )
    assert.equal(new Set(result).size, 1)
    assert.deepEqual(events, [{ name: 'same.localhost', origin: 'issued' }])
  })

  test('a restart reuses the saved leaf; memory holds at most maxCached', async () => {
    const dir = hostsDir()
    const first = await createLeafIssuer(ca, { dir }).leafFor('a.localhost')
    const issuer = createLeafIssuer(ca, { dir, maxCached: 1 })
    const { result, events } = await published(() => issuer.leafFor('a.localhost'))
    assert.equal(result.certPem, first.certPem)
    assert.deepEqual(events, [{ name: 'a.localhost', origin: 'disk' }])
    await issuer.leafFor('b.localhost')
    // a.localhost was evicted: it comes back from disk, not from memory.
    const again = await published(() => issuer.leafFor('a.localhost'))
    assert.notEqual(again.result, result)
    assert.equal(again.result.certPem, first.certPem)
    assert.deepEqual(again.events, [{ name: 'a.localhost', origin: 'disk' }])
    // Without a dir nothing is written and each issuer has its own leaves.
    const memoryOnly = createLeafIssuer(ca)
    assert.notEqual((await memoryOnly.leafFor('a.localhost')).certPem, first.certPem)
  })

  test('at most maxSaved leaves stay on disk, the most recent (random *.localhost names leave no trail)', async () => {
    const dir = hostsDir()
    const issuer = createLeafIssuer(ca, { dir, maxSaved: 3 })
    for (let i = 0; i < 6; i++) {
      await issuer.leafFor(`r${i}.localhost`)
      await new Promise((r) => setTimeout(r, 15)) // distinct mtimes
    }
    assert.deepEqual(readdirSync(dir).sort(), ['r3.localhost.pem', 'r4.localhost.pem', 'r5.localhost.pem'])
  })

  test('reissued within 30 days of the end, from memory and from disk', async () => {
    const dir = hostsDir()
    let now = Date.now()
    const issuer = createLeafIssuer(ca, { dir, now: () => now })
    const first = await issuer.leafFor('renew.localhost')
    now += LEAF_VALIDITY_MS - 40 * DAY
    assert.equal(await issuer.leafFor('renew.localhost'), first)
    now += 15 * DAY
    const renewed = await issuer.leafFor('renew.localhost')
    assert.notEqual(renewed.certPem, first.certPem)
    assert.ok(renewed.notAfter > first.notAfter)
    assert.equal(readFileSync(join(dir, 'renew.localhost.pem'), 'utf8'), renewed.certPem + renewed.keyPem)
    // A fresh issuer at that time finds the renewed leaf on disk good, not the old one.
    const later = createLeafIssuer(ca, { dir, now: () => now })
    assert.equal((await later.leafFor('renew.localhost')).certPem, renewed.certPem)
  })

  test('a leaf saved by another CA, or a damaged file, is replaced', async () => {
    const dir = hostsDir()
    const otherCa = await loadOrCreateLocalCa(join(root, 'other-ca'))
    const old = await createLeafIssuer(otherCa, { dir }).leafFor('x.localhost')
    const { result, events } = await published(() => createLeafIssuer(ca, { dir }).leafFor('x.localhost'))
    assert.notEqual(result.certPem, old.certPem)
    assert.deepEqual(events, [{ name: 'x.localhost', origin: 'issued' }])
    execFileSync('openssl', ['verify', '-CAfile', caFile, join(dir, 'x.localhost.pem')])
    writeFileSync(join(dir, 'x.localhost.pem'), 'garbage')
    const fixed = await createLeafIssuer(ca, { dir }).leafFor('x.localhost')
    assert.notEqual(fixed.certPem, result.certPem)
  })

  test('a leaf that cannot be saved still serves', async () => {
    const notADir = join(root, 'file')
    writeFileSync(notADir, '')
    const { result, events } = await published(() =>
      createLeafIssuer(ca, { dir: notADir }).leafFor('s.localhost'),
    )
    assert.match(result.certPem, /BEGIN CERTIFICATE/)
    assert.equal(events.length, 2)
    assert.ok(events[1]?.error instanceof Error)
  })
})
