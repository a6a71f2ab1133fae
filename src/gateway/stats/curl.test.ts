import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { RequestDetail } from '../model/index.ts'
import { curlCommand, shellQuote } from './curl.ts'

const base = {
  id: '1',
  time: '2026-12-03T07:00:00.000Z',
  method: 'POST',
  path: "/users?q=it's",
  routeId: 'users',
  target: 'http://127.0.0.1:9000',
  upstreamPath: '/users',
  status: 201,
  durationMs: 1,
  requestHeaders: {
    host: 'localhost:8080',
    'content-type': 'application/json',
    'content-length': '16',
    authorization: '[redacted]',
  },
  responseHeaders: {},
  outcome: 'upstream',
  attempts: 1,
  timing: { queuedMs: 0, connectMs: 0, ttfbMs: 1, totalMs: 1 },
  requestBodyBytes: 16,
  responseBodyBytes: 0,
  requestBody: { size: 16, captured: 16, kind: 'json', text: '{"name":"grace"}', truncated: false },
  responseBody: { size: 0, captured: 0, kind: 'none', truncated: false },
} satisfies RequestDetail

test('curl resends method, url, headers and body; redacted values are marked with a note', () => {
  const cmd = curlCommand(base, 'http://127.0.0.1:8080')
  assert.equal(
    cmd,
    [
      '# [redacted] marks values the inspector hid: put the real ones in before running',
      `curl -X POST 'http://127.0.0.1:8080/users?q=it%27s' \\`,
      `  -H 'content-type: application/json' \\`,
      `  -H 'authorization: [redacted]' \\`,
      `  --data-binary '{"name":"grace"}'`,
    ].join('\n'),
  )
})

test('a cut body is said to be cut; quotes survive the shell', () => {
  const cmd = curlCommand(
    {
      ...base,
      requestHeaders: { 'x-note': "it's" },
      requestBody: { size: 9000, captured: 10, kind: 'text', text: 'aaaaaaaaaa', truncated: true },
    },
    'http://127.0.0.1:8080',
  )
  assert.match(cmd, /^# the request body \(9000 bytes\) was not kept in full/)
  assert.match(cmd, /-H 'x-note: it'\\''s'/)
  assert.equal(shellQuote("a'b"), `'a'\\''b'`)
})
