// Scenario `h2`: HTTP/2 throughput and p99 with h2load, Sallyport beside portless and nginx, same upstream.
//
//   sallyport-h2c   Sallyport, h2c with prior knowledge             http://127.0.0.1:19321/small
//   sallyport-tls   Sallyport, `server: { tls: auto }`, ALPN h2     https://127.0.0.1:19322/small
//   portless        portless 0.15 (shared harness peers), its default HTTPS + HTTP/2 with its own CA
//                   (bench/lib/portless-tls.mjs)                    https://bench.localhost:19323/small
//   nginx           nginx `listen … ssl http2`, self-signed P-256 cert made with openssl for the run
//   nginx-h2c       nginx `listen … http2` (h2c with prior knowledge)
//
// Every proxy forwards to the same origin over HTTP/1.1 keep-alive (portless: a new connection per
// request, which is how it forwards): the shared harness's nginx upstream (its conf template and its
// 100 B body) on 127.0.0.1:19320. h2load never verifies certificates. Layout as the other scenarios:
// h2load on cpu0, proxy and upstream on cpu1; each (round, target) gets a fresh upstream and proxy; rounds
// are interleaved. Before measuring, one request through each target over node:http2 must come back as
// HTTP/2, 200, 100 bytes; h2load must report "Application protocol: h2" (not an HTTP/1.1 fallback).
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import http2 from 'node:http2'
import path from 'node:path'
import { routesYaml } from './configs.mjs'
import { runH2load } from './h2load.mjs'
import { groupCpuTicks, portBusy, sleep, start, stop, waitReady } from './procs.mjs'

export const H2_UP_PORT = 19320
const PORTS = {
  'sallyport-h2c': 19321,
  'sallyport-tls': 19322,
  portless: 19323,
  nginx: 19324,
  'nginx-h2c': 19325,
}
export const H2_TARGETS = Object.keys(PORTS)
const PEER_CPU = '1'
const CLIENT_CPU = '0'
const BODY_BYTES = 100

/**
 * One request over HTTP/2 (h2c for http://, TLS + ALPN h2 for https://, certificate not verified).
 * Resolves { status, headers, trailers, body: Buffer, protocol } or rejects (timeout included).
 */
export function h2Once(
  origin,
  p,
  { method = 'GET', headers = {}, body, authority, servername, timeout = 2000 } = {},
) {
  return new Promise((resolve, reject) => {
    const session = http2.connect(origin, {
      rejectUnauthorized: false,
      ...(servername ? { servername } : {}),
    })
    const done = (err, val) => {
      clearTimeout(timer)
      session.close()
      session.destroy()
      err ? reject(err) : resolve(val)
    }
    const timer = setTimeout(() => done(new Error(`no answer from ${origin}${p} in ${timeout} ms`)), timeout)
    session.on('error', (e) => done(e))
    const req = session.request({
      ':method': method,
      ':path': p,
      ...(authority ? { ':authority': authority } : {}),
      ...headers,
    })
    const parts = []
    let resHeaders = {}
    let trailers = {}
    req.on('response', (h) => {
      resHeaders = h
    })
    req.on('trailers', (t) => {
      trailers = t
    })
    req.on('data', (c) => parts.push(c))
    req.on('end', () =>
      done(null, {
        status: resHeaders[':status'],
        headers: resHeaders,
        trailers,
        body: Buffer.concat(parts),
        protocol: session.alpnProtocol,
      }),
    )
    req.on('error', (e) => done(e))
    req.end(body)
  })
}

/** Poll `check()` (an h2Once call that must resolve truthy) until it does or the child exits. */
export async function waitH2(child, check, { limitMs = 20000 } = {}) {
  const t0 = child ? child.t0 : performance.now()
  let last = ''
  while (performance.now() - t0 < limitMs) {
    if (child?.exited)
      throw new Error(`process exited early (${JSON.stringify(child.exitInfo)}), see ${child.logFile}`)
    try {
      const r = await check()
      if (r === true) return performance.now() - t0
      last = String(r)
    } catch (e) {
      last = e.message
    }
    await sleep(20)
  }
  throw new Error(`not ready after ${limitMs} ms: ${last} (log: ${child?.logFile})`)
}

/** /proc/stat busy jiffies per cpu, for the client / proxy core utilisation of a run. */
function coreTicks() {
  const out = {}
  for (const line of fs.readFileSync('/proc/stat', 'utf8').split('\n')) {
    const m = line.match(/^cpu(\d+)\s+(.*)$/)
    if (!m) continue
    const f = m[2].split(/\s+/).map(Number)
    const idle = f[3] + f[4]
    const total = f.slice(0, 8).reduce((a, b) => a + b, 0)
    out[m[1]] = { busy: total - idle, total }
  }
  return out
}
export function coreBusy(a, b) {
  const pct = (c) => {
    const dt = b[c].total - a[c].total
    return dt > 0 ? Math.round((100 * (b[c].busy - a[c].busy)) / dt) : Number.NaN
  }
  return { cpu0Busy: pct('0'), cpu1Busy: pct('1') }
}
export { coreTicks }

/** Self-signed ECDSA P-256 certificate for 127.0.0.1 / localhost, made with openssl in `dir`. */
export function selfSignedCert(dir) {
  fs.mkdirSync(dir, { recursive: true })
  const key = path.join(dir, 'key.pem')
  const cert = path.join(dir, 'cert.pem')
  if (!fs.existsSync(cert)) {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '2',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost,IP:127.0.0.1',
      ],
      { stdio: 'ignore', timeout: 20000 },
    )
  }
  return { key, cert }
}

/** The harness's nginx upstream (conf template + 100 B body) on H2_UP_PORT, pinned to the proxy core. */
async function startNginxUpstream(ctx) {
  if (await portBusy(H2_UP_PORT)) throw new Error(`port ${H2_UP_PORT} already in use, refusing to run`)
  const prefix = path.join(ctx.work, 'h2-upstream')
  for (const d of ['logs', 'tmp', 'www']) fs.mkdirSync(path.join(prefix, d), { recursive: true })
  const { SMALL } = await import(path.join(ctx.harnessDir, 'upstream', 'bodies.mjs'))
  let conf = fs.readFileSync(path.join(ctx.harnessDir, 'conf', 'nginx-upstream.conf.tmpl'), 'utf8')
  conf = conf
    .split('@PORT@')
    .join(String(H2_UP_PORT))
    .split('@TMP@')
    .join(prefix)
    .split('@SMALL_BODY@')
    .join(SMALL)
  const file = path.join(prefix, 'nginx.conf')
  fs.writeFileSync(file, conf)
  const child = start(['nginx', '-p', prefix, '-c', file], {
    cpu: PEER_CPU,
    logFile: path.join(ctx.work, 'logs', 'h2-upstream.log'),
  })
  try {
    await waitReady(child, H2_UP_PORT, '/small', { limitMs: 10000, check: (r) => r.bytes === BODY_BYTES })
  } catch (e) {
    await stop(child)
    throw e
  }
  return child
}

/** nginx as the HTTP/2 front (TLS or h2c), proxying to the upstream over HTTP/1.1 keep-alive. */
function nginxH2Argv(ctx, name, port, tls) {
  const prefix = path.join(ctx.work, `h2-${name}`)
  for (const d of ['logs', 'tmp']) fs.mkdirSync(path.join(prefix, d), { recursive: true })
  let conf = fs.readFileSync(path.join(ctx.harnessDir, 'conf', 'nginx-proxy.conf.tmpl'), 'utf8')
  conf = conf.split('@UPORT@').join(String(H2_UP_PORT)).split('@PORT@').join(String(port))
  const listen = `listen 127.0.0.1:${port} backlog=4096;`
  if (!conf.includes(listen))
    throw new Error('nginx-proxy.conf.tmpl changed: no listen line to turn into http2')
  // nginx 1.22 (Debian 12) predates `http2 on;` (1.25.1): the http2 flag goes on the listen line
  let h2 = `listen 127.0.0.1:${port} ${tls ? 'ssl ' : ''}http2 backlog=4096;\n    http2_max_concurrent_streams 128;`
  if (tls) {
    const { key, cert } = selfSignedCert(path.join(ctx.work, 'h2-nginx-cert'))
    h2 += `\n    ssl_certificate ${cert};\n    ssl_certificate_key ${key};\n    ssl_protocols TLSv1.2 TLSv1.3;\n    ssl_session_cache shared:SSL:1m;`
  }
  conf = conf.replace(listen, h2)
  const file = path.join(prefix, 'nginx.conf')
  fs.writeFileSync(file, conf)
  return ['nginx', '-p', prefix, '-c', file]
}

function makeH2Targets(ctx) {
  const cfgDir = path.join(ctx.work, 'config-h2')
  fs.mkdirSync(cfgDir, { recursive: true })
  const plain = path.join(cfgDir, 'h2c.yaml')
  const tls = path.join(cfgDir, 'tls.yaml')
  const routes = routesYaml(1, `http://127.0.0.1:${H2_UP_PORT}`)
  fs.writeFileSync(plain, routes)
  fs.writeFileSync(tls, `server:\n  tls: auto\n${routes}`)
  const portlessCli = path.join(ctx.harnessDir, 'peers', 'node_modules', 'portless', 'dist', 'cli.js')
  return {
    'sallyport-h2c': {
      argv: () => ctx.gatewayArgv(PORTS['sallyport-h2c'], plain),
      origin: `http://127.0.0.1:${PORTS['sallyport-h2c']}`,
    },
    'sallyport-tls': {
      argv: () => ctx.gatewayArgv(PORTS['sallyport-tls'], tls),
      origin: `https://127.0.0.1:${PORTS['sallyport-tls']}`,
    },
    portless: {
      argv: () => [ctx.nodeBin, path.join(ctx.benchDir, 'lib', 'portless-tls.mjs')],
      env: {
        PORT: String(PORTS.portless),
        UPSTREAM_PORT: String(H2_UP_PORT),
        PORTLESS_CLI: portlessCli,
      },
      origin: `https://bench.localhost:${PORTS.portless}`,
      connect: `https://127.0.0.1:${PORTS.portless}`,
      connectTo: `127.0.0.1:${PORTS.portless}`,
      authority: `bench.localhost:${PORTS.portless}`,
      servername: 'bench.localhost',
    },
    nginx: {
      argv: () => nginxH2Argv(ctx, 'nginx', PORTS.nginx, true),
      origin: `https://127.0.0.1:${PORTS.nginx}`,
    },
    'nginx-h2c': {
      argv: () => nginxH2Argv(ctx, 'nginx-h2c', PORTS['nginx-h2c'], false),
      origin: `http://127.0.0.1:${PORTS['nginx-h2c']}`,
    },
  }
}

/** One 200 with the 100 B body over HTTP/2 through the target (true), or what was wrong. */
async function h2Check(t) {
  const r = await h2Once(t.connect || t.origin, '/small', {
    authority: t.authority,
    servername: t.servername,
  })
  if (r.protocol !== 'h2' && r.protocol !== 'h2c') return `protocol ${r.protocol}`
  if (Number(r.status) !== 200 || r.body.length !== BODY_BYTES)
    return `status ${r.status}, ${r.body.length} bytes: ${r.body.toString().slice(0, 120)}`
  return true
}

/**
 * opts: { names, rounds, seconds, warmup, conns, streams, budgetS }. Returns { meta, <name>: [rec per round] }
 * in the shape of the other extra scenarios; a run left out for lack of time is a failed record saying so.
 */
export async function h2Scenario(ctx, { names, rounds, seconds, warmup, conns, streams, budgetS }) {
  if (!fs.existsSync(path.join(ctx.harnessDir, 'peers', 'node_modules', 'portless')))
    ctx.log('  portless is not installed in the harness copy (peers/node_modules): its runs will fail')
  const targets = makeH2Targets(ctx)
  const deadline = Date.now() + budgetS * 1000
  const perRunS = seconds + warmup + 4
  let portless = '?'
  try {
    portless = JSON.parse(
      fs.readFileSync(path.join(ctx.harnessDir, 'peers', 'node_modules', 'portless', 'package.json'), 'utf8'),
    ).version
  } catch {}
  const out = {
    meta: {
      portless,
      h2load: `-t 1 -c ${conns} -m ${streams} -D ${seconds} (warm-up run: -D ${warmup}, same flags)`,
      upstream: `shared harness nginx upstream, 100 B, 127.0.0.1:${H2_UP_PORT}`,
      layout: 'h2load on cpu0; proxy and upstream on cpu1',
      latency: 'p50/p99 from h2load --log-file (2xx requests of the measured run)',
    },
  }
  const raw = []
  for (let round = 1; round <= rounds; round++) {
    for (const name of names) {
      const t = targets[name]
      let up = null
      let px = null
      let rec
      try {
        if (!t) throw new Error(`unknown h2 target ${name}`)
        if (Date.now() + perRunS * 1000 > deadline)
          throw new Error(`skipped: the scenario's ${budgetS} s budget is spent`)
        up = await startNginxUpstream(ctx)
        if (await portBusy(PORTS[name]))
          throw new Error(`port ${PORTS[name]} already in use, refusing to run`)
        px = start(t.argv(), {
          cpu: PEER_CPU,
          env: t.env || {},
          logFile: path.join(ctx.work, 'logs', `h2-${name}.log`),
        })
        const startupMs = await waitH2(px, () => h2Check(t))
        const load = {
          url: `${t.origin}/small`,
          conns,
          streams,
          cpu: CLIENT_CPU,
          connectTo: t.connectTo,
        }
        await runH2load({ ...load, seconds: warmup })
        const c0 = coreTicks()
        const p0 = groupCpuTicks(px.pid)
        const u0 = groupCpuTicks(up.pid)
        const r = await runH2load({
          ...load,
          seconds,
          logFile: path.join(ctx.work, `h2load-${name}-r${round}.tsv`),
        })
        const cores = coreBusy(c0, coreTicks())
        const cpuPct = (t0, pid) => Math.round((groupCpuTicks(pid) - t0) / r.seconds)
        raw.push(`### h2 ${name} r${round}\n$ ${r.cmd}\n${r.raw}`)
        fs.rmSync(path.join(ctx.work, `h2load-${name}-r${round}.tsv`), { force: true })
        if (r.protocol !== 'h2' && r.protocol !== 'h2c')
          throw new Error(`h2load spoke ${r.protocol} to ${name}, not HTTP/2`)
        rec = {
          rps: r.rps,
          p50: r.p50,
          p99: r.p99,
          maxMs: r.max,
          errors: r.failed + r.errored + r.timeout + r.non2xx,
          requests: r.succeeded,
          cpuProxy: cpuPct(p0, px.pid),
          cpuUp: cpuPct(u0, up.pid),
          ...cores,
          startupMs,
          protocol: r.protocol,
          ...(r.tls ? { tls: r.tls } : {}),
        }
      } catch (e) {
        rec = { failed: true, error: String(e.message || e) }
      } finally {
        await stop(px)
        await stop(up)
      }
      rec.round = round
      if (!out[name]) out[name] = []
      out[name].push(rec)
      ctx.log(`  [h2 r${round}] ${name.padEnd(14)} ${line(rec)}`)
    }
  }
  fs.appendFileSync(path.join(ctx.rawDir, 'h2load.txt'), `${raw.join('\n')}\n`)
  return out
}

export function line(r) {
  if (r.failed) return `FAILED: ${r.error}`
  return Object.entries(r)
    .filter(([k, v]) => typeof v === 'number' && k !== 'round')
    .map(([k, v]) => `${k}=${Number.isInteger(v) ? v : v.toFixed(2)}`)
    .join(' ')
}
