import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createHealthNotifier, parseHealthDetail } from './health-notifier.ts'

function setup(enabled = true) {
  const events = new EventTarget()
  const sent: string[] = []
  let t = 0
  let on = enabled
  const notifier = createHealthNotifier({
    events,
    notify: (_title, body) => sent.push(body),
    enabled: () => on,
    now: () => t,
    perTargetCooldownMs: 60_000,
    minIntervalMs: 10_000,
  })
  const emit = (targetId: string, healthy: boolean) =>
    events.dispatchEvent(
      new CustomEvent('upstream-health', { detail: { targetId, url: `http://${targetId}`, healthy } }),
    )
  return {
    notifier,
    sent,
    emit,
    advance: (ms: number) => {
      t += ms
    },
    toggle: (v: boolean) => {
      on = v
    },
    events,
  }
}

test('notifies on a healthy → unhealthy transition only', () => {
  const s = setup()
  s.emit('a', true)
  s.emit('a', false)
  s.emit('a', false)
  assert.deepEqual(s.sent, ['http://a stopped answering its health check.'])
})

test('flapping upstreams are rate-limited per target; a burst is folded into the next notice', () => {
  const s = setup()
  s.emit('a', false)
  s.advance(1000)
  s.emit('a', true)
  s.emit('a', false) // within a's cooldown
  s.emit('b', false) // within the global interval: counted
  s.advance(20_000)
  s.emit('c', false)
  assert.equal(s.sent.length, 2)
  assert.match(s.sent[1] ?? '', /http:\/\/c .*and 1 more/)
})

test('can be turned off, and stops listening on close', () => {
  const s = setup(false)
  s.emit('a', false)
  assert.equal(s.sent.length, 0)
  s.toggle(true)
  s.emit('b', false)
  assert.equal(s.sent.length, 1)
  s.notifier.close()
  s.notifier.close()
  s.advance(100_000)
  s.emit('c', false)
  assert.equal(s.sent.length, 1)
})

test('malformed events are ignored', () => {
  assert.equal(parseHealthDetail({ targetId: 1, healthy: false }), undefined)
  assert.equal(parseHealthDetail(null), undefined)
  assert.deepEqual(parseHealthDetail({ targetId: 't', healthy: true }), {
    targetId: 't',
    url: 't',
    healthy: true,
  })
})
