import assert from 'node:assert/strict'
import { test } from 'node:test'
import { canonicalDnsName, createHostPolicy } from './host-names.ts'

test('canonical DNS names: lower case, no trailing dot, no IPs or junk', () => {
  assert.equal(canonicalDnsName('API.Localhost.'), 'api.localhost')
  assert.equal(canonicalDnsName('127.0.0.1'), undefined)
  assert.equal(canonicalDnsName('::1'), undefined)
  for (const bad of [
    '',
    '.',
    'a..b',
    '-a.test',
    'a-.test',
    '../etc',
    'a/b.test',
    'a b.test',
    `${'a'.repeat(64)}.test`,
  ])
    assert.equal(canonicalDnsName(bad), undefined, bad)
})

test('localhost, *.localhost, loopback IPs and configured hosts get a leaf of their own', () => {
  const policy = createHostPolicy(['api.example.test', '*.dev.test'])
  const cases: [string | undefined, string][] = [
    [undefined, 'localhost'],
    ['localhost', 'localhost'],
    ['LOCALHOST.', 'localhost'],
    ['127.0.0.1', 'localhost'],
    ['::1', 'localhost'],
    ['api.localhost', 'api.localhost'],
    ['a.b.localhost', 'a.b.localhost'],
    ['api.example.test', 'api.example.test'],
    ['web.dev.test', 'web.dev.test'],
    ['a.b.dev.test', 'a.b.dev.test'],
    // Never a leaf for a name nobody configured.
    ['dev.test', 'localhost'],
    ['other.example.test', 'localhost'],
    ['example.com', 'localhost'],
    ['localhost.example.com', 'localhost'],
    ['evillocalhost', 'localhost'],
    ['10.0.0.1', 'localhost'],
    ['bad name', 'localhost'],
  ]
  for (const [servername, leaf] of cases)
    assert.equal(policy.leafNameFor(servername), leaf, String(servername))
})

test('a bad hosts entry is refused with the entry named', () => {
  for (const bad of ['*.test', '*', 'a/b', '10.0.0.1', '*.*.x.test'])
    assert.throws(() => createHostPolicy([bad]), new RegExp(`"${bad.replace(/[*.]/g, '\\$&')}"`))
})
