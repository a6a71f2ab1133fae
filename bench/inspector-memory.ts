// The request inspector's memory with its ring full of 64 KiB bodies both ways:
//   node --expose-gc bench/inspector-memory.ts [bodyBudget bytes] [requests]
// Prints heap, external and RSS after filling the ring (500 records) and after N more requests: the
// kept bodies must stay at inspector.bodyBudget, the heap flat.
import type { Socket } from 'node:net'
import { DEFAULTS } from '../src/gateway/config/defaults.ts'
import { BodyCapture } from '../src/gateway/stats/body-capture.ts'
import type { ExchangeEvent } from '../src/gateway/stats/exchange-event.ts'
import { Redactor } from '../src/gateway/stats/redaction.ts'
import { RequestRing } from '../src/gateway/stats/request-ring.ts'

const KiB = 1024
const budget = Number(process.argv[2] ?? DEFAULTS.inspectorBodyBudget)
const requests = Number(process.argv[3] ?? 20_000)
const gc = (globalThis as { gc?: () => void }).gc
if (!gc) throw new Error('run with node --expose-gc')
const mb = (n: number) => (n / (KiB * KiB)).toFixed(1)
function report(label: string): void {
  gc?.()
  gc?.()
  const m = process.memoryUsage()
  console.log(
    `${label.padEnd(28)} rss ${mb(m.rss)} MB  heapUsed ${mb(m.heapUsed)} MB  arrayBuffers ${mb(m.arrayBuffers)} MB`,
  )
}

report('empty')
const ring = new RequestRing(500, new Redactor(), budget)
const headers = {
  host: 'localhost:8080',
  'user-agent': 'curl/8.5.0',
  accept: '*/*',
  'content-type': 'application/json',
  authorization: 'Bearer abcdefghijklmnopqrstuvwxyz',
}
const chunk = Buffer.alloc(16 * KiB, 0x61)
for (let i = 0; i < requests; i++) {
  // 80 KiB each way, cut at 64 KiB, copied 16 KiB at a time as the proxy would.
  const request = new BodyCapture(ring.arena, 64 * KiB, 80 * KiB)
  const response = new BodyCapture(ring.arena, 64 * KiB, 80 * KiB)
  for (let k = 0; k < 5; k++) {
    request.add(chunk)
    response.add(chunk)
  }
  const event = {
    req: { method: 'POST', url: `/api/orders/${i}?page=2`, headers, socket: {} as Socket },
    traffic: {},
    route: { id: 'orders' },
    target: { spec: { url: 'http://127.0.0.1:3001' } },
    upstreamPath: `/orders/${i}?page=2`,
    upstreamHeaders: { ...headers, host: '127.0.0.1:3001', 'x-forwarded-for': '127.0.0.1' },
    status: 200,
    responseHeaders: { 'content-type': 'application/json', 'content-length': '81920' },
    outcome: 'upstream',
    attempts: 1,
    startedAt: Date.now(),
    durationMs: 3,
    started: 0,
    attemptStarted: 0.1,
    headAt: 2,
    connectMs: 0,
    body: undefined,
    requestCapture: request,
    responseCapture: response,
    error: undefined,
    traceId: '',
  } satisfies ExchangeEvent
  ring.add(event, 64 * KiB)
  if (i === 499) report('ring full (500 requests)')
}
report(`after ${requests} requests`)
console.log(`records ${ring.size}, body bytes kept ${mb(ring.bodyBytes)} MB of a ${mb(budget)} MB budget`)
