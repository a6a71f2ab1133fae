import assert from 'node:assert/strict'
import { test } from 'node:test'
import { buildSummary, pairedRatio, renderMarkdown } from './report.mjs'

// Three interleaved rounds in which the machine slows down from round to round: each round Sallyport is
// 1.3× the floor, but Sallyport's slowest round and the floor's fastest round make the medians' ratio 1.0.
const run = (name, round, rps, p99 = 5) => ({ name, body: 'small', round, rps, p99 })
const results = {
  meta: { options: { rounds: 3 } },
  scenarios: {
    throughput: {
      rows: [
        { name: 'sallyport', body: 'small', rps: 10_400, p99: 5, n: 3 },
        { name: 'undici-floor', body: 'small', rps: 10_400, p99: 5, n: 3 },
      ],
      runs: [
        run('sallyport', 1, 15_600),
        run('undici-floor', 1, 12_000),
        run('sallyport', 2, 10_400),
        run('undici-floor', 2, 8_000),
        run('sallyport', 3, 6_500),
        run('undici-floor', 3, 5_000),
        { ...run('sallyport', 4, 1), failed: 'crashed' },
        run('undici-floor', 4, 99_000),
      ],
    },
  },
}

test('paired ratio is the median of round-by-round ratios, skipping failed and unpaired rounds', () => {
  const p = pairedRatio(results, 'throughput', 'small', 'sallyport', 'undici-floor')
  assert.deepEqual(
    p.perRound.map((x) => x.toFixed(2)),
    ['1.30', '1.30', '1.30'],
  )
  assert.equal(p.median.toFixed(2), '1.30')
  assert.ok(Number.isNaN(pairedRatio(results, 'throughput', '64k', 'sallyport', 'undici-floor').median))
})

test('the target is judged on the paired ratio and the table says when the medians disagree', () => {
  const summary = buildSummary(results)
  const row = summary.find((r) => r.metric.startsWith('throughput, 100 B'))
  assert.equal(row.vs['undici-floor'], 1)
  assert.equal(row.pass, true)
  assert.equal(row.unpairedPass, false)
  const md = renderMarkdown({ ...results, meta: { ...results.meta, machine: {}, options: { rounds: 3 } } }, [
    row,
  ])
  assert.match(md, /\| 1\.30 \| ≥ 1\.25× undici-floor.*\| yes \(no by medians\) \|/)
  assert.match(md, /per round 1\.30 \/ 1\.30 \/ 1\.30/)
})
