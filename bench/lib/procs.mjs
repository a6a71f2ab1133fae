// Process and measurement helpers for the scenarios the shared harness does not cover.
// Every child is its own process group and is stopped by its PID (SIGTERM, then SIGKILL).
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import http from 'node:http'
import net from 'node:net'
import path from 'node:path'

export const HOST = '127.0.0.1'
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

const live = new Set()

/** Start argv (pinned with taskset when cpu is set) as a detached process group, logging to logFile. */
export function start(argv, { cpu = null, env = {}, logFile, cwd } = {}) {
  const full = cpu != null ? ['taskset', '-c', String(cpu), ...argv] : argv
  fs.mkdirSync(path.dirname(logFile), { recursive: true })
  const fd = fs.openSync(logFile, 'a')
  const child = spawn(full[0], full.slice(1), {
    detached: true,
    stdio: ['ignore', fd, fd],
    cwd,
    env: { ...process.env, ...env },
  })
  fs.closeSync(fd)
  child.t0 = performance.now()
  child.logFile = logFile
  child.exited = false
  child.on('exit', (code, sig) => {
    child.exited = true
    child.exitInfo = { code, sig }
    live.delete(child)
  })
  live.add(child)
  return child
}

export async function stop(child, { graceMs = 2000 } = {}) {
  if (!child || child.exited) return
  try {
    process.kill(-child.pid, 'SIGTERM')
  } catch {}
  for (let i = 0; i < graceMs / 50 && !child.exited; i++) await sleep(50)
  if (!child.exited) {
    try {
      process.kill(-child.pid, 'SIGKILL')
    } catch {}
  }
  for (let i = 0; i < 40 && !child.exited; i++) await sleep(50)
  live.delete(child)
}

export async function stopAll() {
  for (const c of [...live]) await stop(c)
}

/** One GET on a fresh connection; resolves { status, bytes, body } or null. */
export function get(port, p, { timeout = 1000, keepBody = false, method = 'GET', headers, body } = {}) {
  return new Promise((resolve) => {
    const req = http.request({ host: HOST, port, path: p, method, headers, agent: false, timeout }, (res) => {
      let n = 0
      const parts = []
      res.on('data', (c) => {
        n += c.length
        if (keepBody) parts.push(c)
      })
      res.on('end', () =>
        resolve({ status: res.statusCode, bytes: n, body: keepBody ? Buffer.concat(parts).toString() : '' }),
      )
      res.on('error', () => resolve(null))
    })
    req.on('timeout', () => {
      req.destroy()
      resolve(null)
    })
    req.on('error', () => resolve(null))
    req.end(body)
  })
}

export function portBusy(port) {
  return new Promise((resolve) => {
    const s = net.connect({ host: HOST, port })
    s.on('connect', () => {
      s.destroy()
      resolve(true)
    })
    s.on('error', () => resolve(false))
    s.setTimeout(300, () => {
      s.destroy()
      resolve(false)
    })
  })
}

/** Poll until GET port+p answers 200 (and `check(res)` holds); returns ms since the child was spawned. */
export async function waitReady(child, port, p, { limitMs = 15000, check = () => true } = {}) {
  const t0 = child ? child.t0 : performance.now()
  while (performance.now() - t0 < limitMs) {
    if (child?.exited) {
      throw new Error(`process exited early (${JSON.stringify(child.exitInfo)}), see ${child.logFile}`)
    }
    const r = await get(port, p, { timeout: 500, keepBody: true })
    if (r && r.status === 200 && check(r)) return performance.now() - t0
    await sleep(3)
  }
  throw new Error(`not ready on :${port}${p} after ${limitMs} ms (log: ${child?.logFile})`)
}

// ---------------------------------------------------------------- /proc readers
export function groupPids(pgid) {
  const out = []
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue
    try {
      const st = fs.readFileSync(`/proc/${d}/stat`, 'utf8')
      const f = st.slice(st.lastIndexOf(')') + 2).split(' ')
      if (Number(f[2]) === pgid) out.push(Number(d))
    } catch {}
  }
  return out
}

/** RSS and VmHWM (KiB) summed over a process group, excluding the taskset/bash wrappers (they exec). */
export function groupMemKB(pgid) {
  let rss = 0
  let hwm = 0
  for (const p of groupPids(pgid)) {
    try {
      const s = fs.readFileSync(`/proc/${p}/status`, 'utf8')
      rss += Number((s.match(/VmRSS:\s+(\d+)/) || [0, 0])[1])
      hwm += Number((s.match(/VmHWM:\s+(\d+)/) || [0, 0])[1])
    } catch {}
  }
  return { rss, hwm }
}

export function groupCpuTicks(pgid) {
  let t = 0
  for (const p of groupPids(pgid)) {
    try {
      const st = fs.readFileSync(`/proc/${p}/stat`, 'utf8')
      const f = st.slice(st.lastIndexOf(')') + 2).split(' ')
      t += Number(f[11]) + Number(f[12])
    } catch {}
  }
  return t
}

// ---------------------------------------------------------------- wrk
function parseDur(s) {
  const m = s.match(/^([\d.]+)(us|ms|s|m)$/)
  if (!m) return Number.NaN
  return Number(m[1]) * { us: 0.001, ms: 1, s: 1000, m: 60000 }[m[2]]
}

export function parseWrk(out) {
  const r = { rps: Number.NaN, p50: Number.NaN, p99: Number.NaN, requests: 0, errors: 0, non2xx: 0 }
  const rps = out.match(/Requests\/sec:\s+([\d.]+)/)
  if (rps) r.rps = Number(rps[1])
  for (const q of ['50', '99']) {
    const m = out.match(new RegExp(`^\\s+${q}%\\s+(\\S+)`, 'm'))
    if (m) r[`p${q}`] = parseDur(m[1])
  }
  const n = out.match(/(\d+) requests in/)
  if (n) r.requests = Number(n[1])
  const se = out.match(/Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/)
  if (se)
    r.errors = se
      .slice(1)
      .map(Number)
      .reduce((a, b) => a + b, 0)
  const nx = out.match(/Non-2xx or 3xx responses: (\d+)/)
  if (nx) r.non2xx = Number(nx[1])
  const tr = out.match(/Transfer\/sec:\s+([\d.]+)([KMG]?B)/)
  if (tr) r.transferMBs = Number(tr[1]) * { B: 1 / 2 ** 20, KB: 1 / 1024, MB: 1, GB: 1024 }[tr[2]]
  return r
}

/** A bounded wrk run (hard kill at seconds + 15). `script` is a Lua file path. */
export function runWrk(o) {
  return wrkHandle(o).done
}

/** Like runWrk, but returns { stop(), done }: stop() ends the run early (wrk prints its report on SIGINT). */
export function wrkHandle({ port, p, seconds, conns = 50, cpu = '0', script, timeout = '5s' }) {
  const args = ['-t', '1', '-c', String(conns), '-d', `${seconds}s`, '--timeout', timeout, '--latency']
  if (script) args.push('-s', script)
  args.push(`http://${HOST}:${port}${p}`)
  // no taskset wrapper here: stop() signals wrk itself; pin by re-exec through taskset's own exec
  const full = cpu != null ? ['taskset', '-c', String(cpu), 'wrk', ...args] : ['wrk', ...args]
  const child = spawn(full[0], full.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout.on('data', (d) => {
    out += d
  })
  child.stderr.on('data', (d) => {
    out += d
  })
  const done = new Promise((resolve, reject) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), (seconds + 15) * 1000)
    child.on('exit', (code) => {
      clearTimeout(kill)
      if (code !== 0) return reject(new Error(`wrk exit ${code}: ${out}`))
      resolve({ ...parseWrk(out), raw: out })
    })
  })
  return { stop: () => child.kill('SIGINT'), done }
}

/** Run a Node client script pinned to `cpu`, bounded by `limitS`; resolves its last stdout line as JSON. */
export function runClient(nodeBin, script, args, { cpu = '0', limitS = 60, env = {} } = {}) {
  return new Promise((resolve, reject) => {
    const full =
      cpu != null ? ['taskset', '-c', String(cpu), nodeBin, script, ...args] : [nodeBin, script, ...args]
    const child = spawn(full[0], full.slice(1), {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    })
    let out = ''
    let err = ''
    child.stdout.on('data', (d) => {
      out += d
    })
    child.stderr.on('data', (d) => {
      err += d
    })
    const kill = setTimeout(() => child.kill('SIGKILL'), limitS * 1000)
    child.on('exit', (code) => {
      clearTimeout(kill)
      const last = out.trim().split('\n').pop()
      try {
        resolve(JSON.parse(last))
      } catch {
        reject(new Error(`client ${path.basename(script)} exit ${code}: ${err || out}`))
      }
    })
  })
}

export const median = (a) => {
  const s = [...a].filter(Number.isFinite).sort((x, y) => x - y)
  if (!s.length) return Number.NaN
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}
