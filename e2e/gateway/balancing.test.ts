import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { send, startGateway, startUpstream, type Upstream } from './helpers.ts'

describe('load balancing', () => {
  let a: Upstream
  let b: Upstream
  let gw: Awaited<ReturnType<typeof startGateway>>
  before(async () => {
    a = await startUpstream('a')
    b = await startUpstream('b')
    const targets = [
      { url: a.url, weight: 3 },
      { url: b.url, weight: 1 },
    ]
    gw = await startGateway({
      routes: [
        { path: '/wrr', loadBalancer: 'weighted-round-robin', targets },
        { path: '/wrand', loadBalancer: 'weighted_random', targets },
        { path: '/rr', loadBalancer: 'round_robin', targets },
        { path: '/random', loadBalancer: 'random', targets },
        { path: '/least', loadBalancer: 'least-load', targets },
        { path: '/hash', loadBalancer: 'hash', hashKey: 'header:x-user', targets },
      ],
    })
  })
  after(async () => {
    await gw.close()
    await Promise.all([a.close(), b.close()])
  })

  async function shares(
    path: string,
    n: number,
    headers: (i: number) => Record<string, string> = () => ({}),
  ): Promise<Record<string, number>> {
    const counts: Record<string, number> = { a: 0, b: 0 }
    for (let i = 0; i < n; i++) {
      const r = await send(`${gw.base}${path}`, { headers: headers(i) })
      const who = String(r.headers['x-upstream'])
      counts[who] = (counts[who] ?? 0) + 1
    }
    return counts
  }

  for (const path of ['/wrr', '/wrand']) {
    test(`${path}: weights 3:1 hold within ±10 % over 400 requests`, async () => {
      const c = await shares(path, 400)
      assert.ok(Math.abs((c.a ?? 0) - 300) <= 30, `a got ${c.a}`)
      assert.ok(Math.abs((c.b ?? 0) - 100) <= 30, `b got ${c.b}`)
    })
  }

  test('smooth weighted round-robin interleaves (a a b a, never a a a b)', async () => {
    const seq: string[] = []
    for (let i = 0; i < 8; i++) seq.push(String((await send(`${gw.base}/wrr`)).headers['x-upstream']))
    for (let i = 0; i + 3 < seq.length; i++) assert.ok(seq.slice(i, i + 4).includes('b'), seq.join(' '))
  })

  test('round-robin ignores weights and alternates', async () => {
    const c = await shares('/rr', 40)
    assert.equal(c.a, 20)
    assert.equal(c.b, 20)
  })

  test('random and least-load reach both targets', async () => {
    for (const p of ['/random', '/least']) {
      const c = await shares(p, 60)
      assert.ok((c.a ?? 0) > 0 && (c.b ?? 0) > 0, `${p}: ${JSON.stringify(c)}`)
    }
  })

  test('hash on a header is sticky per key and spreads keys', async () => {
    const byUser = new Map<string, Set<string>>()
    for (let i = 0; i < 120; i++) {
      const user = `user-${i % 30}`
      const r = await send(`${gw.base}/hash`, { headers: { 'x-user': user } })
      const set = byUser.get(user) ?? new Set()
      set.add(String(r.headers['x-upstream']))
      byUser.set(user, set)
    }
    for (const [user, set] of byUser) assert.equal(set.size, 1, `${user} moved between targets`)
    const used = new Set([...byUser.values()].flatMap((s) => [...s]))
    assert.equal(used.size, 2)
  })
})
