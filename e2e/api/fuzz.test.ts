// Bounded fuzzing of admin bodies: whatever arrives, the answer is never 5xx and the gateway keeps serving.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { api, startGateway } from './helpers.ts'

test('admin write bodies never produce 5xx', async (t) => {
  const gw = await startGateway(t)
  const call = api(gw)
  const target = fc.record(
    { url: fc.oneof(fc.webUrl(), fc.string()), weight: fc.oneof(fc.integer(), fc.string()) },
    { requiredKeys: [] },
  )
  const routeLike = fc.record(
    {
      path: fc.oneof(fc.constantFrom('/a', '/gateway', '/', '/x/*'), fc.string()),
      pathType: fc.constantFrom('prefix', 'exact', 'regex', 'bogus'),
      targets: fc.array(target, { maxLength: 3 }),
      priority: fc.oneof(fc.integer(), fc.double()),
      methods: fc.array(fc.string(), { maxLength: 2 }),
      timeout: fc.oneof(fc.nat(), fc.string()),
    },
    { requiredKeys: [] },
  )
  const payload = fc.oneof(routeLike, fc.jsonValue(), fc.string())
  const method = fc.constantFrom('POST', 'PUT')
  await fc.assert(
    fc.asyncProperty(payload, method, fc.boolean(), async (body, m, raw) => {
      const url = m === 'POST' ? '/gateway/api/routes' : '/gateway/api/routes/manual-/a'
      const text = typeof body === 'string' && raw ? body : JSON.stringify(body)
      const r = await call({ method: m, url, headers: { 'content-type': 'application/json' }, payload: text })
      assert.ok(r.statusCode < 500, `${r.statusCode} ${r.body} for ${text}`)
      assert.equal(typeof r.json().error === 'string' || r.statusCode < 300, true)
    }),
    { numRuns: 200, seed: 4242 },
  )
  assert.equal((await call({ url: '/gateway/api/stats' })).statusCode, 200)
})
