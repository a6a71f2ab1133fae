// The event-loop delay as a user reads it: GET /gateway/api/stats (eventLoop) and GET /metrics (a
// Prometheus histogram), after the test holds the gateway's event loop for 150 ms.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { createGateway, type Gateway } from '../../src/gateway/index.ts'

let gw: Gateway
let url: string

before(async () => {
  gw = await createGateway({ port: 0, discovery: false, config: { routes: [] } })
  url = (await gw.listen()).url
  await new Promise((r) => setTimeout(r, 100))
  const until = performance.now() + 150
  while (performance.now() < until) {
    // Holding the event loop, as a synchronous 150 ms task in the gateway would.
  }
  await new Promise((r) => setTimeout(r, 50))
})
after(() => gw.close())

test('stats report the event-loop delay of the last minute', async () => {
  const stats = (await (await fetch(`${url}/gateway/api/stats`)).json()) as {
    eventLoop: { p50Ms: number; p99Ms: number; maxMs: number; windowS: number }
  }
  assert.ok(stats.eventLoop.maxMs >= 100, `maxMs ${stats.eventLoop.maxMs}`)
  assert.ok(stats.eventLoop.p50Ms < stats.eventLoop.maxMs)
  assert.ok(stats.eventLoop.windowS >= 0 && stats.eventLoop.windowS <= 60)
})

test('/metrics has the delay histogram, named apart from prom-client defaults', async () => {
  const text = await (await fetch(`${url}/metrics`)).text()
  assert.match(text, /# TYPE sallyport_event_loop_delay_seconds histogram/)
  // Slots reach the buckets every 10 s (stats/event-loop-delay.test.ts checks the counts).
  const inf = Number(/sallyport_event_loop_delay_seconds_bucket\{le="\+Inf"\} (\d+)/.exec(text)?.[1])
  const count = Number(/sallyport_event_loop_delay_seconds_count (\d+)/.exec(text)?.[1])
  assert.equal(inf, count)
  assert.match(text, /sallyport_event_loop_delay_seconds_bucket\{le="0.05"\} \d+/)
  assert.match(text, /sallyport_nodejs_eventloop_lag_p99_seconds/)
})
