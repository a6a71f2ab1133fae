#!/usr/bin/env node
// `npm run bench`: Sallyport beside its peers on this machine, one run, ratios. See BENCHMARKS.md.
// Runs the shared peer harness (../shared/bench) from a writable copy for throughput / p99 / startup / RSS,
// then the scenarios it does not cover (route count, swaps under load, 1 MiB POST, WebSocket, SSE, HTTP/2 and
// gRPC with h2load, profile).
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { writeConfigs } from './lib/configs.mjs'
import { prepareHarness, runHarness } from './lib/harness.mjs'
import { stopAll } from './lib/procs.mjs'
import { buildSummary, copyFlameGraphs, renderChart, renderMarkdown, updateDoc } from './lib/report.mjs'
import {
  dashboardScenario,
  UP_PORT,
  postScenario,
  profileScenario,
  sseScenario,
  swapScenario,
  wsScenario,
} from './lib/scenarios.mjs'
import { openapiMergeScenario } from './lib/openapi-merge.mjs'
import { openapiStallScenario } from './lib/openapi-stall.mjs'
import { grpcScenario } from './lib/grpc.mjs'
import { H2_TARGETS, h2Scenario } from './lib/http2.mjs'

const BENCH = path.dirname(fileURLToPath(import.meta.url))
const REPO = path.dirname(BENCH)
const ALL_PEERS = 'direct,nginx,haproxy,caddy,fastify-http-proxy,fast-gateway,http-proxy,undici-floor'
const QUICK_PEERS = 'direct,nginx,fastify-http-proxy,undici-floor'
const ALL_SCENARIOS =
  'throughput,routes,policies,swaps,post,ws,sse,h2,grpc,openapi-merge,openapi-stall,announce,dashboard'
// h2 and grpc size their runs to fit this many seconds each (and stop starting runs past H2_LIMIT_S)
const H2_BUDGET_S = 110
const H2_LIMIT_S = 150

const HELP = `usage: npm run bench [-- options]
  --quick               short runs, 1 round, peers ${QUICK_PEERS} (+ sallyport)
  --peers LIST          harness peers (default: all: ${ALL_PEERS})
  --scenarios LIST      any of ${ALL_SCENARIOS},profile (default: all but profile)
  --profile             also run the gateway under load with node --cpu-prof and list top self-time functions
  --rounds N            interleaved rounds (default 3; quick 1)
  --duration S          measured seconds per wrk run (default 8; quick 3)
  --warmup S            wrk warm-up seconds (default 3; quick 1)
  --gateway sallyport|standin   what to measure as "sallyport" (standin = bench/lib/standin-gateway.mjs)
  --gateway-entry FILE  run this bin/sallyport.js instead of the repo's (e.g. another checkout's build, for before/after)
  --swap-mode file|api  swaps by rewriting the config file (default) or POST/DELETE /gateway/api/routes
  --gw-log-level LEVEL  the gateway's --log-level (default warn)
  --write-doc           update the results block of BENCHMARKS.md and bench/chart.{svg,png} (default for full runs)
  --no-write-doc        never touch BENCHMARKS.md
  --harness DIR         the shared harness (default <repo>/../shared/bench)
  --max-minutes N       abort after this (default 60; quick 15)
  --from FILE           re-render the summary, chart and BENCHMARKS.md block from a results JSON, no runs`

function parseArgs(argv) {
  const o = {
    quick: false,
    peers: null,
    scenarios: null,
    profile: false,
    rounds: null,
    duration: null,
    warmup: null,
    gateway: 'sallyport',
    gatewayEntry: null,
    swapMode: 'file',
    gwLogLevel: 'warn',
    writeDoc: null,
    harness: path.join(REPO, '..', 'shared', 'bench'),
    maxMinutes: null,
    from: null,
  }
  for (let i = 0; i < argv.length; i++) {
    const m = argv[i].match(/^--([a-z-]+)(?:=(.*))?$/)
    if (!m) throw new Error(`bad argument ${argv[i]}\n${HELP}`)
    const key = m[1].replace(/-([a-z])/g, (_, c) => c.toUpperCase())
    if (key === 'help') {
      console.log(HELP)
      process.exit(0)
    }
    if (key === 'quick' || key === 'profile' || key === 'writeDoc') {
      o[key] = true
      continue
    }
    if (key === 'noWriteDoc') {
      o.writeDoc = false
      continue
    }
    if (!(key in o)) throw new Error(`unknown option --${m[1]}\n${HELP}`)
    const v = m[2] !== undefined ? m[2] : argv[++i]
    if (v === undefined) throw new Error(`missing value for --${m[1]}`)
    o[key] =
      typeof o[key] === 'number' || ['rounds', 'duration', 'warmup', 'maxMinutes'].includes(key)
        ? Number(v)
        : v
  }
  o.peers ??= o.quick ? QUICK_PEERS : ALL_PEERS
  o.scenarios = (o.scenarios ?? ALL_SCENARIOS).split(',').filter(Boolean)
  if (o.profile && !o.scenarios.includes('profile')) o.scenarios.push('profile')
  o.rounds ??= o.quick ? 1 : 3
  o.duration ??= o.quick ? 3 : 8
  o.warmup ??= o.quick ? 1 : 3
  o.maxMinutes ??= o.quick ? 15 : 60
  o.writeDoc ??= !o.quick
  if (!['sallyport', 'standin'].includes(o.gateway)) throw new Error('--gateway is sallyport or standin')
  return o
}

const log = (s) => console.error(s)

function checkTools() {
  const needed = ['wrk', 'nginx', 'haproxy', 'caddy', 'taskset']
  // HTTP/2 and gRPC load comes from h2load (Debian: nghttp2-client); nginx's certificate from openssl
  if (opt.scenarios.includes('h2') || opt.scenarios.includes('grpc')) needed.push('h2load')
  if (opt.scenarios.includes('h2')) needed.push('openssl')
  const missing = needed.filter((t) => {
    try {
      execFileSync('sh', ['-c', `command -v ${t}`], { stdio: 'ignore' })
      return false
    } catch {
      return true
    }
  })
  if (missing.length) {
    console.error(
      `bench: missing ${missing.join(', ')}.\n  Install them once (Debian/Ubuntu, as root):\n    apt-get update && apt-get install -y nginx-light haproxy caddy wrk util-linux nghttp2-client openssl`,
    )
    process.exit(1)
  }
  if (os.cpus().length < 2) {
    console.error('bench: needs at least 2 CPUs (load generator on cpu0, proxy + upstream on cpu1)')
    process.exit(1)
  }
  const [maj, min] = process.versions.node.split('.').map(Number)
  if (maj < 22 || (maj === 22 && min < 19)) {
    console.error(
      `bench: run with Node >= 22.19 (this is ${process.version}); npm run bench does that for you`,
    )
    process.exit(1)
  }
}

const opt = parseArgs(process.argv.slice(2))
if (opt.from) {
  const prev = JSON.parse(fs.readFileSync(opt.from, 'utf8'))
  prev.summary = buildSummary(prev)
  const md = renderMarkdown(prev, prev.summary)
  console.log(md)
  const base = path.join(os.tmpdir(), 'sallyport-bench', `chart-${process.pid}`)
  fs.mkdirSync(path.dirname(base), { recursive: true })
  const chart = await renderChart(prev, base, log)
  if (opt.writeDoc) updateDoc(path.join(REPO, 'BENCHMARKS.md'), md, chart, path.join(BENCH, 'chart'), log)
  if (opt.writeDoc) copyFlameGraphs(prev, BENCH, log)
  process.exit(0)
}
checkTools()
const startedAt = Date.now()
const deadline = startedAt + opt.maxMinutes * 60_000
const nodeBin = process.execPath
const stamp = new Date(startedAt).toISOString().replace(/[:.]/g, '-')
const work = path.join(os.tmpdir(), 'sallyport-bench')
const harnessDir = path.join(work, 'harness')
const runDir = path.join(work, 'runs', stamp)
const resultsDir = path.join(BENCH, 'results')
const rawDir = path.join(resultsDir, 'raw', stamp)
fs.mkdirSync(runDir, { recursive: true })
fs.mkdirSync(rawDir, { recursive: true })

if (opt.gateway === 'sallyport' && !fs.existsSync(path.join(REPO, 'out', 'main', 'cli.js'))) {
  console.error('bench: out/main/cli.js is missing: build the gateway first with `npx electron-vite build`')
  process.exit(1)
}
prepareHarness(opt.harness, harnessDir, log)

const UPSTREAM_URL = 'http://127.0.0.1:9000'
const q = (s) => `'${String(s).replace(/'/g, `'\\''`)}'`
const dataDir = path.join(runDir, 'data')
const gwEntry =
  opt.gateway === 'standin'
    ? path.join(BENCH, 'lib', 'standin-gateway.mjs')
    : opt.gatewayEntry
      ? path.resolve(opt.gatewayEntry)
      : path.join(REPO, 'bin', 'sallyport.js')
const gwFlags = (port, config) => [
  '--no-discovery',
  '--port',
  String(port),
  '--host',
  '127.0.0.1',
  '--data-dir',
  dataDir,
  '--config',
  config,
  '--log-level',
  opt.gwLogLevel,
]
const gatewayArgv = (port, config, nodeFlags = []) => [
  nodeBin,
  ...nodeFlags,
  gwEntry,
  ...gwFlags(port, config),
]
/** The harness's --add-proxy spec; $PORT is expanded by its bash. */
const addProxy = (name, port, config) =>
  `${name}:${port}:${[nodeBin, gwEntry].map(q).join(' ')} ${gwFlags('$PORT', config)
    .map((a) => (a === '$PORT' ? a : q(a)))
    .join(' ')}`

// configs for the harness upstream (:9000) and for the extras upstream (:9300)
const configs = writeConfigs(path.join(runDir, 'config-harness'), UPSTREAM_URL)
const extraConfigs = writeConfigs(path.join(runDir, 'config-extra'), `http://127.0.0.1:${UP_PORT}`)

const remainingMin = () => Math.max(1, Math.floor((deadline - Date.now()) / 60_000))
const harnessCommon = [
  '--node',
  nodeBin,
  '--conns',
  '50',
  '--duration',
  String(opt.duration),
  '--warmup',
  String(opt.warmup),
  '--rounds',
  String(opt.rounds),
  '--layout',
  'split',
  '--quiet-wait',
  opt.quick ? '20' : '60',
]
const harnessEnv = { BENCH_TMP: path.join(runDir, 'harness-tmp') }

const results = {
  meta: {
    date: new Date(startedAt).toISOString(),
    command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(),
    options: { ...opt, harness: path.relative(REPO, opt.harness) },
    gateway: opt.gateway,
    node: process.version,
    machine: machineInfo(),
  },
  scenarios: {},
}

function machineInfo() {
  const sh = (c) => {
    try {
      return execFileSync('sh', ['-c', c], { stdio: ['ignore', 'pipe', 'ignore'] })
        .toString()
        .trim()
    } catch {
      return '?'
    }
  }
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    memGiB: +(os.totalmem() / 2 ** 30).toFixed(1),
    kernel: os.release(),
    os: sh('. /etc/os-release && echo "$PRETTY_NAME"'),
    wrk: sh('wrk -v 2>&1 | head -1'),
    nginx: sh('nginx -v 2>&1'),
    haproxy: sh('haproxy -v 2>&1 | head -1'),
    caddy: sh('caddy version 2>&1'),
    h2load: sh('h2load --version 2>&1 | head -1'),
    openssl: sh('openssl version 2>&1'),
    sallyport: JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')).version,
    gitHead: sh(`git -C ${q(REPO)} rev-parse --short HEAD 2>/dev/null || echo uncommitted`),
  }
}

const ctx = {
  nodeBin,
  harnessDir,
  benchDir: BENCH,
  work: runDir,
  rawDir,
  configs: extraConfigs,
  gatewayArgv,
  log,
}

function guard(name) {
  if (Date.now() > deadline) throw new Error(`--max-minutes ${opt.maxMinutes} exceeded before ${name}`)
}

async function scenario(name, fn) {
  if (!opt.scenarios.includes(name)) return
  guard(name)
  log(`\n# scenario: ${name}`)
  try {
    results.scenarios[name] = await fn()
  } catch (e) {
    log(`  ${name} FAILED: ${e.message}`)
    results.scenarios[name] = { failed: true, error: String(e.message || e) }
  }
}

let interrupted = false
for (const s of ['SIGINT', 'SIGTERM']) {
  process.on(s, async () => {
    if (interrupted) return
    interrupted = true
    log('\n# interrupted: stopping everything this run started')
    await stopAll()
    process.exit(130)
  })
}

try {
  // Every harness scenario: a label, the bodies, the built-in peers, and our gateway(s) dropped in.
  const harness = (label, bodies, peers, gateways) =>
    runHarness({
      dir: harnessDir,
      nodeBin,
      env: harnessEnv,
      limitMinutes: remainingMin(),
      outBase: path.join(rawDir, `harness-${label}`),
      args: [
        ...harnessCommon,
        '--bodies',
        bodies,
        '--proxies',
        peers,
        ...gateways.flatMap(([name, port, config]) => ['--add-proxy', addProxy(name, port, config)]),
        '--max-minutes',
        String(remainingMin()),
        '--label',
        `sallyport-${label}`,
      ],
    })
  await scenario('throughput', () =>
    harness('throughput', 'small,64k', opt.peers, [['sallyport', 9200, configs[1]]]),
  )
  await scenario('routes', () =>
    harness('routes', 'small', '', [
      ['sallyport-10-routes', 9201, configs[10]],
      ['sallyport-10000-routes', 9202, configs[10000]],
    ]),
  )
  // Issue 4: what the traffic policies cost on the hot path, same table with and without them.
  await scenario('policies', () =>
    harness('policies', 'small', '', [
      ['sallyport-10-routes', 9201, configs[10]],
      ['sallyport-policies', 9203, configs.policies],
    ]),
  )
  await scenario('openapi-merge', () => openapiMergeScenario({ repo: REPO }))
  await scenario('openapi-stall', () => openapiStallScenario(ctx))
  // mDNS is multicast: only ever inside a private network namespace (needs root for unshare).
  await scenario('announce', async () => {
    const out = execFileSync(
      'unshare',
      [
        '--net',
        'sh',
        '-c',
        'ip link set lo up && exec "$@"',
        'sh',
        nodeBin,
        path.join(BENCH, 'lib/announce-latency.mjs'),
      ],
      { env: { ...process.env, SALLYPORT_MDNS_NETNS: '1' }, timeout: 90_000, encoding: 'utf8' },
    )
    return JSON.parse(out.trim().split('\n').at(-1))
  })
  await scenario('swaps', () =>
    swapScenario(ctx, {
      swaps: 100,
      conns: 50,
      maxSeconds: opt.quick ? 60 : 120,
      applyLimitMs: 3000,
      mode: opt.swapMode,
    }),
  )
  const extraPeers = (list) =>
    list.filter((n) => n === 'direct' || n === 'sallyport' || opt.peers.includes(n))
  await scenario('post', () =>
    postScenario(ctx, {
      names: extraPeers(['direct', 'nginx', 'fastify-http-proxy', 'undici-floor', 'sallyport']),
      rounds: opt.rounds,
      seconds: opt.duration,
      conns: 8,
    }),
  )
  // the Node peers are not configured for WebSocket upgrades; nginx's shared config is not either
  await scenario('ws', () =>
    wsScenario(ctx, {
      names: ['direct', 'sallyport'],
      rounds: opt.rounds,
      seconds: opt.duration,
      conns: 20,
      window: 8,
      size: 64,
    }),
  )
  await scenario('sse', () =>
    sseScenario(ctx, {
      names: extraPeers(['direct', 'fastify-http-proxy', 'undici-floor', 'sallyport']),
      rounds: opt.rounds,
      seconds: opt.duration,
      clients: 200,
      tickMs: 20,
    }),
  )
  // HTTP/2 and gRPC (issue "HTTP/2 and gRPC end to end", item 8): h2load -c16 -m10 on cpu0, everything
  // else on cpu1. Run length: what fits H2_BUDGET_S over all rounds and targets, at most --duration.
  const fit = (targets) => {
    const warmup = Math.min(opt.warmup, 2)
    const seconds = Math.max(
      2,
      Math.min(opt.duration, Math.floor(H2_BUDGET_S / (opt.rounds * targets)) - warmup - 2),
    )
    return { rounds: opt.rounds, seconds, warmup, conns: 16, streams: 10, budgetS: H2_LIMIT_S }
  }
  await scenario('h2', () => h2Scenario(ctx, { names: H2_TARGETS, ...fit(H2_TARGETS.length) }))
  await scenario('grpc', () => grpcScenario(ctx, { names: ['direct', 'sallyport'], ...fit(2) }))
  await scenario('dashboard', () => dashboardScenario(ctx, { loads: opt.quick ? 3 : 7 }))
  await scenario('profile', () =>
    profileScenario(ctx, { seconds: opt.quick ? 8 : 15, bodies: ['small', '64k'], top: 30 }),
  )
} finally {
  await stopAll()
}

results.meta.elapsedS = Math.round((Date.now() - startedAt) / 1000)
const summary = buildSummary(results)
results.summary = summary
const jsonFile = path.join(resultsDir, `${stamp}.json`)
fs.writeFileSync(jsonFile, JSON.stringify(results, null, 1))
const md = renderMarkdown(results, summary)
console.log(md)
const chart = await renderChart(results, path.join(rawDir, 'chart'), log)
if (opt.writeDoc) updateDoc(path.join(REPO, 'BENCHMARKS.md'), md, chart, path.join(BENCH, 'chart'), log)
if (opt.writeDoc || opt.profile) copyFlameGraphs(results, BENCH, log)
log(`# wrote ${path.relative(REPO, jsonFile)} (raw: ${path.relative(REPO, rawDir)})`)
process.exit(0)
