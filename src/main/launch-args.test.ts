import assert from 'node:assert/strict'
import { test } from 'node:test'
import { isHiddenLaunch, parseLaunchArgs } from './launch-args.ts'

test('gateway flags are read; Chromium switches and bad values are ignored', () => {
  assert.deepEqual(
    parseLaunchArgs(
      [
        '--no-sandbox',
        '--port',
        '9001',
        '--host=localhost',
        '--config',
        'sp.yaml',
        '--data-dir=/d',
        'x',
        '--no-discovery',
      ],
      '/work',
    ),
    { port: 9001, host: 'localhost', configFile: '/work/sp.yaml', dataDir: '/d', discovery: false },
  )
  assert.deepEqual(parseLaunchArgs(['--port=abc', '--host', 'bad host']), {})
})

test('--hidden marks a login launch', () => {
  assert.equal(isHiddenLaunch(['/opt/sallyport', '--hidden']), true)
  assert.equal(isHiddenLaunch(['/opt/sallyport']), false)
})
