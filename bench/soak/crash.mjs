// Part "crash": admin writes as fast as acknowledgements come back, kill -9 at a random moment, restart on
// the same data dir. Every acknowledged change (2xx received) must be there after the restart, and every
// state file must parse. Writes go through three persistence paths: native routes (manual-routes.yaml),
// a service-management variable and FluxGate upstreams (their own state files).
import fs from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import YAML from 'yaml'
import { sleep, stop } from '../lib/procs.mjs'
import { startGateway } from './gateway.mjs'
import { prng } from '../lib/prng.mjs'

const PORT = 19560
const MAX_ROUTES = 30
const MAX_UPSTREAMS = 8
const UP = 'http://127.0.0.1:19561'

function call(agent, method, p, body) {
  return new Promise((resolve) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: PORT,
        path: p,
        method,
        agent,
        timeout: 10_000,
        headers: body ? { 'content-type': 'application/json' } : {},
      },
      (res) => {
        const parts = []
        res.on('data', (c) => parts.push(c))
        res.on('end', () => {
          const text = Buffer.concat(parts).toString()
          let json
          try {
            json = JSON.parse(text)
          } catch {}
          resolve({ status: res.statusCode, json, text })
        })
        res.on('error', () => resolve(null))
      },
    )
    req.on('timeout', () => req.destroy())
    req.on('error', () => resolve(null))
    req.end(body === undefined ? undefined : JSON.stringify(body))
  })
}

/**
 * What must be true after a restart. Each key holds its last acknowledged value and, while a write to it
 * is in flight, the value that write would leave: after a kill either is right.
 */
function newModel() {
  return { routes: new Map(), variables: new Map(), upstreams: new Map(), n: 0 }
}
const ABSENT = Symbol('absent')
const allowed = (entry) => (entry.pending === undefined ? [entry.acked] : [entry.acked, entry.pending])

/** The next write: create or delete a route, set a variable, create or patch an upstream. */
function nextWrite(model, rand) {
  const n = ++model.n
  const kind = Math.floor(rand() * 3)
  if (kind === 0) {
    const present = [...model.routes].filter(([, e]) => e.acked !== ABSENT).map(([k]) => k)
    if (present.length >= MAX_ROUTES || (present.length > 0 && rand() < 0.3)) {
      const id = present[Math.floor(rand() * present.length)]
      return {
        map: model.routes,
        key: id,
        value: ABSENT,
        want: 200,
        method: 'DELETE',
        url: `/gateway/api/routes/${id}`,
      }
    }
    const p = `/crash-${n}`
    return {
      map: model.routes,
      key: `manual-${p}`,
      value: true,
      want: 201,
      method: 'POST',
      url: '/gateway/api/routes',
      body: { path: p, targets: [{ url: UP }] },
    }
  }
  if (kind === 1) {
    const key = `v${n % 40}`
    return {
      map: model.variables,
      key,
      value: n,
      want: 200,
      method: 'PUT',
      url: '/gateway/management/program/variable',
      body: { key, value: n },
    }
  }
  const names = [...model.upstreams.keys()]
  if (names.length < MAX_UPSTREAMS) {
    const name = `crash-up-${n}`
    return {
      map: model.upstreams,
      key: name,
      value: 1,
      want: 201,
      method: 'POST',
      url: '/api/v2/gateway/upstreams',
      body: { name, targets: [{ url: UP, weight: 1 }] },
    }
  }
  const name = names[Math.floor(rand() * names.length)]
  const weight = 1 + (n % 50)
  return {
    map: model.upstreams,
    key: name,
    value: weight,
    want: 200,
    method: 'PATCH',
    url: `/api/v2/gateway/upstreams/${model.upstreams.get(name).id}`,
    body: { targets: [{ url: UP, weight }] },
  }
}

/** Writes one at a time until a request gets no answer (the kill) or `until` passes. */
async function writeUntilKilled(model, rand, until) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
  let acked = 0
  const refused = []
  try {
    while (Date.now() < until) {
      const w = nextWrite(model, rand)
      const entry = w.map.get(w.key) ?? { acked: ABSENT }
      w.map.set(w.key, entry)
      entry.pending = w.value
      const r = await call(agent, w.method, w.url, w.body)
      if (!r) return { acked, refused } // killed with this write in flight: it stays pending
      entry.pending = undefined
      if (r.status === w.want) {
        entry.acked = w.value
        if (w.map === model.upstreams && w.method === 'POST') entry.id = r.json.id
        acked++
      } else {
        if (entry.acked === ABSENT && !entry.id) w.map.delete(w.key)
        if (refused.length < 5)
          refused.push({ method: w.method, url: w.url, status: r.status, body: r.text.slice(0, 200) })
      }
    }
    return { acked, refused }
  } finally {
    agent.destroy()
  }
}

/** Compares the restarted gateway's state with the model; returns the lost or wrong keys. */
async function verify(model) {
  const lost = []
  const routes = await call(undefined, 'GET', '/gateway/api/routes')
  const ids = new Set((routes?.json ?? []).map((r) => r.id))
  for (const [key, e] of model.routes) {
    const now = ids.has(key) ? true : ABSENT
    if (!allowed(e).includes(now)) lost.push({ kind: 'route', key, want: String(e.acked), got: String(now) })
    e.acked = now
    e.pending = undefined
  }
  const vars = (await call(undefined, 'GET', '/gateway/management/program/variable'))?.json?.data ?? {}
  for (const [key, e] of model.variables) {
    const now = key in vars ? vars[key] : ABSENT
    if (!allowed(e).includes(now))
      lost.push({ kind: 'variable', key, want: String(e.acked), got: String(now) })
    e.acked = now
    e.pending = undefined
  }
  const ups = (await call(undefined, 'GET', '/api/v2/gateway/upstreams'))?.json?.upstreams ?? []
  const byName = new Map(ups.map((u) => [u.name, u]))
  for (const [key, e] of model.upstreams) {
    const u = byName.get(key)
    const now = u ? u.targets[0].weight : ABSENT
    if (!allowed(e).includes(now))
      lost.push({ kind: 'upstream', key, want: String(e.acked), got: String(now) })
    if (u) e.id = u.id
    e.acked = now
    e.pending = undefined
    if (now === ABSENT) model.upstreams.delete(key)
  }
  return lost
}

/** Every state file parses; leftover temp files (a kill between write and rename) are counted. */
function checkFiles(dataDir) {
  const corrupt = []
  let tempFiles = 0
  for (const f of fs.readdirSync(dataDir)) {
    if (f.endsWith('.tmp')) {
      tempFiles++
      continue
    }
    if (!/\.ya?ml$/.test(f)) continue
    const text = fs.readFileSync(path.join(dataDir, f), 'utf8')
    try {
      const doc = YAML.parse(text)
      if (doc === null || typeof doc !== 'object') throw new Error('not a mapping')
    } catch (e) {
      corrupt.push({ file: f, error: String(e.message).split('\n')[0], head: text.slice(0, 120) })
    }
  }
  return { corrupt, tempFiles }
}

export async function crashPart(ctx, { rounds, seed }) {
  const dataDir = path.join(ctx.work, 'crash', 'data')
  fs.mkdirSync(dataDir, { recursive: true })
  const rand = prng(seed)
  const model = newModel()
  const lost = []
  const corrupt = []
  const restartFailures = []
  const refused = []
  let acknowledged = 0
  let tempFiles = 0
  const logFile = path.join(ctx.work, 'logs', 'crash-gateway.log')
  for (let r = 0; r < rounds; r++) {
    let gw
    try {
      gw = await startGateway({ port: PORT, dataDir, logFile, readyMs: 20_000 })
    } catch (e) {
      restartFailures.push({ round: r, error: String(e.message).split('\n')[0] })
      if (restartFailures.length >= 3) break
      continue
    }
    for (const l of await verify(model)) lost.push({ round: r, ...l })
    const delayMs = 50 + Math.floor(rand() * 1500)
    const killer = sleep(delayMs).then(() => {
      try {
        process.kill(-gw.pid, 'SIGKILL')
      } catch {}
    })
    const w = await writeUntilKilled(model, rand, Date.now() + delayMs + 5000)
    await killer
    await stop(gw)
    acknowledged += w.acked
    refused.push(...w.refused.slice(0, 5 - refused.length))
    const files = checkFiles(dataDir)
    corrupt.push(...files.corrupt.map((c) => ({ round: r, ...c })))
    tempFiles = files.tempFiles
    if ((r + 1) % 10 === 0)
      ctx.log(
        `  crash: ${r + 1}/${rounds} rounds, ${acknowledged} acknowledged, lost ${lost.length}, corrupt ${corrupt.length}`,
      )
  }
  // the last round's kill is checked by one more start
  try {
    const gw = await startGateway({ port: PORT, dataDir, logFile, readyMs: 20_000 })
    for (const l of await verify(model)) lost.push({ round: rounds, ...l })
    // one acknowledged write per state file: each sweeps the temps its killed predecessors left
    const agent = new http.Agent({ keepAlive: true })
    await call(agent, 'PUT', '/gateway/management/program/variable', { key: 'final', value: 1 })
    await call(agent, 'POST', '/gateway/api/routes', { path: '/crash-final', targets: [{ url: UP }] })
    await call(agent, 'POST', '/api/v2/gateway/upstreams', {
      name: 'crash-final',
      targets: [{ url: UP, weight: 1 }],
    })
    agent.destroy()
    await stop(gw)
    tempFiles = checkFiles(dataDir).tempFiles
  } catch (e) {
    restartFailures.push({ round: rounds, error: String(e.message).split('\n')[0] })
  }
  const checks = {
    noAcknowledgedChangeLost: lost.length === 0,
    noCorruptStateFile: corrupt.length === 0,
    everyRestartServed: restartFailures.length === 0,
    writesAcknowledged: acknowledged > 0,
    noRefusedWrite: refused.length === 0,
    noLeftoverTempFile: tempFiles === 0,
  }
  return {
    pass: Object.values(checks).every(Boolean),
    checks,
    rounds,
    acknowledged,
    lost: lost.slice(0, 20),
    lostTotal: lost.length,
    corrupt: corrupt.slice(0, 20),
    restartFailures,
    refused,
    leftoverTempFiles: tempFiles,
  }
}
