import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { X509Certificate } from 'node:crypto'
import { chmodSync, mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import { CA_CERT_FILE, CA_KEY_FILE, createEphemeralCa, loadOrCreateLocalCa, localCaDir } from './local-ca.ts'

const root = await mkdtemp(join(tmpdir(), 'sp-local-ca-'))
after(() => rm(root, { recursive: true, force: true }))
let n = 0
const freshDir = () => join(root, `d${++n}`, 'tls')
const mode = (path: string) => statSync(path).mode & 0o777
const posix = process.platform !== 'win32'

describe('local CA', () => {
  test('made on first use: files, modes, and what openssl sees', async () => {
    const dir = freshDir()
    const ca = await loadOrCreateLocalCa(dir)
    const certFile = join(dir, CA_CERT_FILE)
    const keyFile = join(dir, CA_KEY_FILE)
    assert.equal(ca.certFile, certFile)
    assert.equal(readFileSync(certFile, 'utf8'), ca.certPem)
    assert.match(
      readFileSync(keyFile, 'utf8'),
      /^-----BEGIN PRIVATE KEY-----\n[\s\S]+-----END PRIVATE KEY-----\n$/,
    )
    if (posix) {
      assert.equal(mode(keyFile), 0o600)
      assert.equal(mode(dir), 0o700)
    }
    const text = execFileSync('openssl', ['x509', '-noout', '-text', '-in', certFile], { encoding: 'utf8' })
    assert.match(text, /Subject: O = Sallyport, CN = Sallyport Local CA \(.+@.+\)/)
    assert.match(text, /Signature Algorithm: ecdsa-with-SHA256/)
    assert.match(text, /NIST CURVE: P-256/)
    assert.match(text, /X509v3 Basic Constraints: critical\n\s+CA:TRUE, pathlen:0/)
    assert.match(text, /X509v3 Key Usage: critical\n\s+Certificate Sign, CRL Sign/)
    assert.match(text, /X509v3 Subject Key Identifier:/)
    const cert = new X509Certificate(ca.certPem)
    assert.equal(cert.serialNumber.length, 32, '16-byte serial')
    assert.ok(Number.parseInt(cert.serialNumber.slice(0, 2), 16) < 0x80, 'positive serial')
    const years = (Date.parse(cert.validTo) - Date.now()) / (365.25 * 86_400_000)
    assert.ok(years > 9.9 && years <= 10.01, `${years} years`)
    assert.equal(ca.serialNumber, cert.serialNumber.toLowerCase())
    assert.equal(ca.fingerprint, cert.fingerprint256.replaceAll(':', '').toLowerCase())
    execFileSync('openssl', ['verify', '-CAfile', certFile, certFile])
    assert.equal(ca.signingKey.extractable, false)
  })

  test('reused on the next load; a loose key mode and folder mode are tightened', async () => {
    const dir = freshDir()
    const first = await loadOrCreateLocalCa(dir)
    const keyFile = join(dir, CA_KEY_FILE)
    const keyBefore = readFileSync(keyFile, 'utf8')
    if (posix) {
      chmodSync(keyFile, 0o644)
      chmodSync(dir, 0o755)
    }
    const second = await loadOrCreateLocalCa(dir)
    assert.equal(second.fingerprint, first.fingerprint)
    assert.equal(readFileSync(keyFile, 'utf8'), keyBefore)
    if (posix) {
      assert.equal(mode(keyFile), 0o600)
      assert.equal(mode(dir), 0o700)
    }
  })

  test('loads at the same time share one CA', async () => {
    const dir = freshDir()
    const [a, b, c] = await Promise.all([
      loadOrCreateLocalCa(dir),
      loadOrCreateLocalCa(dir),
      loadOrCreateLocalCa(dir),
    ])
    assert.equal(a?.fingerprint, b?.fingerprint)
    assert.equal(b?.fingerprint, c?.fingerprint)
  })

  const damaged: [string, (dir: string) => void, RegExp][] = [
    [
      'a corrupt certificate',
      (dir) => writeFileSync(join(dir, CA_CERT_FILE), '-----BEGIN CERTIFICATE-----\nAAAA\n'),
      /ca\.pem is not a PEM certificate/,
    ],
    [
      'a corrupt key',
      (dir) => writeFileSync(join(dir, CA_KEY_FILE), 'not a key\n'),
      /ca-key\.pem is not a PEM private key/,
    ],
    [
      'a key from another CA',
      (dir) =>
        writeFileSync(
          join(dir, CA_KEY_FILE),
          readFileSync(join(dir, '..', '..', 'other', 'tls', CA_KEY_FILE)),
        ),
      /ca-key\.pem does not belong to .*ca\.pem/,
    ],
    [
      'a missing key',
      (dir) => unlinkSync(join(dir, CA_KEY_FILE)),
      /ca-key\.pem is missing but .*ca\.pem exists/,
    ],
  ]
  for (const [what, damage, message] of damaged)
    test(`${what}: a clear error, and nothing is overwritten`, async () => {
      await loadOrCreateLocalCa(join(root, 'other', 'tls'))
      const dir = freshDir()
      await loadOrCreateLocalCa(dir)
      damage(dir)
      const snapshot = () =>
        [CA_CERT_FILE, CA_KEY_FILE].map((f) => {
          try {
            return `${readFileSync(join(dir, f), 'utf8')}@${statSync(join(dir, f)).mtimeMs}`
          } catch {
            return 'absent'
          }
        })
      const before = snapshot()
      await assert.rejects(loadOrCreateLocalCa(dir), (err: Error) => {
        assert.match(err.message, message)
        assert.match(err.message, /not replace a CA that may be trusted/)
        return true
      })
      assert.deepEqual(snapshot(), before)
    })

  test('a key without a certificate (a crash between the two writes) is replaced', async () => {
    const dir = freshDir()
    mkdirSync(dir, { recursive: true })
    writeFileSync(join(dir, CA_KEY_FILE), 'half-written\n')
    const ca = await loadOrCreateLocalCa(dir)
    assert.match(readFileSync(join(dir, CA_KEY_FILE), 'utf8'), /BEGIN PRIVATE KEY/)
    assert.equal(readFileSync(join(dir, CA_CERT_FILE), 'utf8'), ca.certPem)
  })

  test('an ephemeral CA lives in memory only', async () => {
    const ca = await createEphemeralCa()
    assert.equal(ca.certFile, undefined)
    assert.match(new X509Certificate(ca.certPem).subject, /CN=Sallyport Ephemeral CA/)
    assert.equal(new X509Certificate(ca.certPem).ca, true)
  })

  test('the CA folder of a data dir', () => {
    assert.equal(localCaDir('/data'), join('/data', 'tls'))
  })
})
