import assert from 'node:assert/strict'
import { test } from 'node:test'
import { REDACTED, redactConfig } from './redact.ts'

test('secrets never leave: secret keys and the password inside a URL (store.redis.url) are redacted', () => {
  const out = redactConfig({
    store: { redis: { url: 'redis://app:hunter2@10.0.0.5:6379/0', keyPrefix: 'sp:' } },
    dialects: { fluxgate: { apiKey: 'k-123456789' } },
    routes: [{ targets: [{ url: 'http://127.0.0.1:3000/a' }], jwt: { secret: 's' } }],
    other: 'rediss://:onlypass@cache.local:6380',
  })
  assert.equal(out.store.redis.url, `redis://app:${REDACTED}@10.0.0.5:6379/0`)
  assert.equal(out.other, `rediss://:${REDACTED}@cache.local:6380`)
  assert.equal(out.dialects.fluxgate.apiKey, REDACTED)
  assert.equal(out.routes[0]?.jwt.secret, REDACTED)
  assert.equal(
    out.routes[0]?.targets[0]?.url,
    'http://127.0.0.1:3000/a',
    'a URL without a password is left alone',
  )
  assert.equal(out.store.redis.keyPrefix, 'sp:')
})
