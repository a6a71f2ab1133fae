import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { type RedisServer, startRedisServer } from '../../../e2e/fixtures/redis-server.ts'
import { connectRedis } from './redis-connection.ts'

let redis: RedisServer
before(async () => {
  redis = await startRedisServer()
})
after(async () => {
  await redis.close()
})

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not reached in time')
    await new Promise((r) => setTimeout(r, 20))
  }
}

test('the connection reports the store down within its timeout and up again when it returns', async () => {
  const conn = connectRedis({ url: redis.url, keyPrefix: 't:', timeoutMs: 200, failMode: 'open' })
  try {
    await until(() => conn.up)
    assert.equal(await conn.client.set('t:k', 'v'), 'OK')
    await redis.stop()
    await until(() => !conn.up)
    assert.notEqual(conn.reason, '')
    // A command while the store is down fails at once instead of waiting for the reconnect.
    const started = Date.now()
    await assert.rejects(conn.client.get('t:k'))
    assert.ok(Date.now() - started < 1000, 'a command on a dead store must not hang')
    await redis.start()
    await until(() => conn.up, 8000)
    assert.equal(await conn.client.ping(), 'PONG')
  } finally {
    await conn.close()
  }
})
