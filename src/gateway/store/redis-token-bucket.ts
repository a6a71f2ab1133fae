// A token bucket kept in Redis and taken from by one atomic server-side script, so every gateway in a
// group draws on the same bucket. The script reads the server's clock (TIME): instance clocks do not
// matter. ioredis sends it by EVALSHA and falls back to EVAL when the server does not know it yet.
import type { RedisConnection } from './redis-connection.ts'

/** What the shared bucket answered: taken or not, and the tokens left (fractional) after the answer. */
export interface SharedBucketAnswer {
  readonly ok: boolean
  readonly tokens: number
}

// KEYS[1]: the bucket (hash: tokens, at ms). ARGV: tokens per second, burst.
// The key expires once the bucket would be full again: forgetting it then changes nothing.
const TAKE_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local b = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(b[1])
local at = tonumber(b[2])
if tokens == nil or at == nil then
  tokens = burst
  at = now
end
if now > at then
  tokens = math.min(burst, tokens + (now - at) * rate / 1000)
  at = now
end
local ok = 0
if tokens >= 1 then
  tokens = tokens - 1
  ok = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(at))
redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) / rate * 1000) + 1000)
return { ok, tostring(tokens) }
`

type TakeCommand = (key: string, rate: string, burst: string) => Promise<[number, string]>

const defined = new WeakSet<object>()

/** Takes one token from the shared bucket `key` (under the connection's key prefix). */
export function takeSharedToken(
  conn: RedisConnection,
  key: string,
  ratePerSec: number,
  burst: number,
): Promise<SharedBucketAnswer> {
  const client = conn.client
  if (!defined.has(client)) {
    client.defineCommand('sallyportTakeToken', { numberOfKeys: 1, lua: TAKE_SCRIPT })
    defined.add(client)
  }
  const take = (client as unknown as { sallyportTakeToken: TakeCommand }).sallyportTakeToken.bind(client)
  return take(`${conn.keyPrefix}rl:${key}`, String(ratePerSec), String(burst)).then(([ok, tokens]) => ({
    ok: ok === 1,
    tokens: Number(tokens),
  }))
}
