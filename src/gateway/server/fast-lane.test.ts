import assert from 'node:assert/strict'
import type { Socket } from 'node:net'
import { test } from 'node:test'
import { parsePlainGet } from './fast-lane.ts'

const socket = {} as Socket

test('the lane takes a plain GET with unique headers, values trimmed and names lower-cased', () => {
  const req = parsePlainGet('GET /a/b?c=1 HTTP/1.1\r\nHost: x\r\nX-Thing:\t v \r\nAccept: */*', socket)
  assert.ok(req)
  assert.equal(req.url, '/a/b?c=1')
  assert.deepEqual(req.headers, { host: 'x', 'x-thing': 'v', accept: '*/*' })
})

test('anything else is left to node:http', () => {
  const refused = [
    'POST / HTTP/1.1\r\nhost: x',
    'GET / HTTP/1.0\r\nhost: x',
    'GET http://x/ HTTP/1.1\r\nhost: x',
    'GET * HTTP/1.1\r\nhost: x',
    'GET /a b HTTP/1.1\r\nhost: x',
    'GET / HTTP/1.1',
    'GET / HTTP/1.1\r\nhost: x\r\ncontent-length: 0',
    'GET / HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked',
    'GET / HTTP/1.1\r\nhost: x\r\nupgrade: websocket\r\nconnection: upgrade',
    'GET / HTTP/1.1\r\nhost: x\r\nexpect: 100-continue',
    'GET / HTTP/1.1\r\nhost: x\r\nconnection: close',
    'GET / HTTP/1.1\r\nhost: x\r\nconnection: keep-alive, Close',
    'GET /a\tb HTTP/1.1\r\nhost: x',
    'GET /a\u00ffb HTTP/1.1\r\nhost: x',
    'GET /a HTTP/1.1\r\nhost: x\nx-a: 1',
    'GET / HTTP/1.1\r\nhost: x\r\nhost: y',
    'GET / HTTP/1.1\r\nhost: x\r\nbad name: 1',
    'GET / HTTP/1.1\r\nhost: x\r\n folded',
    'GET / HTTP/1.1\r\nhost: x\r\nx: a\nb',
    'GET / HTTP/1.1\r\nhost: x\r\nx: a\u0000b',
  ]
  for (const head of refused) assert.equal(parsePlainGet(head, socket), undefined, JSON.stringify(head))
})
