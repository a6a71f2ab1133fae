// h2load (nghttp2-client) runs for the HTTP/2 and gRPC scenarios: one bounded run, its text report parsed,
// and latency percentiles computed from its per-request --log-file.
//
// What is read from h2load's output (nghttp2 1.52):
//   "Application protocol: h2"                      the protocol really spoken (ALPN / prior knowledge)
//   "TLS Protocol: TLSv1.3" + "Cipher: …"            what the TLS handshake settled on (TLS runs only)
//   "finished in 5.00s, 12345.67 req/s, ..."        req/s = requests completed in the -D window ÷ -D
//   "requests: N total, N started, N done, N succeeded, N failed, N errored, N timeout"
//   "status codes: N 2xx, N 3xx, N 4xx, N 5xx"
//   "traffic: ... total, ... headers (...), 1.2MB (1234567) data"   DATA frame payload bytes received
// Latency: h2load prints only min/max/mean/sd ("time for request"); p50/p99 come from --log-file, one line
// per finished request: start µs since epoch, status (-1 = failed stream), µs until the end of the
// response. Only 2xx lines count toward the percentiles.
import { spawn } from 'node:child_process'
import fs from 'node:fs'

/** Parse h2load's text report. Missing fields stay NaN/0; `protocol` is null when h2load did not say. */
export function parseH2load(out) {
  const r = {
    protocol: null,
    seconds: Number.NaN,
    rps: Number.NaN,
    requests: 0,
    done: 0,
    succeeded: 0,
    failed: 0,
    errored: 0,
    timeout: 0,
    status2xx: 0,
    non2xx: 0,
    dataBytes: Number.NaN,
    meanMs: Number.NaN,
  }
  const proto = out.match(/^Application protocol:\s*(\S+)/m)
  if (proto) r.protocol = proto[1]
  const tls = out.match(/^TLS Protocol:\s*(\S+)/m)
  const cipher = out.match(/^Cipher:\s*(\S+)/m)
  if (tls) r.tls = cipher ? `${tls[1]} ${cipher[1]}` : tls[1]
  const fin = out.match(/finished in ([\d.]+)(ms|s|us), ([\d.]+) req\/s/)
  if (fin) {
    r.seconds = Number(fin[1]) * { us: 1e-6, ms: 1e-3, s: 1 }[fin[2]]
    r.rps = Number(fin[3])
  }
  const req = out.match(
    /requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored, (\d+) timeout/,
  )
  if (req) {
    r.requests = Number(req[1])
    r.done = Number(req[3])
    r.succeeded = Number(req[4])
    r.failed = Number(req[5])
    r.errored = Number(req[6])
    r.timeout = Number(req[7])
  }
  const st = out.match(/status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx/)
  if (st) {
    r.status2xx = Number(st[1])
    r.non2xx = Number(st[2]) + Number(st[3]) + Number(st[4])
  }
  const data = out.match(/\((\d+)\) data/)
  if (data) r.dataBytes = Number(data[1])
  const t = out.match(/time for request:\s+(\S+)\s+(\S+)\s+(\S+)/)
  if (t) r.meanMs = parseDur(t[3])
  return r
}

function parseDur(s) {
  const m = s.match(/^([\d.]+)(us|ms|s)$/)
  return m ? Number(m[1]) * { us: 0.001, ms: 1, s: 1000 }[m[2]] : Number.NaN
}

/** p50 / p90 / p99 / max in ms of the 2xx requests in an h2load --log-file; counts the other lines. */
export function latencyFromLog(file) {
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : ''
  const us = []
  let bad = 0
  for (const line of text.split('\n')) {
    if (!line) continue
    const [, status, dur] = line.split('\t')
    const code = Number(status)
    if (code >= 200 && code < 300) us.push(Number(dur))
    else bad++
  }
  const a = Float64Array.from(us).sort()
  const q = (p) => (a.length ? a[Math.min(a.length - 1, Math.ceil(p * a.length) - 1)] / 1000 : Number.NaN)
  return { logged: a.length, loggedNon2xx: bad, p50: q(0.5), p90: q(0.9), p99: q(0.99), max: q(1) }
}

/**
 * One bounded h2load run: `-c conns -m streams -t 1 -D seconds`, pinned to `cpu`, SIGKILLed at seconds+20.
 * Resolves the parsed report (+ percentiles when `logFile` is given) and the raw text; rejects when h2load
 * exits non-zero or prints no report.
 */
export function runH2load({
  url,
  conns = 16,
  streams = 10,
  seconds = 5,
  cpu = '0',
  headers = [],
  dataFile,
  connectTo,
  logFile,
}) {
  const args = ['-t', '1', '-c', String(conns), '-m', String(streams), '-D', String(seconds)]
  for (const h of headers) args.push('-H', h)
  if (dataFile) args.push('-d', dataFile)
  if (connectTo) args.push(`--connect-to=${connectTo}`)
  if (logFile) {
    fs.rmSync(logFile, { force: true })
    args.push(`--log-file=${logFile}`)
  }
  args.push(url)
  const full = cpu != null ? ['taskset', '-c', String(cpu), 'h2load', ...args] : ['h2load', ...args]
  return new Promise((resolve, reject) => {
    const child = spawn(full[0], full.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (d) => {
      out += d
    })
    child.stderr.on('data', (d) => {
      out += d
    })
    const kill = setTimeout(() => child.kill('SIGKILL'), (seconds + 20) * 1000)
    child.on('error', (e) => {
      clearTimeout(kill)
      reject(new Error(`h2load: ${e.message}`))
    })
    child.on('exit', (code, sig) => {
      clearTimeout(kill)
      // progress lines are noise in the raw file
      const raw = out
        .split('\n')
        .filter((l) => !/^progress: /.test(l))
        .join('\n')
      const r = parseH2load(raw)
      if (code !== 0 || !Number.isFinite(r.rps))
        return reject(new Error(`h2load exit ${code ?? sig}: ${raw.trim().split('\n').slice(-6).join('; ')}`))
      const cmd = `h2load ${args.map((a) => (/[\s'"]/.test(a) ? `'${a}'` : a)).join(' ')}`
      resolve({ ...r, ...(logFile ? latencyFromLog(logFile) : {}), cmd, raw })
    })
  })
}
