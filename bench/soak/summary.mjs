// The short text summary of a soak run (also what BENCHMARKS.md quotes).
const n = (v, d = 0) => (Number.isFinite(v) ? v.toFixed(d) : 'n/a')
const pct = (v) => `${n(v * 100, 1)} %`
const failed = (checks) =>
  Object.entries(checks ?? {})
    .filter(([, ok]) => !ok)
    .map(([k]) => k)

const LINES = {
  soak: (r) => [
    `${r.minutes} min at ${r.rate} req/s (capacity ${n(r.capacityRps)} req/s), 50 conns, 10 WS + 10 SSE held open`,
    `requests ${r.traffic.done} (${n(r.traffic.rps)} req/s achieved, ${r.traffic.skipped} skipped: all 50 conns busy), unexpected answers ${r.traffic.unexpectedTotal}, p99 ${n(r.traffic.p99, 1)} ms; WS echoes ${r.traffic.streams.wsEchoes}, SSE events ${r.traffic.streams.sseEvents}, stream errors ${r.traffic.streams.wsErrors + r.traffic.streams.sseErrors}`,
    `hot reloads applied ${r.reloads.applied}/${r.reloads.written}; admin writes ${r.admin.writes}, failed ${r.admin.failures}`,
    `RSS ${n(r.rss.firstKB / 1024, 1)} → ${n(r.rss.lastKB / 1024, 1)} MiB (after warm-up: max drift ${pct(r.rss.maxDeviation)}); fds ${r.fds.first} → ${r.fds.last} (max drift ${pct(r.fds.maxDeviation)})`,
    `V8 used heap window medians ${r.heapUsedMiB.windowMedians.map((m) => n(m, 1)).join(' / ')} MiB (not judged: it saws with GC)`,
    `event-loop p99 (per scrape): median ${n(r.eventLoopP99Ms.median, 1)} ms, max ${n(r.eventLoopP99Ms.max, 1)} ms`,
  ],
  faults: (r) => [
    `${r.rounds} rounds × ${r.kinds.length} faults (${r.kinds.join(', ')}), ${r.requests} requests, wrong answers ${r.wrong}`,
    ...Object.entries(r.byKind).map(([k, v]) => `  ${k.padEnd(9)} ${JSON.stringify(v.answers)}`),
    `fds ${r.fds.before} → ${r.fds.after}; RSS ${n(r.rss.beforeKB / 1024, 1)} → ${n(r.rss.afterKB / 1024, 1)} MiB`,
    `stats: totalRequests +${r.counters.totalRequests} (sent ${r.requests}), totalErrors +${r.counters.totalErrors} (expected ${r.counters.expectedErrors})`,
  ],
  fuzz: (r) => [
    ...Object.entries(r.apis).map(
      ([api, v]) =>
        `${api.padEnd(18)} ${v.bodies} bodies: ${JSON.stringify(v.statusClasses)}, undocumented 5xx ${v.fiveXx.length}, rejected-but-changed ${v.changedByRejected.length}`,
    ),
    `gateway alive at the end: ${r.alive}`,
  ],
  crash: (r) => [
    `${r.rounds} rounds, ${r.acknowledged} acknowledged writes, lost ${r.lost.length}, corrupt state files ${r.corrupt.length}, restarts failed ${r.restartFailures.length}, temp files left ${r.leftoverTempFiles}`,
  ],
}

export function summaryText(results) {
  const out = [
    `sallyport soak, ${results.meta.startedAt}, node ${results.meta.node}, ${results.meta.cpus} CPUs`,
  ]
  for (const [part, r] of Object.entries(results.parts)) {
    out.push(`${part}: ${r.pass ? 'PASS' : 'FAIL'}${r.error ? ` (${r.error.split('\n')[0]})` : ''}`)
    const bad = failed(r.checks)
    if (bad.length) out.push(`  failed checks: ${bad.join(', ')}`)
    if (!r.error) for (const line of LINES[part](r)) out.push(`  ${line}`)
  }
  return `${out.join('\n')}\n`
}
