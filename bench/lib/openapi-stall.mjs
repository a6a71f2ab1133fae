// Issue 19, item 1: does a GitHub-sized OpenAPI document hold the gateway's event loop? A loopback
// upstream serves a generated 13 MB document (openapi-stall-upstream.mjs); a paced client (every 10 ms,
// open loop: latency counts from the planned send time) asks the gateway for /live and for a proxied
// request while the service is push-registered (admin API), while its document is merged, and while it
// is refreshed every 2 s (openapi.refreshInterval) with the upstream answering 304 or new bytes.
import fs from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { get, HOST, portBusy, sleep, start, stop, waitReady } from './procs.mjs'

const UP_PORT = 19310
const GW_PORT = 19215
const PACE_MS = 10
const UPSTREAM = path.join(path.dirname(fileURLToPath(import.meta.url)), 'openapi-stall-upstream.mjs')

/** Sends GETs on a fixed schedule whether or not earlier ones answered; records latency per phase. */
function pacedClient(port, paths) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 })
  const samples = []
  const waiting = new Set()
  let phase = 'warmup'
  let timer
  let planned = performance.now()
  const tick = () => {
    const now = performance.now()
    // Catch up on sends the client itself was late for: they count from when they were due.
    while (planned <= now) {
      const due = planned
      const label = phase
      for (const p of paths) {
        const pending = { phase: label, path: p, due }
        waiting.add(pending)
        const done = (ok) => {
          if (!waiting.delete(pending)) return
          samples.push({ phase: label, path: p, ms: performance.now() - due, ok })
        }
        const req = http.get({ host: HOST, port, path: p, agent }, (res) => {
          res.resume()
          res.on('end', () => done(res.statusCode === 200))
        })
        req.on('error', () => done(false))
      }
      planned += PACE_MS
    }
    timer = setTimeout(tick, Math.max(0, planned - performance.now()))
  }
  tick()
  return {
    set phase(v) {
      phase = v
    },
    async stop() {
      clearTimeout(timer)
      await sleep(1000)
      // Still unanswered: counted with the time waited so far (at least), so a stall is never left out.
      const now = performance.now()
      for (const w of waiting) samples.push({ phase: w.phase, path: w.path, ms: now - w.due, ok: false })
      waiting.clear()
      agent.destroy()
      return samples
    },
  }
}

function stats(samples, phase, p) {
  const ms = samples
    .filter((s) => s.phase === phase && s.path === p)
    .map((s) => s.ms)
    .sort((a, b) => a - b)
  const at = (q) => ms[Math.min(ms.length - 1, Math.floor(q * ms.length))]
  const failed = samples.filter((s) => s.phase === phase && s.path === p && !s.ok).length
  return { n: ms.length, failed, p50: at(0.5), p99: at(0.99), max: ms.at(-1) }
}

/**
 * Whether the merged document names the service (its tag comes first, in the first 64 KiB): the rest of
 * the 13 MB is drained unread, so this client's own event loop is not what the paced samples measure.
 */
function mergedHasService(port, service) {
  return new Promise((resolve) => {
    const req = http.get(
      { host: HOST, port, path: '/gateway/openapi.json', agent: false, timeout: 10_000 },
      (res) => {
        let head = ''
        res.on('data', (chunk) => {
          if (head.length < 65536) head += chunk.toString('latin1')
        })
        res.on('end', () => resolve(res.statusCode === 200 && head.includes(`"tags":[{"name":"${service}"`)))
      },
    )
    req.on('timeout', () => req.destroy())
    req.on('error', () => resolve(false))
  })
}

async function json(port, p) {
  const r = await get(port, p, { timeout: 5000, keepBody: true })
  return r?.status === 200 ? JSON.parse(r.body) : undefined
}

export async function openapiStallScenario(
  ctx,
  { refreshS = 2, refreshPhaseS = 12, idleS = 5, mergedLimitS = 60 } = {},
) {
  for (const port of [UP_PORT, GW_PORT]) if (await portBusy(port)) throw new Error(`port ${port} is busy`)
  const dir = path.join(ctx.work, 'openapi-stall')
  fs.mkdirSync(dir, { recursive: true })
  const route = `routes:\n  - path: /echo/*\n    targets: [{ url: http://${HOST}:${UP_PORT} }]\n`
  let up
  let gw
  let client
  try {
    up = start([ctx.nodeBin, UPSTREAM, String(UP_PORT)], { logFile: path.join(dir, 'upstream.log') })
    await waitReady(up, UP_PORT, '/_doc-info', { limitMs: 30_000 })
    const doc = await json(UP_PORT, '/_doc-info')
    // A gateway without openapi.refreshInterval (older builds) rejects the setting: it refreshes every 30 s.
    let refreshEveryS = refreshS
    const withSetting = path.join(dir, 'gateway.yaml')
    fs.writeFileSync(withSetting, `openapi:\n  refreshInterval: ${refreshS}s\n${route}`)
    gw = start(ctx.gatewayArgv(GW_PORT, withSetting), { logFile: path.join(dir, 'gateway.log') })
    try {
      await waitReady(gw, GW_PORT, '/live', { limitMs: 20_000 })
    } catch {
      await stop(gw)
      const without = path.join(dir, 'gateway-default-refresh.yaml')
      fs.writeFileSync(without, route)
      refreshEveryS = 30
      gw = start(ctx.gatewayArgv(GW_PORT, without), { logFile: path.join(dir, 'gateway.log') })
      await waitReady(gw, GW_PORT, '/live', { limitMs: 20_000 })
    }
    await json(GW_PORT, '/gateway/api/stats') // loads the admin side before anything is measured
    client = pacedClient(GW_PORT, ['/live', '/echo/x'])
    await sleep(1000)
    client.phase = 'idle'
    await sleep(idleS * 1000)
    const loopIdle = (await json(GW_PORT, '/gateway/api/stats'))?.eventLoop
    client.phase = 'registration'
    const t0 = performance.now()
    const reg = await get(GW_PORT, '/gateway/api/discovery/register', {
      method: 'POST',
      timeout: 60_000,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        service_name: 'github',
        address: HOST,
        port: UP_PORT,
        metadata: { openapi: '/openapi.json' },
      }),
    })
    if (reg?.status !== 200 && reg?.status !== 201) throw new Error(`register answered ${reg?.status}`)
    const registerMs = performance.now() - t0
    let mergedMs = null
    while (performance.now() - t0 < mergedLimitS * 1000) {
      if (await mergedHasService(GW_PORT, 'github')) {
        mergedMs = performance.now() - t0
        break
      }
      await sleep(250)
    }
    await sleep(1000)
    const loopRegistration = (await json(GW_PORT, '/gateway/api/stats'))?.eventLoop
    // Refreshes: the upstream answers 304 or new bytes; a reader of the merged document (the dashboard's
    // API page, Swagger UI) asks for it every refresh interval, so changes are merged as well.
    client.phase = 'refresh'
    const before = await json(UP_PORT, '/_doc-info')
    const refreshUntil = performance.now() + Math.max(refreshPhaseS, refreshEveryS + 5) * 1000
    while (performance.now() < refreshUntil) {
      await get(GW_PORT, '/gateway/openapi.json', {
        timeout: Math.max(1000, refreshUntil - performance.now()),
      })
      await sleep(Math.min(refreshEveryS * 1000, Math.max(0, refreshUntil - performance.now())))
    }
    const after = await json(UP_PORT, '/_doc-info')
    const loopRefresh = (await json(GW_PORT, '/gateway/api/stats'))?.eventLoop
    const samples = await client.stop()
    client = undefined
    const phases = {}
    for (const phase of ['idle', 'registration', 'refresh'])
      phases[phase] = { live: stats(samples, phase, '/live'), proxied: stats(samples, phase, '/echo/x') }
    const result = {
      doc: {
        bytes: doc.bytes,
        paths: doc.paths,
        operations: doc.operations,
        schemas: doc.schemas,
        distinctKeys: doc.distinctKeys,
      },
      paceMs: PACE_MS,
      refreshEveryS,
      registerMs,
      mergedMs,
      phases,
      refreshes: {
        fetches: after.fetches - before.fetches,
        changed: after.served200 - before.served200,
        notModified: after.served304 - before.served304,
      },
      eventLoop: {
        idle: loopIdle ?? null,
        registration: loopRegistration ?? null,
        refresh: loopRefresh ?? null,
      },
    }
    ctx.log(`  openapi-stall: ${JSON.stringify(result)}`)
    return result
  } finally {
    if (client) await client.stop()
    await stop(gw)
    await stop(up)
  }
}

/** The summary rows: p99 during registration and refreshes above idle (target ≤ 20 ms), merged within 3 s. */
export function openapiStallRows(results, rows, { fmt, ratio, judge }) {
  const s = results.scenarios['openapi-stall']
  if (!s) return
  if (s.failed) {
    rows.push({
      metric: 'OpenAPI 13 MB document: event loop (issue 19)',
      note: `FAILED: ${s.error}`,
      vs: {},
      target: '',
    })
    return
  }
  const doc = `${fmt(s.doc.bytes / 1e6, 1)} MB, ${s.doc.paths} paths, ${s.doc.distinctKeys} distinct keys`
  for (const phase of ['registration', 'refresh'])
    for (const [key, label] of [
      ['live', '/live'],
      ['proxied', 'proxied GET'],
    ]) {
      const idle = s.phases.idle[key].p99
      const above = s.phases[phase][key].p99 - idle
      rows.push({
        metric: `${label} p99 during ${phase} − idle (${fmt(idle, 1)} ms), OpenAPI document of ${doc}, every ${s.paceMs} ms (issue 19)`,
        sallyport: above,
        unit: 'ms',
        vs: {},
        target: '≤ 20 ms',
        ratioToTarget: ratio(Math.max(above, 0), 20),
        pass: judge(above, (x) => x <= 20),
      })
    }
  rows.push({
    metric: `push registration → merged document has the service's paths (issue 19); refresh every ${s.refreshEveryS} s: ${s.refreshes.changed} changed, ${s.refreshes.notModified} × 304`,
    sallyport: s.mergedMs ?? Number.NaN,
    unit: 'ms',
    vs: {},
    target: '≤ 3000 ms',
    ratioToTarget: ratio(s.mergedMs, 3000),
    pass: judge(s.mergedMs, (x) => x <= 3000),
  })
}
