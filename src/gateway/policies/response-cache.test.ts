// The cache's RFC 9111 rules, one test per rule, named by the section that states it. Values in
// quotes are the cache-tests (cache-tests.fyi) cases the rule is measured with.
import assert from 'node:assert/strict'
import type { IncomingHttpHeaders } from 'node:http'
import { describe, test } from 'node:test'
import type { RequestHead } from '../http/request-head.ts'
import type { ResponseFields } from '../http/response-fields.ts'
import { clientHasCurrent, notModifiedFields } from './cache-conditions.ts'
import { parseAge } from './cache-freshness.ts'
import { type Found, ResponseCache } from './response-cache.ts'

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0)
const HTTP_T0 = new Date(T0).toUTCString()

function req(headers: IncomingHttpHeaders = {}, method = 'GET'): RequestHead {
  return { method, url: '/r', headers: { host: 'h', ...headers }, socket: undefined as never }
}

function cacheOf(ttl?: string): ResponseCache {
  return new ResponseCache('r', ttl === undefined ? {} : { ttl })
}

/** Stores the response as the interceptor does; false when it may not be stored. */
function store(
  cache: ResponseCache,
  headers: ResponseFields,
  opts: { status?: number; request?: RequestHead; at?: number; body?: string } = {},
): boolean {
  const r = opts.request ?? req()
  const at = opts.at ?? T0
  const status = opts.status ?? 200
  const f = cache.admit(r, status, headers, at, at)
  if (f === undefined) return false
  const key = cache.keyOf(r)
  const c = cache.begin(key, undefined) as NonNullable<ReturnType<ResponseCache['begin']>>
  cache.add(c, Buffer.from(opts.body ?? 'stored'))
  cache.commit(c, r, status, headers, f)
  return true
}

function lookup(cache: ResponseCache, afterS: number, r = req()): Found | undefined {
  return cache.lookup(r, cache.keyOf(r), T0 + afterS * 1000)
}

function action(cache: ResponseCache, afterS: number, r = req()): Found['action'] | 'none' {
  return lookup(cache, afterS, r)?.action ?? 'none'
}

describe('RFC 9111 §3 storing responses', () => {
  test('§3 a response with explicit freshness is stored whatever its status (302, 404, 500, 503)', () => {
    for (const status of [302, 404, 500, 503]) {
      const cache = cacheOf()
      assert.ok(store(cache, { 'cache-control': 'max-age=60' }, { status }), String(status))
      const found = lookup(cache, 1)
      assert.equal(found?.action, 'use')
      assert.equal(found?.entry.status, status)
    }
  })

  test('§3 / RFC 9110 §15.1 heuristic freshness (the route ttl) only for heuristically cacheable codes', () => {
    const cache = cacheOf('30s')
    assert.ok(store(cache, {}, { status: 200 }))
    assert.equal(action(cache, 29), 'use')
    assert.equal(action(cache, 31), 'validate', 'stale and without a validator: fetched again')
    assert.equal(store(cacheOf('30s'), {}, { status: 500 }), false)
    assert.equal(store(cacheOf('30s'), {}, { status: 302 }), false)
    assert.equal(store(cacheOf(), {}, { status: 200 }), false, 'no ttl, no validator: nothing to keep')
  })

  test('§5.2.2.3 must-understand: a cache that knows the rules of the status stores it despite no-store', () => {
    assert.ok(store(cacheOf(), { 'cache-control': 'must-understand, no-store, max-age=60' }))
    assert.equal(store(cacheOf(), { 'cache-control': 'must-understand, no-store' }, { status: 206 }), false)
    assert.equal(store(cacheOf(), { 'cache-control': 'must-understand, max-age=60' }, { status: 599 }), false)
  })

  test('§3 no-store, private (shared cache), Set-Cookie, 206 and 304 are not stored', () => {
    assert.equal(store(cacheOf(), { 'cache-control': 'no-store, max-age=60' }), false)
    assert.equal(store(cacheOf(), { 'cache-control': 'nO-StOrE' }), false)
    assert.equal(store(cacheOf(), { 'cache-control': 'private, max-age=60' }), false)
    assert.equal(store(cacheOf(), { 'cache-control': 'max-age=60', 'set-cookie': 'a=b' }), false)
    assert.equal(store(cacheOf(), { 'cache-control': 'max-age=60' }, { status: 206 }), false)
    assert.equal(store(cacheOf(), { 'cache-control': 'max-age=60' }, { status: 304 }), false)
    const noStore = req({ 'cache-control': 'no-store' })
    assert.equal(store(cacheOf(), { 'cache-control': 'max-age=60' }, { request: noStore }), false)
  })

  test('§3.5 with Authorization only public, s-maxage or must-revalidate responses are stored', () => {
    const auth = req({ authorization: 'Bearer x' })
    assert.equal(store(cacheOf(), { 'cache-control': 'max-age=60' }, { request: auth }), false)
    assert.ok(store(cacheOf(), { 'cache-control': 'public, max-age=60' }, { request: auth }))
    assert.ok(store(cacheOf(), { 'cache-control': 's-maxage=60' }, { request: auth }))
  })

  test('§4.1 Vary: * in any of several header lines never matches ("*", "*, *", ", *", "Foo, *")', () => {
    for (const vary of ['*', '*, *', ', *', 'Foo, *', ['*', '*'], ['', '*'], ['foo', '*']])
      assert.equal(store(cacheOf(), { 'cache-control': 'max-age=60', vary }), false, String(vary))
  })

  test('§4.1 a stored response is used only for requests with the same values of its Vary fields', () => {
    const cache = cacheOf()
    const en = req({ 'accept-language': 'en' })
    store(cache, { 'cache-control': 'max-age=60', vary: ['Accept-Language', 'X-Other'] }, { request: en })
    assert.equal(action(cache, 1, en), 'use')
    assert.equal(action(cache, 1, req({ 'accept-language': 'fr' })), 'none')
    assert.equal(action(cache, 1, req({ 'accept-language': 'en', 'x-other': '1' })), 'none')
  })
})

describe('RFC 9111 §4.2 freshness', () => {
  test('§4.2.1 s-maxage wins over max-age in a shared cache', () => {
    const cache = cacheOf()
    store(cache, { 'cache-control': 'max-age=1, s-maxage=100' })
    assert.equal(action(cache, 50), 'use')
    const other = cacheOf()
    store(other, { 'cache-control': 'max-age=100, s-maxage=1' })
    assert.equal(action(other, 50), 'validate')
  })

  test('§4.2.2 heuristic freshness: the route ttl, else a tenth of the time since Last-Modified', () => {
    const lm = new Date(T0 - 1000_000).toUTCString()
    const cache = cacheOf()
    assert.ok(store(cache, { 'last-modified': lm, date: HTTP_T0 }))
    assert.equal(action(cache, 99), 'use')
    assert.equal(action(cache, 101), 'validate')
    const ttl = cacheOf('10s')
    store(ttl, { 'last-modified': lm, date: HTTP_T0 })
    assert.equal(action(ttl, 11), 'validate')
    assert.equal(store(cacheOf(), { 'last-modified': lm }, { status: 302 }), false)
  })

  test('§4.2.3 the current age counts the Date, the Age on arrival, the response delay and the time stored', () => {
    const cache = cacheOf()
    const date = new Date(T0 - 10_000).toUTCString()
    const r = req()
    const f = cache.admit(r, 200, { 'cache-control': 'max-age=60', date, age: '5' }, T0 - 2000, T0)
    // apparent age 10 s; corrected Age 5 + 2 s delay = 7 s: the larger wins
    assert.equal(f?.initialAgeS, 10)
    store(cache, { 'cache-control': 'max-age=60', date, age: '5' })
    assert.equal(lookup(cache, 20)?.ageS, 30)
    assert.equal(action(cache, 49), 'use')
    assert.equal(action(cache, 51), 'validate')
  })

  test('§5.1 Age: of a list its first member counts ("7200, 0" stale, "0, 7200" fresh), of two lines the first', () => {
    const fresh = (age: string | string[]) => {
      const cache = cacheOf()
      store(cache, { 'cache-control': 'max-age=3600', date: HTTP_T0, age, etag: '"e"' })
      return action(cache, 1)
    }
    assert.equal(fresh('7200, 0'), 'validate')
    assert.equal(fresh('0, 7200'), 'use')
    assert.equal(fresh(['7200', '0']), 'validate')
    assert.equal(fresh(['0', '7200']), 'use')
    assert.equal(fresh(['3600', '3600']), 'validate')
    assert.equal(fresh('0, 0'), 'use')
  })

  test('§5.1 Age: a value that is not a non-negative integer ("abc", "-7200", "7200.0") is ignored', () => {
    for (const bad of ['abc', '-7200', '7200.0', '']) {
      assert.equal(parseAge(bad), 0, bad)
      const cache = cacheOf()
      store(cache, { 'cache-control': 'max-age=3600', date: HTTP_T0, age: bad })
      assert.equal(action(cache, 1), 'use', bad)
    }
  })

  test('§1.2.2 Age past 2147483647 is 2147483648: stale ("age-parse-large")', () => {
    assert.equal(parseAge('2147483649'), 2147483648)
    const cache = cacheOf()
    store(cache, { 'cache-control': 'max-age=3600', age: '2147483648', etag: '"e"' })
    assert.equal(action(cache, 0), 'validate')
  })

  test('§4.2.3 the Age sent with a stored answer is its current age, not the one it came with', () => {
    const cache = cacheOf()
    store(cache, { 'cache-control': 'max-age=3600', date: HTTP_T0, age: '100' })
    assert.equal(Math.floor(lookup(cache, 20)?.ageS ?? -1), 120)
  })

  test('§5.3 Expires: a valid date gives the lifetime from Date; an invalid one means already expired', () => {
    const cache = cacheOf()
    store(cache, { expires: new Date(T0 + 60_000).toUTCString(), date: HTTP_T0 })
    assert.equal(action(cache, 59), 'use')
    assert.equal(action(cache, 61), 'validate')
    for (const bad of [
      'Thu, 18 Aug 2050 02:01:18 UTC',
      'Thu, 18-Aug-2050 02:01:18 GMT',
      'Thu, 18 Aug 2050 2:01:18 GMT',
      'Thu 18 Aug 2050 02:01:18 GMT',
      '0',
      ['Thu, 18 Aug 2050 02:01:18 GMT', 'Thu, 18 Aug 2050 02:01:19 GMT'],
    ]) {
      const c = cacheOf()
      store(c, { expires: bad, date: HTTP_T0, etag: '"e"' })
      assert.equal(action(c, 0), 'validate', String(bad))
    }
  })

  test('§5.3 max-age wins over Expires', () => {
    const cache = cacheOf()
    store(cache, { 'cache-control': 'max-age=10', expires: 'Thu, 18 Aug 2050 02:01:18 GMT', etag: '"e"' })
    assert.equal(action(cache, 11), 'validate')
  })
})

describe('RFC 9111 §4.2.4, §5.2 serving stale and the directives that limit it', () => {
  const swr = 'max-age=10, stale-while-revalidate=30'

  test('RFC 5861 §3 stale-while-revalidate: served stale within the window, validated after it', () => {
    const cache = cacheOf()
    store(cache, { 'cache-control': swr, etag: '"e"' })
    assert.equal(action(cache, 5), 'use')
    assert.equal(action(cache, 20), 'serve-stale')
    assert.equal(action(cache, 45), 'validate')
  })

  test('RFC 5861 §4 stale-if-error: may stand in for a failure within the window only', () => {
    const cache = cacheOf()
    store(cache, { 'cache-control': 'max-age=10, stale-if-error=30', etag: '"e"' })
    assert.equal(lookup(cache, 20)?.ifError, true)
    assert.equal(lookup(cache, 45)?.ifError, false)
    const plain = cacheOf()
    store(plain, { 'cache-control': 'max-age=10', etag: '"e"' })
    assert.equal(lookup(plain, 20)?.ifError, false)
    assert.equal(lookup(plain, 20, req({ 'cache-control': 'stale-if-error=60' }))?.ifError, true)
  })

  test('§5.2.2.2 must-revalidate: once stale, validated always (no stale-while-revalidate, no stale-if-error)', () => {
    const cache = cacheOf()
    store(cache, { 'cache-control': `${swr}, must-revalidate, stale-if-error=60`, etag: '"e"' })
    assert.equal(action(cache, 5), 'use')
    assert.equal(lookup(cache, 20)?.action, 'validate')
    assert.equal(lookup(cache, 20)?.ifError, false)
    assert.equal(action(cache, 20, req({ 'cache-control': 'max-stale' })), 'validate')
  })

  test('§5.2.2.8 proxy-revalidate and §5.2.2.10 s-maxage mean the same for a shared cache', () => {
    for (const cc of [`${swr}, proxy-revalidate`, 's-maxage=10, stale-while-revalidate=30']) {
      const cache = cacheOf()
      store(cache, { 'cache-control': cc, etag: '"e"' })
      assert.equal(action(cache, 20), 'validate', cc)
    }
  })

  test('§5.2.2.4 a no-cache response is stored but validated on every use, even when fresh', () => {
    const cache = cacheOf()
    assert.ok(store(cache, { 'cache-control': 'no-cache, max-age=3600', etag: '"e"' }))
    assert.equal(action(cache, 1), 'validate')
    assert.equal(lookup(cache, 1)?.ifError, false)
  })

  test('§5.2.1.4 a no-cache request (or Pragma: no-cache without Cache-Control) validates a fresh entry', () => {
    const cache = cacheOf()
    store(cache, { 'cache-control': 'max-age=3600', etag: '"e"' })
    assert.equal(action(cache, 1, req({ 'cache-control': 'no-cache' })), 'validate')
    assert.equal(action(cache, 1, req({ pragma: 'no-cache' })), 'validate')
    assert.equal(action(cache, 1, req({ pragma: 'no-cache', 'cache-control': 'max-age=60' })), 'use')
  })

  test('§5.2.1.1 max-age, §5.2.1.3 min-fresh and §5.2.1.2 max-stale in the request', () => {
    const cache = cacheOf()
    store(cache, { 'cache-control': 'max-age=100', etag: '"e"' })
    assert.equal(action(cache, 50, req({ 'cache-control': 'max-age=40' })), 'validate')
    assert.equal(action(cache, 50, req({ 'cache-control': 'max-age=60' })), 'use')
    assert.equal(action(cache, 50, req({ 'cache-control': 'min-fresh=60' })), 'validate')
    assert.equal(action(cache, 50, req({ 'cache-control': 'min-fresh=40' })), 'use')
    assert.equal(action(cache, 120, req({ 'cache-control': 'max-stale=30' })), 'use')
    assert.equal(action(cache, 140, req({ 'cache-control': 'max-stale=30' })), 'validate')
    assert.equal(action(cache, 9999, req({ 'cache-control': 'max-stale' })), 'use')
  })
})

describe('RFC 9111 §4.3 validation', () => {
  test('§4.3.4 a 304 updates the stored headers (not Content-Length) and the freshness it gives', () => {
    const cache = cacheOf()
    store(cache, {
      'cache-control': 'max-age=1',
      etag: '"a"',
      'test-header': 'A',
      'content-length': '6',
      'content-type': 'text/plain',
    })
    const found = lookup(cache, 5) as Found
    assert.equal(found.action, 'validate')
    const at = T0 + 5000
    const updated = cache.revalidated(
      cache.keyOf(req()),
      found.entry,
      { 'cache-control': 'max-age=3600', etag: '"a"', 'test-header': 'B', 'content-length': '0' },
      at,
      at,
    )
    assert.equal(updated.headers['test-header'], 'B')
    assert.equal(updated.headers['content-length'], '6')
    assert.equal(updated.headers['content-type'], 'text/plain')
    assert.equal(updated.body.toString(), 'stored')
    const again = lookup(cache, 100) as Found
    assert.equal(again.action, 'use')
    assert.equal(again.entry, updated)
    assert.equal(Math.floor(again.ageS), 95)
  })

  test('§4.3.4 a 304 that says no-store answers once and leaves nothing stored', () => {
    const cache = cacheOf()
    store(cache, { 'cache-control': 'max-age=1', etag: '"a"' })
    const found = lookup(cache, 5) as Found
    cache.revalidated(cache.keyOf(req()), found.entry, { 'cache-control': 'no-store' }, T0, T0)
    assert.equal(action(cache, 6), 'none')
  })

  test('§4.3.2 If-None-Match on a stored response: weak comparison, lists and *', () => {
    const cache = cacheOf()
    store(cache, { 'cache-control': 'max-age=60', etag: 'W/"v1"' })
    const f = (lookup(cache, 1) as Found).entry.freshness
    for (const inm of ['"v1"', 'W/"v1"', '"x", "v1", "y"', '*'])
      assert.equal(clientHasCurrent(req({ 'if-none-match': inm }), f), true, inm)
    assert.equal(clientHasCurrent(req({ 'if-none-match': '"v2"' }), f), false)
  })

  test('§4.3.2 If-Modified-Since: compared with Last-Modified, else Date; If-None-Match takes precedence', () => {
    const cache = cacheOf()
    const lm = new Date(T0 - 3600_000).toUTCString()
    store(cache, { 'cache-control': 'max-age=60', etag: '"v1"', 'last-modified': lm, date: HTTP_T0 })
    const f = (lookup(cache, 1) as Found).entry.freshness
    assert.equal(clientHasCurrent(req({ 'if-modified-since': lm }), f), true)
    assert.equal(clientHasCurrent(req({ 'if-modified-since': HTTP_T0 }), f), true)
    const earlier = new Date(T0 - 7200_000).toUTCString()
    assert.equal(clientHasCurrent(req({ 'if-modified-since': earlier }), f), false)
    assert.equal(clientHasCurrent(req({ 'if-modified-since': lm, 'if-none-match': '"v0"' }), f), false)
    assert.equal(clientHasCurrent(req({ 'if-modified-since': lm }, 'POST'), f), false)
    const noLm = cacheOf()
    store(noLm, { 'cache-control': 'max-age=60', date: HTTP_T0 })
    const g = (lookup(noLm, 1) as Found).entry.freshness
    assert.equal(clientHasCurrent(req({ 'if-modified-since': HTTP_T0 }), g), true)
    assert.equal(clientHasCurrent(req({ 'if-modified-since': earlier }), g), false)
  })

  test('RFC 9110 §15.4.5 a 304 keeps Cache-Control, Content-Location, Date, ETag, Expires, Vary only', () => {
    const fields = notModifiedFields({
      'cache-control': 'max-age=60',
      etag: '"v1"',
      date: HTTP_T0,
      vary: 'accept',
      'content-type': 'text/plain',
      'content-length': '6',
      'x-custom': '1',
    })
    assert.deepEqual(Object.keys(fields).sort(), ['cache-control', 'date', 'etag', 'vary'])
  })

  test('§4.4 invalidation drops every stored variant of the URL', () => {
    const cache = cacheOf()
    store(cache, { 'cache-control': 'max-age=60' })
    cache.invalidate(cache.keyOf(req()))
    assert.equal(action(cache, 1), 'none')
  })
})
