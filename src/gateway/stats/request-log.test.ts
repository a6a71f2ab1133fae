import assert from 'node:assert/strict'
import { channel } from 'node:diagnostics_channel'
import { test } from 'node:test'
import type { Outcome } from '../model/index.ts'
import { EXCHANGE_CHANNEL } from './exchange-event.ts'
import { createRequestLog } from './request-log.ts'

const mine = {}
const settings = { bodyLimit: 1024, bodyBudget: 1 << 20, redactHeaders: [], redactFields: ['password'] }

function send(
  traffic: object,
  path: string,
  startedAt: number,
  outcome: Outcome,
  status: number,
  method = 'GET',
) {
  channel(EXCHANGE_CHANNEL).publish({
    req: { method, url: path, headers: { host: 'h' } },
    traffic,
    route: path.startsWith('/a') ? { id: 'a' } : undefined,
    target: undefined,
    upstreamPath: '',
    upstreamHeaders: undefined,
    status,
    responseHeaders: {},
    outcome,
    attempts: 0,
    startedAt,
    durationMs: 1,
    started: 0,
    attemptStarted: 0,
    headAt: 0,
    connectMs: 0,
  })
}

test('rows are listed newest first by start, filtered by route, status, outcome, method and text', (t) => {
  const log = createRequestLog({ settings, owns: (e) => e.traffic === mine })
  t.after(() => log.close())
  send(mine, '/a/slow', 1000, 'upstream', 200) // started first, finished last: recorded last
  send(mine, '/a/1', 1001, 'rate-limited', 429)
  send(mine, '/b', 1002, 'no-route', 404, 'POST')
  send({}, '/a/other-gateway', 1003, 'upstream', 200)
  // Recorded in finish order, listed in start order.
  send(mine, '/a/late', 999, 'upstream', 200)
  assert.deepEqual(
    log.list().map((r) => r.path),
    ['/b', '/a/1', '/a/slow', '/a/late'],
  )
  assert.deepEqual(
    log.list({ route: 'a' }).map((r) => r.path),
    ['/a/1', '/a/slow', '/a/late'],
  )
  assert.deepEqual(
    log.list({ status: '4xx' }).map((r) => r.path),
    ['/b', '/a/1'],
  )
  assert.deepEqual(
    log.list({ outcome: 'no-route,rate-limited' }).map((r) => r.outcome),
    ['no-route', 'rate-limited'],
  )
  assert.deepEqual(
    log.list({ method: 'post' }).map((r) => r.path),
    ['/b'],
  )
  assert.deepEqual(
    log.list({ q: 'SLOW' }).map((r) => r.path),
    ['/a/slow'],
  )
  // The tail: rows recorded after an id; an export: a selection.
  assert.deepEqual(
    log.list({ since: '3' }).map((r) => r.path),
    ['/a/late'],
  )
  assert.deepEqual(
    log.list({ ids: ['1', '3'] }).map((r) => r.id),
    ['3', '1'],
  )
  assert.deepEqual(
    log.list({ limit: 2 }).map((r) => r.path),
    ['/b', '/a/1'],
  )
  assert.equal(log.newestId, '4')
  assert.equal(log.detail('99'), undefined)
  assert.equal(log.detail('3')?.requestBody.kind, 'none')
})

test('settings apply on reload: the cap the proxy reads, and the redaction of the next read', (t) => {
  const log = createRequestLog({ settings, owns: (e) => e.traffic === mine })
  t.after(() => log.close())
  assert.equal(log.capture.bodyLimit, 1024)
  log.configure({ ...settings, bodyLimit: 0, redactHeaders: ['host'] })
  assert.equal(log.capture.bodyLimit, 0)
  send(mine, '/a/x', 5, 'upstream', 200)
  assert.equal(log.list()[0]?.requestHeaders.host, '[redacted]')
})
