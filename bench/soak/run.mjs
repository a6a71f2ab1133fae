#!/usr/bin/env node
// `npm run soak`: the gateway proven under load and faults (issue 19). Four parts, each can run alone:
//   soak    minutes at ~50 % of capacity with policy routes, WS/SSE, hot reloads and admin writes
//   faults  misbehaving upstreams in a loop: right answers, no leaks, counters that add up
//   fuzz    schema-aware fuzzed bodies against the native admin API and every dialect
//   crash   kill -9 during admin writes, restart on the same data dir: nothing acknowledged is lost
// Writes bench/results/soak-<time>.json and a text summary; exits 1 when a part fails. Loopback only.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { stopAll } from '../lib/procs.mjs'
import { crashPart } from './crash.mjs'
import { faultsPart } from './faults.mjs'
import { fuzzPart } from './fuzz.mjs'
import { soakPart } from './soak.mjs'
import { summaryText } from './summary.mjs'

const SOAK = path.dirname(fileURLToPath(import.meta.url))
const BENCH = path.dirname(SOAK)
const PARTS = ['soak', 'faults', 'fuzz', 'crash']
const HELP = `usage: npm run soak [-- options]
  --part LIST      any of ${PARTS.join(',')} (default: all four)
  --minutes N      soak length (default 10)
  --rate N         soak requests/s (default: half of the capacity measured first with the same mix)
  --rounds N       fault rounds (default 50) and crash rounds (default 200)
  --bodies N       fuzzed bodies per admin API (default 10000)
  --seed N         fuzz and crash seed (default 19)`

function parseArgs(argv) {
  const o = { part: PARTS.join(','), minutes: 10, rate: 0, rounds: null, bodies: 10_000, seed: 19 }
  for (let i = 0; i < argv.length; i++) {
    const m = argv[i].match(/^--([a-z]+)(?:=(.*))?$/)
    if (!m || m[1] === 'help') {
      console.log(HELP)
      process.exit(m ? 0 : 1)
    }
    if (!(m[1] in o)) throw new Error(`unknown option --${m[1]}\n${HELP}`)
    const v = m[2] ?? argv[++i]
    o[m[1]] = m[1] === 'part' ? v : Number(v)
    if (m[1] !== 'part' && !(Number(v) >= 0)) throw new Error(`--${m[1]} needs a number`)
  }
  o.part = o.part.split(',').filter(Boolean)
  for (const p of o.part) if (!PARTS.includes(p)) throw new Error(`unknown part ${p}\n${HELP}`)
  return o
}

const opt = parseArgs(process.argv.slice(2))
const [maj, min] = process.versions.node.split('.').map(Number)
if (maj < 22 || (maj === 22 && min < 19)) {
  console.error(`soak: run with Node >= 22.19 (this is ${process.version}); npm run soak does that for you`)
  process.exit(1)
}
const stamp = new Date().toISOString().replace(/[:.]/g, '-')
const work = path.join(os.tmpdir(), 'sallyport-soak', stamp)
fs.mkdirSync(path.join(work, 'logs'), { recursive: true })
const log = (s) => console.error(s)
const ctx = { work, log, benchDir: BENCH, soakDir: SOAK }

const cleanup = async () => {
  await stopAll()
}
// every process this run started is stopped, however it ends
for (const sig of ['SIGINT', 'SIGTERM'])
  process.on(sig, () => {
    cleanup().finally(() => process.exit(130))
  })
for (const event of ['uncaughtException', 'unhandledRejection'])
  process.on(event, (err) => {
    console.error(err)
    cleanup().finally(() => process.exit(1))
  })

const results = {
  meta: {
    startedAt: new Date().toISOString(),
    node: process.version,
    cpus: os.cpus().length,
    options: opt,
    work,
  },
  parts: {},
}
const runners = {
  soak: () => soakPart(ctx, { minutes: opt.minutes, rate: opt.rate }),
  faults: () => faultsPart(ctx, { rounds: opt.rounds ?? 50 }),
  fuzz: () => fuzzPart(ctx, { bodies: opt.bodies, seed: opt.seed }),
  crash: () => crashPart(ctx, { rounds: opt.rounds ?? 200, seed: opt.seed }),
}
for (const part of opt.part) {
  log(`# ${part}`)
  const t0 = Date.now()
  try {
    results.parts[part] = await runners[part]()
  } catch (e) {
    results.parts[part] = { pass: false, error: String(e.stack || e) }
  } finally {
    await cleanup()
  }
  results.parts[part].elapsedS = Math.round((Date.now() - t0) / 1000)
  log(`# ${part}: ${results.parts[part].pass ? 'PASS' : 'FAIL'} (${results.parts[part].elapsedS} s)`)
}
results.meta.elapsedS = Math.round((Date.now() - Date.parse(results.meta.startedAt)) / 1000)
const resultsDir = path.join(BENCH, 'results')
fs.mkdirSync(resultsDir, { recursive: true })
const file = path.join(resultsDir, `soak-${stamp}.json`)
fs.writeFileSync(file, JSON.stringify(results, null, 1))
const text = summaryText(results)
fs.writeFileSync(file.replace(/\.json$/, '.txt'), text)
console.log(text)
log(`# results: ${path.relative(process.cwd(), file)} (logs in ${work}/logs)`)
process.exit(Object.values(results.parts).every((p) => p.pass) ? 0 : 1)
