import assert from 'node:assert/strict'
import { test } from 'node:test'
import WebSocket from 'ws'
import { api, startGateway } from './helpers.ts'

function wsUrl(http: string): string {
  return `${http.replace(/^http/, 'ws')}/gateway/ws`
}

test('the stream sends both message types; a foreign Origin is refused', async (t) => {
  const gw = await startGateway(t, { admin: { statsInterval: 50 } }, { listen: true })
  await api(gw)({
    method: 'POST',
    url: '/gateway/api/routes',
    payload: { path: '/w', targets: [{ url: 'http://a:1' }] },
  })
  const ws = new WebSocket(wsUrl(gw.url as string), { origin: gw.url as string })
  t.after(() => ws.terminate())
  const seen = new Map<string, unknown>()
  await new Promise<void>((ok, fail) => {
    ws.on('error', fail)
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data))
      seen.set(msg.type, msg.data)
      // Two of each: the greeting and at least one tick.
      if (seen.size === 2) ok()
    })
  })
  const stats = seen.get('stats') as Record<string, unknown>
  assert.equal(typeof stats.totalRequests, 'number')
  const routes = seen.get('routes') as { id: string }[]
  assert.equal(routes[0]?.id, 'manual-/w')

  const refused = new WebSocket(wsUrl(gw.url as string), { origin: 'http://evil.example' })
  const status = await new Promise<number>((ok) =>
    refused.on('unexpected-response', (_req, res) => ok(res.statusCode ?? 0)),
  )
  refused.on('error', () => {})
  refused.terminate()
  assert.equal(status, 403)
})

test('realtime: false answers 503 realtime not enabled, for upgrades and plain GETs', async (t) => {
  const gw = await startGateway(t, { admin: { realtime: false } }, { listen: true })
  const get = await api(gw)({ url: '/gateway/ws' })
  assert.equal(get.statusCode, 503)
  assert.deepEqual(get.json(), { error: 'realtime not enabled' })
  const ws = new WebSocket(wsUrl(gw.url as string))
  const status = await new Promise<number>((ok) =>
    ws.on('unexpected-response', (_req, res) => ok(res.statusCode ?? 0)),
  )
  ws.on('error', () => {})
  ws.terminate()
  assert.equal(status, 503)
})
