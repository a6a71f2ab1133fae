import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { send, startGateway, startUpstream, type Upstream } from './helpers.ts'

describe('route matching', () => {
  const ups: Record<string, Upstream> = {}
  let gw: Awaited<ReturnType<typeof startGateway>>
  before(async () => {
    for (const n of ['exact', 'prefix', 'deeper', 'regex', 'post', 'host', 'header', 'high', 'root'])
      ups[n] = await startUpstream(n)
    const t = (n: string) => [{ url: (ups[n] as Upstream).url }]
    gw = await startGateway({
      routes: [
        { id: 'root', path: '/*', targets: t('root'), priority: -10 },
        { path: '/shop', pathType: 'exact', targets: t('exact') },
        { path: '/shop/*', targets: t('prefix') },
        { path: '/shop/cart', targets: t('deeper') },
        { path: '^/files/[0-9]+\\.png$', pathType: 'regex', targets: t('regex') },
        { path: '/orders', methods: ['POST'], targets: t('post') },
        { path: '/orders', hosts: ['*.tenant.test'], targets: t('host') },
        { path: '/orders', matchHeaders: { 'x-canary': 'yes' }, targets: t('header') },
        { path: '/vip', targets: t('prefix') },
        { path: '/vip', matchHeaders: { 'x-tier': '~^gold' }, priority: 50, targets: t('high') },
      ],
    })
  })
  after(async () => {
    await gw.close()
    await Promise.all(Object.values(ups).map((u) => u.close()))
  })

  const who = async (path: string, opts: { method?: string; headers?: Record<string, string> } = {}) =>
    String((await send(`${gw.base}${path}`, opts)).headers['x-upstream'])

  test('exact beats prefix on the same path; longer prefix beats shorter', async () => {
    assert.equal(await who('/shop'), 'exact')
    assert.equal(await who('/shop/'), 'prefix')
    assert.equal(await who('/shop/items/1'), 'prefix')
    assert.equal(await who('/shop/cart/9'), 'deeper')
    assert.equal(await who('/shopping'), 'root', 'a prefix matches on segment boundaries only')
  })

  test('regex routes', async () => {
    assert.equal(await who('/files/12.png'), 'regex')
    assert.equal(await who('/files/x.png'), 'root')
  })

  test('method, host and header conditions', async () => {
    assert.equal(await who('/orders', { method: 'POST' }), 'post')
    assert.equal(await who('/orders', { headers: { host: 'acme.tenant.test:8080' } }), 'host')
    assert.equal(await who('/orders', { headers: { 'x-canary': 'yes' } }), 'header')
    assert.equal(await who('/orders'), 'root', 'no condition met: the catch-all answers')
  })

  test('priority decides before specificity', async () => {
    assert.equal(await who('/vip', { headers: { 'x-tier': 'gold-plus' } }), 'high')
    assert.equal(await who('/vip'), 'prefix')
  })

  test('dot segments are resolved before matching', async () => {
    assert.equal(await who('/files/../shop'), 'exact')
  })
})
