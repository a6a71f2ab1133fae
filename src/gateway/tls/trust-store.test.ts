import assert from 'node:assert/strict'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import { loadOrCreateLocalCa } from './local-ca.ts'
import { hostRunner, installCa, removeCa, type TrustRunner, TrustStoreError } from './trust-store.ts'

const root = await mkdtemp(join(tmpdir(), 'sp-trust-'))
after(() => rm(root, { recursive: true, force: true }))
const ca = await loadOrCreateLocalCa(join(root, 'tls'))
const caFile = ca.certFile as string
const storeName = `sallyport-local-ca-${ca.fingerprint.slice(0, 16)}`

/** Records what would be done; `failOn` makes the step whose line starts with it fail with `error`. */
function fakeRunner(
  platform: NodeJS.Platform,
  existing: readonly string[] = [],
  failOn?: string,
  error?: Error,
) {
  const calls: string[] = []
  const step = async (line: string) => {
    calls.push(line)
    if (failOn && line.startsWith(failOn)) throw error ?? new Error('failed')
  }
  const runner: TrustRunner = {
    platform,
    exists: (path) => existing.includes(path),
    run: (command, args) => step([command, ...args].join(' ')),
    copyFile: (from, to) => step(`copy ${from} ${to}`),
    removeFile: async (path) => {
      await step(`remove ${path}`)
      return true
    },
  }
  return { calls, runner }
}

const errno = (code: string, message: string) => Object.assign(new Error(`${code}: ${message}`), { code })

describe('trust store: the commands per platform', () => {
  const platforms: [string, NodeJS.Platform, string[], string[], string[]][] = [
    [
      'Debian/Ubuntu',
      'linux',
      ['/usr/local/share/ca-certificates'],
      [`copy ${caFile} /usr/local/share/ca-certificates/${storeName}.crt`, 'update-ca-certificates'],
      [`remove /usr/local/share/ca-certificates/${storeName}.crt`, 'update-ca-certificates --fresh'],
    ],
    [
      'Fedora/RHEL',
      'linux',
      ['/etc/pki/ca-trust/source/anchors'],
      [`copy ${caFile} /etc/pki/ca-trust/source/anchors/${storeName}.pem`, 'update-ca-trust extract'],
      [`remove /etc/pki/ca-trust/source/anchors/${storeName}.pem`, 'update-ca-trust extract'],
    ],
    [
      'Arch',
      'linux',
      ['/etc/ca-certificates/trust-source'],
      [`trust anchor --store ${caFile}`],
      [`trust anchor --remove ${caFile}`],
    ],
    [
      'macOS',
      'darwin',
      [],
      [`security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain ${caFile}`],
      [`security remove-trusted-cert -d ${caFile}`],
    ],
    [
      'Windows',
      'win32',
      [],
      [`certutil -addstore -f Root ${caFile}`],
      [`certutil -delstore Root ${ca.serialNumber.toUpperCase()}`],
    ],
  ]
  for (const [name, platform, existing, install, remove] of platforms)
    test(name, async () => {
      const a = fakeRunner(platform, existing)
      const installed = await installCa(caFile, a.runner)
      assert.deepEqual(a.calls, install)
      assert.equal(installed.done.length, install.length)
      assert.ok(installed.hints.some((h) => h.includes(`-n "Sallyport Local CA" -i ${caFile}`)))
      assert.ok(
        installed.hints.includes(`Node.js does not read the system store: NODE_EXTRA_CA_CERTS=${caFile}`),
      )
      const r = fakeRunner(platform, existing)
      await removeCa(caFile, r.runner)
      assert.deepEqual(r.calls, remove)
    })

  test('Linux hints name the NSS store that Firefox and Chrome use', async () => {
    const { hints } = await installCa(
      caFile,
      fakeRunner('linux', ['/usr/local/share/ca-certificates']).runner,
    )
    assert.ok(
      hints[0]?.includes(`certutil -d sql:$HOME/.pki/nssdb -A -t C,, -n "Sallyport Local CA" -i ${caFile}`),
    )
  })

  test('not permitted: a TrustStoreError that says so', async () => {
    const cases: [NodeJS.Platform, string[], string, Error][] = [
      ['linux', ['/usr/local/share/ca-certificates'], 'copy', errno('EACCES', 'permission denied, copyfile')],
      [
        'linux',
        ['/etc/ca-certificates/trust-source'],
        'trust',
        new Error('p11-kit: could not write: Permission denied'),
      ],
      [
        'darwin',
        [],
        'security',
        new Error(
          'SecTrustSettingsSetTrustSettings: The authorization was denied since no user interaction was possible.',
        ),
      ],
      [
        'win32',
        [],
        'certutil',
        new Error('CertUtil: -addstore command FAILED: 0x80070005 (WIN32: 5 ERROR_ACCESS_DENIED)'),
      ],
    ]
    for (const [platform, existing, failOn, error] of cases)
      await assert.rejects(installCa(caFile, fakeRunner(platform, existing, failOn, error).runner), (err) => {
        assert.ok(err instanceof TrustStoreError)
        assert.equal(err.permissionDenied, true, platform)
        assert.match(err.message, /^could not install the CA into /)
        return true
      })
    await assert.rejects(
      installCa(
        caFile,
        fakeRunner('linux', ['/usr/local/share/ca-certificates'], 'update', new Error('boom')).runner,
      ),
      (err) => err instanceof TrustStoreError && !err.permissionDenied && /: boom$/.test(err.message),
    )
  })

  test('removing a CA that is not there is not an error', async () => {
    const notFound = new Error(
      'SecTrustSettingsRemoveTrustSettings: The specified item could not be found in the keychain.',
    )
    const result = await removeCa(caFile, fakeRunner('darwin', [], 'security', notFound).runner)
    assert.deepEqual(result.done, [
      'the CA was not in the macOS System keychain (/Library/Keychains/System.keychain)',
    ])
  })

  test('no supported store, or no CA file: a clear error', async () => {
    await assert.rejects(
      installCa(caFile, fakeRunner('linux', []).runner),
      /no supported trust store on this system/,
    )
    await assert.rejects(installCa(caFile, fakeRunner('freebsd').runner), /no supported trust store/)
    await assert.rejects(
      installCa(join(root, 'nope.pem'), fakeRunner('darwin').runner),
      /cannot read the CA certificate .*nope\.pem/,
    )
  })
})

const BUNDLE = '/etc/ssl/certs/ca-certificates.crt'
const realStore = process.getuid?.() === 0 && existsSync('/usr/sbin/update-ca-certificates')

test('the real Debian store: install, then remove', {
  skip: !realStore && 'needs root and update-ca-certificates',
}, async (t) => {
  t.after(() => removeCa(caFile).catch(() => {}))
  const body = ca.certPem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '')
  const inBundle = () => readFileSync(BUNDLE, 'utf8').replace(/\s+/g, '').includes(body)
  assert.equal(inBundle(), false)
  const installed = await installCa(caFile, hostRunner())
  assert.match(installed.store, /Debian\/Ubuntu/)
  assert.equal(inBundle(), true)
  assert.equal(existsSync(`/usr/local/share/ca-certificates/${storeName}.crt`), true)
  await removeCa(caFile, hostRunner())
  assert.equal(inBundle(), false)
  assert.equal(existsSync(`/usr/local/share/ca-certificates/${storeName}.crt`), false)
  assert.deepEqual(
    readdirSync('/etc/ssl/certs').filter((f) => f.startsWith(storeName)),
    [],
  )
})
