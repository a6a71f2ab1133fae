import assert from 'node:assert/strict'
import { test } from 'node:test'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { parseDocument } from 'yaml'
import { parseConfigText } from './load.ts'

const text = [
  'port: 8080',
  'routes:',
  '  - id: a',
  '    path: /a',
  '  - id: b',
  '    path: /b',
  '    targets:',
  '      - url: x',
  '',
].join('\n')

test('lineOf points at a node, or at its nearest parent, also after the parse was collected', async () => {
  const loaded = parseConfigText('gateway.yaml', text)
  assert.equal(loaded.lineOf(['routes', 1, 'path']), 6)
  assert.equal(loaded.lineOf(['routes', 0, 'nope']), 3)
  // The parsed document is held weakly: after a full collection the line comes from a new parse.
  setFlagsFromString('--expose-gc')
  const gc = runInNewContext('gc') as () => void
  await new Promise((resolve) => setImmediate(resolve))
  gc()
  assert.equal(loaded.lineOf(['routes', 1, 'targets', 0, 'url']), 8)
  assert.equal(loaded.lineOf(['routes', 1, 'path']), 6)
  assert.equal(loaded.lineOf(['routes', 0, 'nope']), 3)
})

test('a syntax error names the file and line; a top level that is not a mapping is refused', () => {
  assert.throws(
    () => parseConfigText('g.yaml', 'routes:\n  - id: a\n   path: /a\n'),
    /^GatewayError: g\.yaml:3:1: /,
  )
  assert.throws(() => parseConfigText('g.yaml', '- 1\n- 2\n'), /g\.yaml:1: the top level must be a mapping/)
})

test('the fast parse gives the value the full YAML parse gives', () => {
  const sample = [
    '# comment',
    'server: { host: "127.0.0.1", port: 8080, drainTimeout: 5s, trustProxy: yes }',
    'admin:',
    "  basePath: '/gateway'",
    '  statsInterval: 1500',
    'routes:',
    '  - path: /a   # trailing comment',
    '    methods: [GET, post]',
    '    timeout: 2.5e3',
    '    metadata: { on: off, empty: "", nothing: ~, octal: 0o17, hex: 0x1f, date: 2026-11-23 }',
    '    description: |',
    '      two',
    '      lines',
    '    targets:',
    '      - url: http://127.0.0.1:3000',
    '        weight: 10',
    '',
  ].join('\n')
  const full = parseDocument(sample).toJS()
  assert.deepEqual(parseConfigText('g.yaml', sample).value, full)
  assert.equal(full.routes[0].metadata.date, '2026-11-23', 'dates stay strings')
  assert.deepEqual(parseConfigText('g.json', JSON.stringify(full)).value, full)
})

test('anchors are expanded, with the alias limit that stops an expansion bomb', () => {
  const anchored = 'defaults: &t\n  - url: http://a\nroutes:\n  - path: /a\n    targets: *t\n'
  assert.deepEqual((parseConfigText('g.yaml', anchored).value as { routes: unknown[] }).routes, [
    { path: '/a', targets: [{ url: 'http://a' }] },
  ])
  const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]']
  for (let i = 0; i < 8; i++) {
    const p = String.fromCharCode(97 + i)
    const n = String.fromCharCode(98 + i)
    bomb.push(`${n}: &${n} [*${p}, *${p}, *${p}, *${p}, *${p}, *${p}, *${p}, *${p}, *${p}, *${p}]`)
  }
  assert.throws(() => parseConfigText('g.yaml', `${bomb.join('\n')}\n`), /alias/i)
})

test('a duplicate key or a second document is reported as the full parser reports it', () => {
  assert.throws(() => parseConfigText('g.yaml', 'port: 1\nport: 2\n'), /^GatewayError: g\.yaml:2:1: .*unique/)
  assert.throws(
    () => parseConfigText('g.yaml', 'port: 1\n---\nport: 2\n'),
    /^GatewayError: g\.yaml:\d+:\d+: /,
  )
})
