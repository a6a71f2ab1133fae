import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { parseHttpDate } from './http-date.ts'

const AUG_18_2050 = Date.UTC(2050, 7, 18, 2, 1, 18)
const NOW = Date.UTC(2026, 0, 1)

describe('RFC 9110 §5.6.7 HTTP-date', () => {
  test('IMF-fixdate parses (in any letter case: cache-tests wrong-case cases)', () => {
    assert.equal(parseHttpDate('Thu, 18 Aug 2050 02:01:18 GMT'), AUG_18_2050)
    assert.equal(parseHttpDate('THU, 18 AUG 2050 02:01:18 gMT'), AUG_18_2050)
    assert.equal(parseHttpDate('Tue, 19 Jan 2038 14:14:08 GMT'), Date.UTC(2038, 0, 19, 14, 14, 8))
    assert.equal(parseHttpDate('Sun, 21 Nov 2286 04:46:39 GMT'), Date.UTC(2286, 10, 21, 4, 46, 39))
  })

  test('the obsolete RFC 850 form parses; a two-digit year more than 50 years ahead is last century', () => {
    assert.equal(parseHttpDate('Thursday, 18-Aug-50 02:01:18 GMT', NOW), AUG_18_2050)
    assert.equal(parseHttpDate('Sunday, 06-Nov-94 08:49:37 GMT', NOW), Date.UTC(1994, 10, 6, 8, 49, 37))
  })

  test('the obsolete asctime() form parses (one-digit day padded with a space)', () => {
    assert.equal(parseHttpDate('Thu Aug  8 02:01:18 2050'), Date.UTC(2050, 7, 8, 2, 1, 18))
    assert.equal(parseHttpDate('Thu Aug 18 02:01:18 2050'), AUG_18_2050)
  })

  test('anything else is no date (the cache-tests freshness-expires-invalid-* values)', () => {
    for (const bad of [
      'Thu, 18 Aug 2050 02:01:18 UTC',
      'Thu, 18 Aug 2050 02:01:18 AEST',
      'Thu, 18 Aug 50 02:01:18 GMT',
      'Thu 18 Aug 2050 02:01:18 GMT',
      'Thu, 18  Aug  2050 02:01:18 GMT',
      'Thu, 18-Aug-2050 02:01:18 GMT',
      'Thu, 18 Aug 2050 02.01.18 GMT',
      'Thu, 18 Aug 2050 2:01:18 GMT',
      'Thu, 31 Feb 2050 02:01:18 GMT',
      'Thu, 18 Aug 2050 25:01:18 GMT',
      '0',
      '',
      '2050-08-18T02:01:18Z',
    ])
      assert.equal(parseHttpDate(bad), undefined, bad)
  })
})
