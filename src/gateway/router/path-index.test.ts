import assert from 'node:assert/strict'
import type { IncomingMessage } from 'node:http'
import { describe, test } from 'node:test'
import { literalPrefix, type Matchable, PathIndex } from './path-index.ts'

interface R extends Matchable {
  readonly name: string
}
const req = { method: 'GET', headers: {} } as IncomingMessage
const route = (
  name: string,
  pathType: R['pathType'],
  matchPath: string,
  priority = 0,
  accepts = () => true,
): R => ({
  name,
  pathType,
  matchPath,
  priority,
  accepts,
})

describe('PathIndex', () => {
  test('specificity among equal priorities: exact, longest prefix, regex', () => {
    const idx = new PathIndex([
      route('re', 'regex', '^/a'),
      route('a', 'prefix', '/a'),
      route('ab', 'prefix', '/a/b'),
      route('exact', 'exact', '/a/b'),
      route('root', 'prefix', '/'),
    ])
    assert.equal(idx.match('/a/b', req, '')?.route.name, 'exact')
    assert.equal(idx.match('/a/b/c', req, '')?.route.name, 'ab')
    assert.equal(idx.match('/a/x', req, '')?.route.name, 'a')
    assert.equal(idx.match('/ax', req, '')?.route.name, 're')
    assert.equal(idx.match('/zzz', req, '')?.route.name, 'root')
    assert.equal(idx.match('/a/b/c', req, '')?.matchedLength, 4)
  })

  test('regex routes: anchored, optional, alternated and unanchored patterns all still match', () => {
    const idx = new PathIndex([
      route('orders', 'regex', '^/orders/[0-9]+$'),
      route('colour', 'regex', '^/colou?r/x$'),
      route('either', 'regex', '^/cats|^/dogs'),
      route('anywhere', 'regex', 'report\\.pdf$'),
      route('root', 'prefix', '/'),
    ])
    assert.equal(idx.match('/orders/12', req, '')?.route.name, 'orders')
    assert.equal(idx.match('/orders/x', req, '')?.route.name, 'root')
    assert.equal(idx.match('/color/x', req, '')?.route.name, 'colour')
    assert.equal(idx.match('/colour/x', req, '')?.route.name, 'colour')
    assert.equal(idx.match('/dogs/1', req, '')?.route.name, 'either')
    assert.equal(idx.match('/a/b/report.pdf', req, '')?.route.name, 'anywhere')
    assert.equal(idx.match('/elsewhere', req, '')?.route.name, 'root')
  })

  test('the literal start of an anchored pattern, or nothing when unsure', () => {
    assert.equal(literalPrefix('^/orders/[0-9]+$'), '/orders/')
    assert.equal(literalPrefix('^/colou?r'), '/colo')
    assert.equal(literalPrefix('^/ab{0,2}'), '/a')
    assert.equal(literalPrefix('^/ab+'), '/ab')
    assert.equal(literalPrefix('^/v1\\.0/'), '/v1')
    assert.equal(literalPrefix('^/cats|^/dogs'), '')
    assert.equal(literalPrefix('/orders/[0-9]+'), '')
  })

  test('a higher priority wins over a more specific match, and conditions are honoured', () => {
    const idx = new PathIndex([
      route('specific', 'exact', '/x/y'),
      route('broad', 'prefix', '/x', 5),
      route('picky', 'prefix', '/x', 9, () => false),
    ])
    assert.equal(idx.match('/x/y', req, '')?.route.name, 'broad')
  })

  test('10,000 routes: a lookup touches only the buckets on the request path', () => {
    const routes: R[] = []
    for (let i = 0; i < 5000; i++) routes.push(route(`e${i}`, 'exact', `/svc-${i}/items`))
    for (let i = 0; i < 5000; i++) routes.push(route(`p${i}`, 'prefix', `/svc-${i}`))
    let calls = 0
    const counting = routes.map((r) => ({
      ...r,
      accepts: () => {
        calls++
        return true
      },
    }))
    const idx = new PathIndex(counting)
    assert.equal(idx.match('/svc-4321/items', req, '')?.route.name, 'e4321')
    assert.equal(idx.match('/svc-4321/other/1', req, '')?.route.name, 'p4321')
    assert.equal(idx.match('/nope', req, ''), undefined)
    assert.ok(calls <= 2, `conditions evaluated ${calls} times`)
  })
})
