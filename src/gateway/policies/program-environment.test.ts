import assert from 'node:assert/strict'
import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import { test } from 'node:test'
import { compileProgram } from '../programs/index.ts'
import type { ProxyContext } from './interceptor.ts'
import { ProgramLogger, ProgramRequest, requestCtx, UpstreamView } from './program-environment.ts'
import { PROGRAM_LOG_CHANNEL, type ProgramLogLine } from './program-log.ts'

/** The parts of a request's context the environment reads. */
function context(headers: Record<string, string>, remoteAddress = '::ffff:10.0.0.9'): ProxyContext {
  return {
    req: { method: 'GET', url: '/orders/1?x=1', headers, socket: { remoteAddress } },
    method: 'GET',
    url: '/orders/1?x=1',
    traceId: 'trace-1',
    routeId: 'discovery-orders',
    upstreamHeaderChanges: undefined,
    responseHeaderEdits: undefined,
  } as unknown as ProxyContext
}

function run(source: string, env: Record<string, unknown>) {
  const compiled = compileProgram(source)
  assert.ok(compiled.ok)
  return compiled.program.run(env, { maxSteps: 10_000, maxMs: 1_000 })
}

test('request: ClientIP is the first X-Forwarded-For entry only behind a trusted proxy', () => {
  const headers = { host: 'api.local:8080', 'x-forwarded-for': '203.0.113.7, 10.0.0.1' }
  const direct = new ProgramRequest(context(headers), false)
  assert.deepEqual(
    [direct.ClientIP, direct.RemoteAddr, direct.Host, direct.URL, direct.Method],
    ['10.0.0.9', '10.0.0.9', 'api.local:8080', 'http://api.local:8080/orders/1?x=1', 'GET'],
  )
  assert.equal(new ProgramRequest(context(headers), true).ClientIP, '203.0.113.7')
})

test('request.Header: reads what was changed so far; a bad name or a line break is an error', () => {
  const ctx = context({ host: 'a', 'x-token': 'abc' })
  const env = { request: new ProgramRequest(ctx, false) }
  assert.deepEqual(
    run(
      'request.Header.Get("X-TOKEN") == "abc"; request.Header.Set("X-Token", "new"); request.Header.Get("x-token") == "new"',
      env,
    ),
    { ok: true },
  )
  assert.deepEqual(ctx.upstreamHeaderChanges, { 'x-token': 'new' })
  const bad = run('request.Header.Set("Bad Name", "v")', env)
  assert.equal(bad.ok, false)
  assert.match(!bad.ok ? bad.reason : '', /invalid header name Bad Name/)
  const split = run('request.Header.Set("X-A", "v\\r\\nX-Injected: 1")', env)
  assert.match(!split.ok ? split.reason : '', /invalid value for header X-A/)
})

test('upstream: the chosen target as the original names it; Meta from the target metadata', () => {
  const view = new UpstreamView(
    {
      id: 't-1',
      url: 'http://127.0.0.1:9001',
      origin: 'http://127.0.0.1:9001',
      clientKey: 'x',
      weight: 1,
      healthCheckPath: undefined,
    },
    { hostname: 'node-a', zone: 'eu' },
    'orders',
  )
  assert.deepEqual(
    run(
      'upstream.HostName == "node-a" && upstream.Port == 9001 && upstream.Meta.zone == "eu" && upstream.Meta.nope == nil',
      { upstream: view },
    ),
    { ok: true },
  )
  assert.deepEqual(
    { ...view, Meta: { ...view.Meta } },
    {
      Id: 't-1',
      Host: '127.0.0.1',
      HostName: 'node-a',
      Port: 9001,
      ServiceName: 'orders',
      Meta: { hostname: 'node-a', zone: 'eu' },
    },
  )
})

test('logger: the ctx the original passes first is left out; f-forms format like Go', () => {
  const lines: ProgramLogLine[] = []
  const listen = (m: unknown) => lines.push(m as ProgramLogLine)
  subscribe(PROGRAM_LOG_CHANNEL, listen)
  try {
    const env = { ctx: requestCtx(context({}), 'orders'), logger: new ProgramLogger('orders', 'p') }
    assert.deepEqual(
      run(
        'logger.Info(ctx, "hello", 1, [1, 2]); logger.Warnf("%s has %d %%", "x", 3); ctx.TraceId == "trace-1"',
        env,
      ),
      { ok: true },
    )
  } finally {
    unsubscribe(PROGRAM_LOG_CHANNEL, listen)
  }
  assert.deepEqual(
    lines.map((l) => [l.level, l.message]),
    [
      ['info', 'hello 1 [1 2]'],
      ['warn', 'x has 3 %'],
    ],
  )
})

test('RFC 9112 §6: a program cannot write the fields that frame a message (Content-Length, Transfer-Encoding, Connection, Host)', () => {
  for (const name of ['Content-Length', 'Transfer-Encoding', 'Connection', 'Upgrade', 'Host', 'Keep-Alive']) {
    const ctx = context({ host: 'a' })
    const env = { request: new ProgramRequest(ctx, false) }
    const r = run(`request.Header.Set("${name}", "20")`, env)
    assert.equal(r.ok, false, name)
    if (!r.ok) assert.match(r.reason, /is written by the gateway; a program cannot change it/)
    assert.equal(ctx.upstreamHeaderChanges, undefined, `${name}: nothing changed`)
    assert.equal(run(`request.Header.Del("${name}")`, env).ok, false)
  }
})
