// The gateway under test for the soak parts: one real process from the TypeScript source, on loopback,
// without discovery, plus readers of its RSS, open descriptors and event-loop delay.
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { HOST, start, stop, waitReady } from '../lib/procs.mjs'

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
export const GATEWAY_CPU = '1'
export const CLIENT_CPU = '0'

/** Start `node src/gateway/cli.ts` on `port` with `config` (a file) and `dataDir`; resolves once /live answers. */
export async function startGateway({ port, config, dataDir, logFile, cpu = GATEWAY_CPU, readyMs = 30_000 }) {
  const argv = [process.execPath, path.join(REPO, 'src', 'gateway', 'cli.ts'), '--no-discovery']
  argv.push('--host', HOST, '--port', String(port), '--data-dir', dataDir, '--log-level', 'warn')
  if (config) argv.push('--config', config)
  const child = start(argv, { cpu, logFile })
  try {
    await waitReady(child, port, '/live', { limitMs: readyMs })
  } catch (e) {
    await stop(child)
    throw e
  }
  return child
}

/** RSS (KiB) of one process and its open file descriptors, read from /proc. */
export function procSample(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8')
  const rssKB = Number((status.match(/VmRSS:\s+(\d+)/) || [0, 0])[1])
  return { rssKB, fds: fs.readdirSync(`/proc/${pid}/fd`).length }
}

/** prom-client's event-loop delay p99 from /metrics (seconds → ms); NaN when absent. */
export function eventLoopP99Ms(metricsText) {
  const m = metricsText.match(/^\w*nodejs_eventloop_lag_p99_seconds\s+(\S+)$/m)
  return m ? Number(m[1]) * 1000 : Number.NaN
}

/** V8's used heap (MiB) from prom-client's default metrics; NaN when absent. */
export function heapUsedMiB(metricsText) {
  const m = metricsText.match(/^\w*nodejs_heap_size_used_bytes\s+(\S+)$/m)
  return m ? Number(m[1]) / 2 ** 20 : Number.NaN
}

/** Median of the samples in each of `parts` equal windows; used to judge "flat". */
export function windowMedians(values, parts) {
  const out = []
  for (let i = 0; i < parts; i++) {
    const w = values.slice(
      Math.floor((i * values.length) / parts),
      Math.floor(((i + 1) * values.length) / parts),
    )
    const s = [...w].sort((a, b) => a - b)
    out.push(s.length ? s[s.length >> 1] : Number.NaN)
  }
  return out
}

/** Every window median within ±tolerance of the first window's: { ok, maxDeviation }. */
export function flat(values, { parts = 4, tolerance = 0.1 } = {}) {
  const med = windowMedians(values, parts)
  const ref = med[0]
  const maxDeviation = Math.max(...med.map((m) => Math.abs(m - ref) / ref))
  return { ok: maxDeviation <= tolerance, maxDeviation, windowMedians: med }
}
