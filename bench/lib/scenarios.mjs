// Scenarios the shared harness does not cover: route-table swaps under load, a 1 MiB POST, WebSocket echo,
// SSE fan-out, and a CPU profile of the gateway under load. Layout as the harness's `split`: clients on
// cpu0, upstream and proxy share cpu1. Every loop is bounded in count and time; traffic stays on 127.0.0.1.
import fs from 'node:fs'
import path from 'node:path'
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../e2e/chromium.ts'
import { flameGraphSvg } from './flame-graph.mjs'
import { swapYaml, writeAtomic } from './configs.mjs'
import {
  get,
  groupMemKB,
  median,
  portBusy,
  runClient,
  runWrk,
  sleep,
  start,
  stop,
  waitReady,
  wrkHandle,
} from './procs.mjs'

// away from the harness's 9000/91xx/920x and from the 93xx test fixtures seen on this box
export const UP_PORT = 19300
export const MARKER_PORT = 19301
const PROXY_PORTS = {
  sallyport: 19210,
  'undici-floor': 19211,
  'fastify-http-proxy': 19212,
  'http-proxy': 19213,
  nginx: 19214,
  direct: UP_PORT,
}
const PEER_CPU = '1'
const CLIENT_CPU = '0'

/**
 * ctx: { nodeBin, harnessDir, work, gatewayArgv(port, config, extraNodeFlags) -> argv, configs, log, rawDir }
 */
export function makeTargets(ctx) {
  const upUrl = `http://127.0.0.1:${UP_PORT}`
  const peerEnv = (port) => ({
    PORT: String(port),
    UPSTREAM_HOST: '127.0.0.1',
    UPSTREAM_PORT: String(UP_PORT),
  })
  const nodePeer = (name) => ({
    name,
    port: PROXY_PORTS[name],
    argv: () => [ctx.nodeBin, path.join(ctx.harnessDir, 'peers', `${name}.mjs`)],
    env: peerEnv(PROXY_PORTS[name]),
    cwd: ctx.harnessDir,
  })
  return {
    direct: { name: 'direct', port: UP_PORT, direct: true },
    sallyport: {
      name: 'sallyport',
      port: PROXY_PORTS.sallyport,
      argv: (config = ctx.configs[1], nodeFlags = []) =>
        ctx.gatewayArgv(PROXY_PORTS.sallyport, config, nodeFlags),
      env: {},
    },
    'undici-floor': nodePeer('undici-floor'),
    'fastify-http-proxy': nodePeer('fastify-http-proxy'),
    'http-proxy': nodePeer('http-proxy'),
    nginx: {
      name: 'nginx',
      port: PROXY_PORTS.nginx,
      argv: () => {
        const prefix = path.join(ctx.work, 'nginx-extra')
        for (const d of ['logs', 'tmp']) fs.mkdirSync(path.join(prefix, d), { recursive: true })
        let conf = fs.readFileSync(path.join(ctx.harnessDir, 'conf', 'nginx-proxy.conf.tmpl'), 'utf8')
        conf = conf.split('@UPORT@').join(String(UP_PORT)).split('@PORT@').join(String(PROXY_PORTS.nginx))
        // the shared template keeps nginx's 1m body limit; the POST scenario sends exactly 1 MiB + headers
        conf = conf.replace('tcp_nodelay on;', 'tcp_nodelay on;\n  client_max_body_size 2m;')
        const file = path.join(prefix, 'nginx.conf')
        fs.writeFileSync(file, conf)
        return ['nginx', '-p', prefix, '-c', file]
      },
      env: {},
    },
    upUrl,
  }
}

async function startUpstream(ctx, { marker = false, port = UP_PORT, tickMs } = {}) {
  if (await portBusy(port)) throw new Error(`port ${port} already in use, refusing to run`)
  const env = { PORT: String(port), MARKER: marker ? '1' : '0' }
  if (tickMs) env.TICK_MS = String(tickMs)
  const child = start([ctx.nodeBin, path.join(ctx.benchDir, 'lib', 'upstream.mjs')], {
    cpu: PEER_CPU,
    env,
    logFile: path.join(ctx.work, 'logs', `upstream-${port}.log`),
  })
  try {
    await waitReady(child, port, '/small', { limitMs: 10000 })
  } catch (e) {
    await stop(child)
    throw e
  }
  return child
}

async function startProxy(ctx, t, { config, nodeFlags, readyPath = '/small' } = {}) {
  if (t.direct) return { child: null, startupMs: null }
  if (await portBusy(t.port)) throw new Error(`port ${t.port} already in use, refusing to run`)
  const child = start(t.argv(config, nodeFlags), {
    cpu: PEER_CPU,
    env: t.env,
    cwd: t.cwd,
    logFile: path.join(ctx.work, 'logs', `${t.name}.log`),
  })
  try {
    const startupMs = await waitReady(child, t.port, readyPath, { limitMs: 20000 })
    return { child, startupMs }
  } catch (e) {
    await stop(child)
    throw e
  }
}

/** Run fn(target) for every target, `rounds` times interleaved, each with a fresh upstream + proxy. */
async function perTarget(ctx, names, rounds, label, fn, upOpts = {}) {
  const targets = makeTargets(ctx)
  const out = {}
  for (let round = 1; round <= rounds; round++) {
    for (const n of names) {
      const t = targets[n]
      let up = null
      let px = null
      let rec
      try {
        up = await startUpstream(ctx, upOpts)
        px = (await startProxy(ctx, t)).child
        rec = await fn(t, px)
      } catch (e) {
        rec = { failed: true, error: String(e.message || e) }
      } finally {
        await stop(px)
        await stop(up)
      }
      rec.round = round
      if (!out[n]) out[n] = []
      out[n].push(rec)
      ctx.log(`  [${label} r${round}] ${n.padEnd(20)} ${summaryLine(rec)}`)
    }
  }
  return out
}

function summaryLine(r) {
  if (r.failed) return `FAILED: ${r.error}`
  return Object.entries(r)
    .filter(([k, v]) => typeof v === 'number' && k !== 'round')
    .map(([k, v]) => `${k}=${Number.isInteger(v) ? v : v.toFixed(2)}`)
    .join(' ')
}

// ---------------------------------------------------------------- POST 1 MiB
export async function postScenario(ctx, { names, rounds, seconds, conns }) {
  const lua = path.join(ctx.work, 'post-1m.lua')
  fs.writeFileSync(
    lua,
    'wrk.method = "POST"\nwrk.body = string.rep("a", 1048576)\nwrk.headers["Content-Type"] = "application/octet-stream"\n',
  )
  const raw = []
  const res = await perTarget(ctx, names, rounds, 'post-1MiB', async (t) => {
    // sanity: the upstream must see every byte through the proxy
    const chk = await postOnce(t.port, 1048576)
    if (chk !== '{"bytes":1048576}') throw new Error(`bad POST echo through ${t.name}: ${chk}`)
    await runWrk({ port: t.port, p: '/upload', seconds: 1, conns, script: lua, cpu: CLIENT_CPU })
    const r = await runWrk({ port: t.port, p: '/upload', seconds, conns, script: lua, cpu: CLIENT_CPU })
    raw.push(`### post-1MiB ${t.name}\n${r.raw}`)
    return { rps: r.rps, p50: r.p50, p99: r.p99, errors: r.errors + r.non2xx }
  })
  fs.appendFileSync(path.join(ctx.rawDir, 'extras.wrk.txt'), raw.join('\n'))
  return res
}

async function postOnce(port, size) {
  const r = await get(port, '/upload', {
    method: 'POST',
    body: Buffer.alloc(size, 97),
    keepBody: true,
    timeout: 10000,
  })
  return r ? r.body : 'no response'
}

// ---------------------------------------------------------------- WebSocket echo
export async function wsScenario(ctx, { names, rounds, seconds, conns, window, size }) {
  const client = path.join(ctx.benchDir, 'clients', 'ws-echo.mjs')
  return perTarget(ctx, names, rounds, 'ws-echo', async (t) => {
    const url = `ws://127.0.0.1:${t.port}/ws-echo`
    const warm = await runClient(
      ctx.nodeBin,
      client,
      [url, String(conns), String(window), String(size), '1', '1000000'],
      {
        cpu: CLIENT_CPU,
        limitS: 20,
      },
    )
    if (warm.opened !== conns)
      throw new Error(`${warm.opened}/${conns} WebSocket connections opened: ${warm.lastError}`)
    const r = await runClient(
      ctx.nodeBin,
      client,
      [url, String(conns), String(window), String(size), String(seconds), '5000000'],
      { cpu: CLIENT_CPU, limitS: seconds + 20 },
    )
    if (r.opened !== conns)
      throw new Error(`${r.opened}/${conns} WebSocket connections opened: ${r.lastError}`)
    return { msgsPerSec: r.msgsPerSec, p50: r.p50, p99: r.p99, errors: r.errors, received: r.received }
  })
}

// ---------------------------------------------------------------- SSE fan-out
export async function sseScenario(ctx, { names, rounds, seconds, clients, tickMs }) {
  const client = path.join(ctx.benchDir, 'clients', 'sse-fanout.mjs')
  return perTarget(
    ctx,
    names,
    rounds,
    'sse-fanout',
    async (t) => {
      const r = await runClient(
        ctx.nodeBin,
        client,
        [String(t.port), '/sse', String(clients), String(seconds + 1)],
        {
          cpu: CLIENT_CPU,
          limitS: seconds + 20,
        },
      )
      return {
        connected: r.connected,
        eventsPerSec: r.eventsPerSec,
        delivered: r.expected ? r.events / r.expected : 0,
        p50: r.p50,
        p99: r.p99,
        errors: r.errors,
      }
    },
    { tickMs },
  )
}

// ---------------------------------------------------------------- route-table swaps under load
/**
 * The gateway serves /small from the catch-all route under wrk load while the config file is replaced
 * `swaps` times; swap k adds route /swap-k -> marker upstream (and drops /swap-(k-1)). After each write we
 * poll /swap-k/probe until the marker answers (bounded), so every swap is known to be live before the next.
 */
export async function swapScenario(ctx, { swaps, conns, maxSeconds, applyLimitMs, mode }) {
  const targets = makeTargets(ctx)
  const markerUrl = `http://127.0.0.1:${MARKER_PORT}`
  const cfgFile = path.join(ctx.work, 'swap.yaml')
  writeAtomic(cfgFile, swapYaml(0, targets.upUrl, markerUrl))
  let up = null
  let marker = null
  let px = null
  const applyMs = []
  let applied = 0
  let probeErrors = 0
  let wrkRes = null
  try {
    up = await startUpstream(ctx)
    marker = await startUpstream(ctx, { marker: true, port: MARKER_PORT })
    px = (await startProxy(ctx, targets.sallyport, { config: cfgFile })).child
    const port = targets.sallyport.port
    await runWrk({ port, p: '/small', seconds: 2, conns, cpu: CLIENT_CPU })
    const load = wrkHandle({ port, p: '/small', seconds: maxSeconds, conns, cpu: CLIENT_CPU })
    await sleep(1000)
    const deadline = Date.now() + (maxSeconds - 3) * 1000
    for (let k = 1; k <= swaps && Date.now() < deadline; k++) {
      const t0 = performance.now()
      if (mode === 'api') await apiSwap(port, k, markerUrl)
      else writeAtomic(cfgFile, swapYaml(k, targets.upUrl, markerUrl))
      const probePath = mode === 'api' ? `/api/swap-${k}/probe` : `/swap-${k}/probe`
      let ok = false
      while (performance.now() - t0 < applyLimitMs) {
        const r = await get(port, probePath, { timeout: 1000, keepBody: true })
        if (!r) probeErrors++
        else if (r.status === 200 && r.body === 'marker') {
          ok = true
          break
        }
        await sleep(5)
      }
      if (ok) {
        applied++
        applyMs.push(performance.now() - t0)
      }
    }
    load.stop()
    wrkRes = await load.done
    fs.appendFileSync(path.join(ctx.rawDir, 'extras.wrk.txt'), `### swaps\n${wrkRes.raw}\n`)
  } catch (e) {
    return { failed: true, error: String(e.message || e) }
  } finally {
    await stop(px)
    await stop(marker)
    await stop(up)
  }
  applyMs.sort((a, b) => a - b)
  const rec = {
    mode,
    swapsAsked: swaps,
    swapsApplied: applied,
    requests: wrkRes.requests,
    failedRequests: wrkRes.errors + wrkRes.non2xx,
    socketErrors: wrkRes.errors,
    non2xx: wrkRes.non2xx,
    probeErrors,
    rps: wrkRes.rps,
    p99: wrkRes.p99,
    applyMsP50: median(applyMs),
    applyMsMax: applyMs.length ? applyMs[applyMs.length - 1] : null,
  }
  ctx.log(`  [swaps] sallyport ${summaryLine(rec)}`)
  return rec
}

async function apiSwap(port, k, markerUrl) {
  const body = JSON.stringify({ path: `/swap-${k}`, targets: [{ url: markerUrl }] })
  const r = await get(port, '/gateway/api/routes', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    body,
  })
  if (!r || r.status >= 300) throw new Error(`POST /gateway/api/routes -> ${r?.status}`)
  if (k > 1)
    await get(port, `/gateway/api/routes/${encodeURIComponent(`manual-/swap-${k - 1}`)}`, {
      method: 'DELETE',
    })
}

// ---------------------------------------------------------------- CPU profile under load
/** One gateway process per body under `node --cpu-prof`; only samples inside the measured wrk run count. */
export async function profileScenario(ctx, { seconds, bodies, top }) {
  const out = {}
  for (const body of bodies) out[body] = await profileOne(ctx, { seconds, body, top })
  return out
}

async function profileOne(ctx, { seconds, body, top }) {
  const targets = makeTargets(ctx)
  const dir = path.join(ctx.rawDir, `cpuprofile-${body}`)
  fs.mkdirSync(dir, { recursive: true })
  let up = null
  let px = null
  let rss = null
  let win = null
  let wrk = null
  try {
    up = await startUpstream(ctx)
    px = (
      await startProxy(ctx, targets.sallyport, {
        config: ctx.configs[10],
        nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${dir}`, '--cpu-prof-interval=250'],
      })
    ).child
    const p = body === '64k' ? '/64k' : '/small'
    await runWrk({ port: targets.sallyport.port, p, seconds: 3, conns: 50, cpu: CLIENT_CPU })
    // V8 stamps profile samples with the same monotonic clock as process.hrtime (microseconds)
    const t0 = process.hrtime.bigint() / 1000n
    wrk = await runWrk({ port: targets.sallyport.port, p, seconds, conns: 50, cpu: CLIENT_CPU })
    win = [Number(t0), Number(process.hrtime.bigint() / 1000n)]
    rss = groupMemKB(px.pid)
  } finally {
    // SIGTERM -> graceful exit -> V8 writes the profile; give it time
    await stop(px, { graceMs: 10000 })
    await stop(up)
  }
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))
  if (!files.length)
    return { failed: true, error: `no .cpuprofile written in ${dir} (did the gateway exit cleanly?)` }
  const prof = JSON.parse(fs.readFileSync(path.join(dir, files[0]), 'utf8'))
  const flame = path.join(dir, 'flame.svg')
  const label = body === '64k' ? '64 KiB' : '100 B'
  fs.writeFileSync(
    flame,
    flameGraphSvg(prof, {
      win,
      title: `Sallyport under ${seconds} s of ${label} load (wrk -c50, 10 routes), node --cpu-prof`,
    }),
  )
  ctx.log(`  [profile ${body}] ${wrk.rps} rps under the profiler; ${path.join(dir, files[0])}; ${flame}`)
  return {
    file: path.join(dir, files[0]),
    flame,
    body,
    seconds,
    rps: wrk.rps,
    rssKB: rss?.rss,
    ...topSelf(prof, top, win),
  }
}

/** Self time per function (name + file:line) from a V8 .cpuprofile. */
export function topSelf(prof, top = 25, win = null) {
  const byId = new Map(prof.nodes.map((n) => [n.id, n]))
  const parent = new Map()
  for (const n of prof.nodes) for (const c of n.children || []) parent.set(c, n.id)
  const keyOf = (n) => {
    const cf = n.callFrame
    const file = cf.url ? cf.url.replace(/^file:\/\//, '').replace(/.*\/node_modules\//, 'node_modules/') : ''
    const short = file.replace(/.*\/(out|src|bench)\//, '$1/')
    return `${cf.functionName || '(anonymous)'} ${short ? `${short}:${cf.lineNumber + 1}` : ''}`.trim()
  }
  const ours = (k) => / (out|src|bench)\//.test(k)
  // inclusive time of our own functions: each sample counts once for every distinct one on its stack
  const incl = new Map()
  const self = new Map()
  const dts = prof.timeDeltas
  // keep only the measured window when it overlaps the profile (else: the whole profile, start-up included)
  const useWin = win && win[0] < prof.endTime && win[1] > prof.startTime
  let t = prof.startTime
  let total = 0
  for (let i = 0; i < prof.samples.length; i++) {
    const n = byId.get(prof.samples[i])
    const dt = dts[i] || 0
    t += dt
    if (useWin && (t < win[0] || t > win[1])) continue
    total += dt
    const key = keyOf(n)
    self.set(key, (self.get(key) || 0) + dt)
    const seen = new Set()
    for (let id = n.id; id !== undefined; id = parent.get(id)) {
      const k = keyOf(byId.get(id))
      if (ours(k) && !seen.has(k)) {
        seen.add(k)
        incl.set(k, (incl.get(k) || 0) + dt)
      }
    }
  }
  const rows = [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([fn, us]) => ({ fn, selfMs: us / 1000, pct: (100 * us) / total }))
  // group by area so the lead sees where the time goes: ours, undici, node internals, GC/idle
  const area = (k) =>
    /^\((garbage collector|idle|program|root)\)/.test(k)
      ? k.slice(0, k.indexOf(')') + 1)
      : /node_modules\/undici/.test(k)
        ? 'undici'
        : /wasm/.test(k)
          ? 'llhttp (wasm, undici)'
          : /node_modules\//.test(k)
            ? 'other node_modules'
            : /(out|src|bench)\//.test(k)
              ? 'sallyport'
              : /node:|^[a-zA-Z_$][\w$]*$|internal/.test(k)
                ? 'node core / native'
                : 'other'
  const areas = {}
  for (const [k, us] of self) areas[area(k)] = (areas[area(k)] || 0) + us
  return {
    window: useWin ? 'measured run only' : 'whole process (window did not match)',
    totalMs: total / 1000,
    top: rows,
    oursInclusive: [...incl.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 15)
      .map(([fn, us]) => ({ fn, totalMs: us / 1000, pct: (100 * us) / total })),
    areas: Object.fromEntries(
      Object.entries(areas)
        .sort((a, b) => b[1] - a[1])
        .map(([k, us]) => [k, +((100 * us) / total).toFixed(1)]),
    ),
  }
}

/**
 * Issue 6: first contentful paint of the dashboard served by the headless gateway, in Debian Chromium.
 * Every load uses a fresh browser context (no cache), after the gateway reports ready.
 */
export async function dashboardScenario(ctx, { loads = 5, chromium = CHROMIUM_PATH } = {}) {
  if (!fs.existsSync(chromium))
    return { failed: true, error: `${chromium} missing (apt-get install chromium)` }
  const { chromium: pw } = await import('playwright-core')
  const t = makeTargets(ctx).sallyport
  const up = await startUpstream(ctx)
  const gw = await startProxy(ctx, t, { config: ctx.configs[10] })
  let browser
  try {
    await waitReady(gw.child, t.port, '/ready', { limitMs: 15000 })
    browser = await pw.launch({
      executablePath: chromium,
      args: [...CHROMIUM_ARGS],
    })
    const fcp = []
    for (let i = 0; i < loads; i++) {
      const context = await browser.newContext()
      const page = await context.newPage()
      await page.goto(`http://127.0.0.1:${t.port}/gateway/`, { waitUntil: 'load', timeout: 15000 })
      const ms = await page.evaluate(
        () =>
          new Promise((resolve) => {
            const read = () => performance.getEntriesByName('first-contentful-paint')[0]?.startTime
            const seen = read()
            if (seen !== undefined) return resolve(seen)
            // 'first-paint' comes first and wakes the observer too: wait for the contentful one
            new PerformanceObserver(() => {
              const fcp = read()
              if (fcp !== undefined) resolve(fcp)
            }).observe({ type: 'paint', buffered: true })
            setTimeout(() => resolve(read() ?? null), 5000)
          }),
      )
      fcp.push(ms)
      await context.close()
    }
    const ok = fcp.filter(Number.isFinite)
    return { loads, fcpMs: fcp, medianMs: median(ok), maxMs: Math.max(...ok) }
  } finally {
    await browser?.close()
    await stop(gw.child)
    await stop(up)
  }
}
