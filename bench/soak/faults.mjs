// Part "faults": upstreams that refuse, reset mid-body, hang, trickle, answer garbage or 5xx bursts, each
// behind its own route with a short timeout. Every client must get the documented answer, the gateway must
// not keep descriptors or memory after the rounds, and /gateway/api/stats must count what was sent.
import fs from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import { get, portBusy, sleep, start, waitReady } from '../lib/procs.mjs'
import { GATEWAY_CPU, procSample, startGateway } from './gateway.mjs'

const PORT = 19520
const FAULTY = 19522
const GARBAGE = 19523
const CLOSED = 19524
const PER_KIND = 4
const BURST = [500, 503, 500, 502, 504, 200, 200]

const problem = (status) => (a) =>
  a.status === status && /application\/problem\+json/.test(a.type) && JSON.parse(a.body).status === status

/** kind → [path, route timeout, expected-answer judge, whether the gateway counts it as an error] */
const KINDS = {
  refuse: [`http://127.0.0.1:${CLOSED}`, '/refuse', '2s', problem(502), true],
  reset: [`http://127.0.0.1:${FAULTY}`, '/reset', '2s', (a) => a.aborted || problem(502)(a), true],
  hang: [`http://127.0.0.1:${FAULTY}`, '/hang', '300ms', problem(504), true],
  trickle: [
    `http://127.0.0.1:${FAULTY}`,
    '/trickle',
    '2s',
    (a) => a.status === 200 && a.body === 't'.repeat(1000),
    false,
  ],
  garbage: [`http://127.0.0.1:${GARBAGE}`, '/garbage', '2s', problem(502), true],
  burst: [
    `http://127.0.0.1:${FAULTY}`,
    '/burst',
    '2s',
    (a, want) => a.status === want && a.body === `upstream said ${want}`,
    null,
  ],
}

function faultConfig() {
  return {
    routePrefix: '',
    routes: Object.entries(KINDS).map(([kind, [url, p, timeout]]) => ({
      id: `fault-${kind}`,
      path: p,
      pathType: 'prefix',
      targets: [{ url }],
      timeout,
      // the answer must come from this request's own fault, not from a breaker or health state it tripped
      retry: { enabled: false },
      circuitBreaker: { enabled: false },
      healthCheck: { enabled: false },
    })),
  }
}

/** One request; resolves { status, type, body, aborted } (aborted: the response ended in an error). */
function send(agent, p, headers) {
  return new Promise((resolve) => {
    const req = http.request(
      { host: '127.0.0.1', port: PORT, path: p, agent, headers, timeout: 10_000 },
      (res) => {
        const parts = []
        const done = (aborted) =>
          resolve({
            status: res.statusCode,
            type: res.headers['content-type'] ?? '',
            body: Buffer.concat(parts).toString(),
            aborted,
          })
        res.on('data', (c) => parts.push(c))
        res.on('end', () => done(false))
        res.on('error', () => done(true))
        res.on('aborted', () => done(true))
      },
    )
    req.on('timeout', () => req.destroy(new Error('client timeout')))
    req.on('error', (e) => resolve({ status: 0, type: '', body: e.message, aborted: true }))
    req.end()
  })
}

async function stats() {
  const r = await get(PORT, '/gateway/api/stats', { keepBody: true, timeout: 5000 })
  return JSON.parse(r.body)
}

/** Descriptors and RSS once idle sockets had time to close: the lowest descriptor count over `ms`. */
async function settled(pid, ms = 6000) {
  let low = procSample(pid)
  for (let t = 0; t < ms; t += 500) {
    await sleep(500)
    const s = procSample(pid)
    if (s.fds <= low.fds) low = s
  }
  return low
}

async function round(agent, r, tally) {
  const jobs = []
  for (const [kind, [, p, , judge, isError]] of Object.entries(KINDS)) {
    for (let i = 0; i < PER_KIND; i++) {
      const want = kind === 'burst' ? BURST[(r * PER_KIND + i) % BURST.length] : undefined
      const headers = want ? { 'x-want-status': String(want) } : {}
      jobs.push(
        send(agent, `${p}/${r}-${i}`, headers).then((a) => {
          const t = tally[kind]
          const key = a.aborted ? `aborted(${a.status})` : String(a.status)
          t.answers[key] = (t.answers[key] ?? 0) + 1
          tally.requests++
          if (isError || (isError === null && want >= 500)) tally.expectedErrors++
          if (!judge(a, want)) {
            tally.wrong++
            if (t.wrongExamples.length < 3)
              t.wrongExamples.push({ status: a.status, aborted: a.aborted, body: a.body.slice(0, 200) })
          }
        }),
      )
    }
  }
  await Promise.all(jobs)
}

export async function faultsPart(ctx, { rounds }) {
  const dir = path.join(ctx.work, 'faults')
  fs.mkdirSync(dir, { recursive: true })
  if (await portBusy(CLOSED)) throw new Error(`port ${CLOSED} must be closed for the refuse fault`)
  const faulty = start([process.execPath, path.join(ctx.soakDir, 'fault-upstream.mjs')], {
    cpu: GATEWAY_CPU,
    env: { PORT: String(FAULTY), GARBAGE_PORT: String(GARBAGE) },
    logFile: path.join(ctx.work, 'logs', 'faults-upstream.log'),
  })
  await waitReady(faulty, FAULTY, '/ok')
  const configFile = path.join(dir, 'gateway.json')
  fs.writeFileSync(configFile, JSON.stringify(faultConfig(), null, 1))
  const gw = await startGateway({
    port: PORT,
    config: configFile,
    dataDir: path.join(dir, 'data'),
    logFile: path.join(ctx.work, 'logs', 'faults-gateway.log'),
  })
  const newTally = () => ({
    requests: 0,
    wrong: 0,
    expectedErrors: 0,
    ...Object.fromEntries(Object.keys(KINDS).map((k) => [k, { answers: {}, wrongExamples: [] }])),
  })
  // one warm-up round (lazy pools, JIT), then the state every later measurement is compared with
  const warm = new http.Agent({ keepAlive: true, maxSockets: 8 })
  await round(warm, -1, newTally())
  warm.destroy()
  const before = { ...(await settled(gw.pid)), stats: await stats() }
  const tally = newTally()
  for (let r = 0; r < rounds; r++) {
    // a fresh keep-alive pool per round, closed by the client after it: connections churn as with real clients
    const agent = new http.Agent({ keepAlive: true, maxSockets: 8 })
    await round(agent, r, tally)
    agent.destroy()
    if (r % 10 === 9) ctx.log(`  faults: ${r + 1}/${rounds} rounds, wrong answers ${tally.wrong}`)
  }
  const after = { ...(await settled(gw.pid)), stats: await stats() }
  const counters = {
    totalRequests: after.stats.totalRequests - before.stats.totalRequests,
    totalErrors: after.stats.totalErrors - before.stats.totalErrors,
    expectedErrors: tally.expectedErrors,
  }
  const checks = {
    rightAnswers: tally.wrong === 0,
    // the gateway's idle pool to the fault upstream may differ by a few sockets; a leak grows per round
    noFdLeak: after.fds <= before.fds + 4,
    noMemoryLeak: after.rssKB <= before.rssKB * 1.1,
    requestsCounted: counters.totalRequests === tally.requests,
    errorsCounted: counters.totalErrors === tally.expectedErrors,
    gatewayAlive: (await get(PORT, '/live'))?.status === 200,
  }
  const byKind = Object.fromEntries(Object.keys(KINDS).map((k) => [k, tally[k]]))
  return {
    pass: Object.values(checks).every(Boolean),
    checks,
    rounds,
    kinds: Object.keys(KINDS),
    requests: tally.requests,
    wrong: tally.wrong,
    byKind,
    counters,
    fds: { before: before.fds, after: after.fds },
    rss: { beforeKB: before.rssKB, afterKB: after.rssKB },
  }
}
