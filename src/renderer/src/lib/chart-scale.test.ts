import assert from 'node:assert/strict'
import { test } from 'node:test'
import { niceStep, niceTicks, tickLabels, timeTicks } from './chart-scale.ts'

test('steps are 1, 2 or 5 × 10ⁿ', () => {
  assert.deepEqual(
    [0.03, 0.15, 0.7, 1, 3, 7, 13, 240, 4100].map(niceStep),
    [0.05, 0.2, 1, 1, 5, 10, 20, 500, 5000],
  )
})

test('ticks reach the maximum, never repeat a label, and carry their unit', () => {
  for (const [max, unit] of [
    [0.27, 'rate'],
    [0.8, 'rate'],
    [3, 'rate'],
    [640, 'ms'],
    [1520, 'ms'],
    [8, 'ms'],
    [14.3, 'percent'],
    [0.4, 'percent'],
  ] as const) {
    const ticks = niceTicks(max, unit)
    assert.ok((ticks.at(-1) as number) >= Math.min(max, 100), `${max}: ${ticks}`)
    assert.ok(ticks.length >= 2 && ticks.length <= 6, `${max}: ${ticks}`)
    const labels = tickLabels(ticks, unit)
    assert.equal(new Set(labels).size, labels.length, `repeated label: ${labels}`)
    if (unit !== 'rate') for (const l of labels) assert.match(l, /\u00a0(ms|s|%)$/)
  }
  assert.deepEqual(
    tickLabels(niceTicks(640, 'ms'), 'ms'),
    ['0 ms', '200 ms', '400 ms', '600 ms', '800 ms'].map((l) => l.replace(' ', '\u00a0')),
  )
  assert.deepEqual(
    tickLabels(niceTicks(1520, 'ms'), 'ms'),
    ['0.0 s', '0.5 s', '1.0 s', '1.5 s', '2.0 s'].map((l) => l.replace(' ', '\u00a0')),
  )
})

test('a percentage axis stops at 100 % whatever the data', () => {
  assert.deepEqual(niceTicks(130, 'percent'), [0, 50, 100])
  assert.equal(niceTicks(97, 'percent').at(-1), 100)
})

test('time ticks fall on whole marks, several per chart', () => {
  const end = Date.UTC(2026, 0, 1, 12, 0, 7)
  const hour = timeTicks(end - 3_600_000, end)
  assert.ok(hour.length >= 4 && hour.length <= 5, `${hour.length}`)
  for (const t of hour) assert.equal(t % 900_000, 0)
  const minute = timeTicks(end - 60_000, end)
  assert.ok(minute.length >= 4, `${minute.length}`)
})
