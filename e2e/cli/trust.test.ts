// `sallyport trust` as users run it. The round trip through the real OS store runs only where it can
// (root on Debian/Ubuntu); the rest never touches the system.
import assert from 'node:assert/strict'
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { tempDir } from '../gateway/helpers.ts'
import { runCli } from './run-cli.ts'

const BUNDLE = '/etc/ssl/certs/ca-certificates.crt'
const realStore = process.getuid?.() === 0 && existsSync('/usr/sbin/update-ca-certificates')

describe('sallyport trust', () => {
  test('--remove without a CA: nothing to do, exit 0', () => {
    const dir = tempDir('sallyport-trust-')
    const r = runCli(['trust', '--remove', '--data-dir', dir])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /no local CA in .*tls: nothing to remove/)
    assert.equal(existsSync(join(dir, 'tls')), false)
  })

  test('a damaged CA: one clear line, exit 1, the file untouched', () => {
    const dir = tempDir('sallyport-trust-')
    mkdirSync(join(dir, 'tls'))
    writeFileSync(join(dir, 'tls', 'ca.pem'), 'not a certificate')
    writeFileSync(join(dir, 'tls', 'ca-key.pem'), 'not a key')
    const r = runCli(['trust', '--data-dir', dir])
    assert.equal(r.code, 1)
    assert.equal(r.stderr.trim().split('\n').length, 1)
    assert.match(r.stderr, /^sallyport: .*ca\.pem is not a PEM certificate; Sallyport will not replace a CA/)
    assert.equal(readFileSync(join(dir, 'tls', 'ca.pem'), 'utf8'), 'not a certificate')
  })

  test('creates the CA, trusts it in the Debian store, and removes it again', {
    skip: !realStore && 'needs root and update-ca-certificates',
  }, (t) => {
    const dir = tempDir('sallyport-trust-')
    t.after(() => runCli(['trust', '--remove', '--data-dir', dir]))
    const caFile = join(dir, 'tls', 'ca.pem')
    const r = runCli(['trust', '--data-dir', dir])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /^created a local CA in .*tls \(its key never leaves that folder\)$/m)
    assert.match(r.stdout, /is now trusted by the system store \(Debian\/Ubuntu/)
    assert.match(r.stdout, /^ {2}ran update-ca-certificates$/m)
    assert.ok(
      r.stdout.includes(`hint: Node.js does not read the system store: NODE_EXTRA_CA_CERTS=${caFile}`),
    )
    assert.match(r.stdout, /^hint: Firefox .*certutil -d sql:\$HOME\/\.pki\/nssdb -A/m)
    assert.equal(statSync(join(dir, 'tls', 'ca-key.pem')).mode & 0o777, 0o600)
    const body = readFileSync(caFile, 'utf8')
      .replace(/-----[A-Z ]+-----/g, '')
      .replace(/\s+/g, '')
    const inBundle = () => readFileSync(BUNDLE, 'utf8').replace(/\s+/g, '').includes(body)
    assert.equal(inBundle(), true)
    // Again: the same CA, not a new one.
    const again = runCli(['trust', '--data-dir', dir])
    assert.equal(again.code, 0, again.stderr)
    assert.doesNotMatch(again.stdout, /created a local CA/)
    const removed = runCli(['trust', '--remove', '--data-dir', dir])
    assert.equal(removed.code, 0, removed.stderr)
    assert.match(
      removed.stdout,
      /^the Sallyport local CA .*ca\.pem is no longer trusted by the system store/m,
    )
    assert.equal(inBundle(), false)
    assert.equal(existsSync(caFile), true, 'the CA itself stays')
  })
})
