// Circuit breakers shared by a gateway group (`store.redis.shareBreakers`): a circuit that opens or
// closes here is published on `<prefix>breakers` and applied by every other gateway; an open one is
// also kept in `<prefix>breaker:<target id>` until it would half-open, so a gateway that starts later
// (or reconnects after an outage) opens it too, and one opened during an outage is published on
// reconnect. Only transitions reach Redis, never a request. Each gateway still tries its own half-open
// request; whichever closes the circuit closes it everywhere.
import { randomUUID } from 'node:crypto'
import type { TargetState, TargetStateRegistry } from '../health/target-state.ts'
import type { RedisConnection } from '../store/redis-connection.ts'
import { close, openFor } from './circuit-breaker.ts'

interface CircuitMessage {
  readonly from: string
  readonly target: string
  readonly state: 'open' | 'closed'
  /** How long it stays open from now (relative: gateway clocks need not agree). */
  readonly ms: number
}

const ignore = () => {}

export function shareBreakers(conn: RedisConnection, states: TargetStateRegistry): { close(): void } {
  const self = randomUUID()
  const channel = `${conn.keyPrefix}breakers`
  const keyPrefix = `${conn.keyPrefix}breaker:`
  // Set while a remote verdict is applied, so it is not published back.
  let applying = false

  const apply = (target: string, state: 'open' | 'closed', ms: number) => {
    const s = states.peek(target)
    if (!s?.breaker) return
    if (
      state === 'closed'
        ? s.circuitState === 'closed'
        : s.circuitState === 'open' && s.openUntil >= Date.now() + ms
    )
      return
    applying = true
    try {
      if (state === 'open') openFor(s, ms, Date.now())
      else close(s)
    } finally {
      applying = false
    }
  }

  const publish = (s: TargetState) => {
    if (applying || !conn.up || (s.circuitState !== 'open' && s.circuitState !== 'closed')) return
    const ms = s.circuitState === 'open' ? Math.max(1, s.openUntil - Date.now()) : 0
    const key = keyPrefix + s.id
    const done = s.circuitState === 'open' ? conn.client.set(key, '1', 'PX', ms) : conn.client.del(key)
    done.catch(ignore)
    const msg: CircuitMessage = { from: self, target: s.id, state: s.circuitState, ms }
    conn.client.publish(channel, JSON.stringify(msg)).catch(ignore)
  }
  states.onCircuitChange(publish)

  const sub = conn.subscriber()
  sub.subscribe(channel).catch(ignore)
  sub.on('message', (_channel: string, text: string) => {
    let m: CircuitMessage
    try {
      m = JSON.parse(text) as CircuitMessage
    } catch {
      return
    }
    if (m.from !== self && typeof m.target === 'string') apply(m.target, m.state, Number(m.ms) || 0)
  })

  // What is open right now: read when the store (re)connects.
  const load = async () => {
    let cursor = '0'
    do {
      const [next, keys] = await conn.client.scan(cursor, 'MATCH', `${keyPrefix}*`, 'COUNT', 200)
      cursor = next
      for (const key of keys) {
        const ms = await conn.client.pttl(key)
        if (ms > 0) apply(key.slice(keyPrefix.length), 'open', ms)
      }
    } while (cursor !== '0')
  }
  // Back after an outage: what opened here meanwhile is told to the others, then what they have is read.
  const onChange = () => {
    if (!conn.up) return
    for (const s of states.all()) if (s.breaker && s.circuitState === 'open') publish(s)
    load().catch(ignore)
  }
  conn.events.addEventListener('change', onChange)
  if (conn.up) onChange()
  // The subscriber reconnects on its own schedule: what another gateway published before it was back
  // (pub/sub keeps nothing) is in the keys, read again once it listens.
  sub.on('ready', () => {
    if (conn.up) load().catch(ignore)
  })

  return {
    close() {
      states.onCircuitChange(undefined)
      conn.events.removeEventListener('change', onChange)
      sub.disconnect()
    },
  }
}
