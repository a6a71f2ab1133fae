import assert from 'node:assert/strict'
import { test } from 'node:test'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
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
    /^GatewayError: g\.yaml:3: /,
  )
  assert.throws(() => parseConfigText('g.yaml', '- 1\n- 2\n'), /g\.yaml:1: the top level must be a mapping/)
})
