// Scenario `grpc`: unary gRPC calls per second with h2load, straight to a real @grpc/grpc-js server
// (`direct`) and through Sallyport (`sallyport`, a `protocol: grpc` route, h2c on both sides).
//
// The server is the e2e fixture (e2e/fixtures/grpc/echo-server.ts) in its own process
// (bench/lib/grpc-echo-server.mjs), pinned to cpu1 with the gateway; h2load runs on cpu0. Every call is
// POST /sallyport.test.Echo/Unary with one pre-encoded message, EchoMessage { text: 'sallyport bench',
// count: 7 } in a 5-byte gRPC frame (`h2load -d <file> -H 'content-type: application/grpc' -H 'te: trailers'`).
//
// h2load only sees HTTP statuses, and a gRPC error (the gateway's own UNAVAILABLE, say) is an HTTP 200 too,
// so the scenario checks the calls three ways and fails loudly when one does not hold:
//   1. before and after the load, one call over node:http2 must end with grpc-status 0 and echo the message
//      (and carry the server's `x-echo-server: echo` header: the answer came from the upstream);
//   2. h2load's DATA bytes must be one echoed frame per successful response (a trailers-only error carries
//      no DATA);
//   3. the server's own count of Echo calls must cover every call h2load saw succeed.
import fs from 'node:fs'
import path from 'node:path'
import { coreBusy, coreTicks, h2Once, line } from './http2.mjs'
import { runH2load } from './h2load.mjs'
import { groupCpuTicks, portBusy, sleep, start, stop, waitReady } from './procs.mjs'

export const GRPC_GW_PORT = 19326
const PEER_CPU = '1'
const CLIENT_CPU = '0'
const METHOD = '/sallyport.test.Echo/Unary'
const TEXT = 'sallyport bench'
const COUNT = 7

function varint(n) {
  const out = []
  while (n > 127) {
    out.push((n & 127) | 128)
    n >>>= 7
  }
  out.push(n)
  return out
}

/** EchoMessage { string text = 1; int32 count = 2; } in a gRPC length-prefixed frame (uncompressed). */
export function echoFrame(text = TEXT, count = COUNT) {
  const t = Buffer.from(text)
  const msg = Buffer.from([0x0a, ...varint(t.length), ...t, 0x10, ...varint(count)])
  const head = Buffer.alloc(5)
  head.writeUInt32BE(msg.length, 1)
  return Buffer.concat([head, msg])
}

/** The messages of a gRPC body, each decoded as EchoMessage. */
export function decodeEcho(body) {
  const msgs = []
  let off = 0
  while (off + 5 <= body.length) {
    const len = body.readUInt32BE(off + 1)
    const m = body.subarray(off + 5, off + 5 + len)
    off += 5 + len
    const rec = { text: '', count: 0 }
    let i = 0
    const readVarint = () => {
      let v = 0
      let shift = 0
      for (;;) {
        const b = m[i++]
        v += (b & 127) * 2 ** shift
        if (b < 128) return v
        shift += 7
      }
    }
    while (i < m.length) {
      const tag = readVarint()
      if (tag === 0x0a) {
        const n = readVarint()
        rec.text = m.subarray(i, i + n).toString()
        i += n
      } else if (tag === 0x10) rec.count = readVarint()
      else throw new Error(`unexpected protobuf tag ${tag}`)
    }
    msgs.push(rec)
  }
  return msgs
}

/** One unary call over node:http2; throws with what was wrong unless it is a gRPC OK with the echo. */
export async function grpcCheck(origin, label) {
  const r = await h2Once(origin, METHOD, {
    method: 'POST',
    headers: { 'content-type': 'application/grpc', te: 'trailers', 'grpc-timeout': '2S' },
    body: echoFrame(),
    timeout: 3000,
  })
  const status = r.trailers['grpc-status'] ?? r.headers['grpc-status']
  const message = r.trailers['grpc-message'] ?? r.headers['grpc-message']
  const what = `${label}: HTTP ${r.status}, content-type ${r.headers['content-type']}, grpc-status ${status}${message ? ` (${decodeURIComponent(message)})` : ''}`
  if (Number(r.status) !== 200 || !String(r.headers['content-type']).startsWith('application/grpc'))
    throw new Error(`gRPC call not answered as gRPC — ${what}`)
  if (String(status) !== '0') throw new Error(`gRPC call failed — ${what}`)
  const msgs = decodeEcho(r.body)
  if (msgs.length !== 1 || msgs[0].text !== TEXT || msgs[0].count !== COUNT)
    throw new Error(`gRPC echo came back wrong — ${what}, messages ${JSON.stringify(msgs)}`)
  if (r.headers['x-echo-server'] !== 'echo')
    throw new Error(`gRPC answer did not come from the echo server (no x-echo-server header) — ${what}`)
  return { status: Number(status), protocol: r.protocol }
}

async function startEcho(ctx, round) {
  const stateFile = path.join(ctx.work, `grpc-echo-r${round}-${Date.now()}.json`)
  const child = start([ctx.nodeBin, path.join(ctx.benchDir, 'lib', 'grpc-echo-server.mjs')], {
    cpu: PEER_CPU,
    env: { STATE_FILE: stateFile },
    logFile: path.join(ctx.work, 'logs', 'grpc-echo.log'),
  })
  const t0 = performance.now()
  while (!fs.existsSync(stateFile)) {
    if (child.exited) throw new Error(`gRPC echo server exited early, see ${child.logFile}`)
    if (performance.now() - t0 > 20000) {
      await stop(child)
      throw new Error(`gRPC echo server did not start in 20 s, see ${child.logFile}`)
    }
    await sleep(20)
  }
  child.grpcPort = JSON.parse(fs.readFileSync(stateFile, 'utf8')).port
  child.stateFile = stateFile
  return child
}

/** Echo calls the server counted (written by the server on SIGTERM); NaN if it did not say. */
function echoCalls(child) {
  try {
    const s = JSON.parse(fs.readFileSync(child.stateFile, 'utf8'))
    return Number.isFinite(s.calls) ? s.calls : Number.NaN
  } catch {
    return Number.NaN
  }
}

function gatewayConfig(ctx, upPort) {
  const file = path.join(ctx.work, 'config-grpc', `grpc-${upPort}.yaml`)
  fs.mkdirSync(path.dirname(file), { recursive: true })
  fs.writeFileSync(
    file,
    `# generated by bench/lib/grpc.mjs
routes:
  - id: grpc-echo
    path: /sallyport.test.Echo
    protocol: grpc
    targets:
      - url: http://127.0.0.1:${upPort}
`,
  )
  return file
}

/**
 * opts: { names ('direct', 'sallyport'), rounds, seconds, warmup, conns, streams, budgetS }.
 * Returns { meta, direct: [rec per round], sallyport: [...] } like the other extra scenarios.
 */
export async function grpcScenario(ctx, { names, rounds, seconds, warmup, conns, streams, budgetS }) {
  const body = path.join(ctx.work, 'grpc-echo-frame.bin')
  const frame = echoFrame()
  fs.writeFileSync(body, frame)
  const deadline = Date.now() + budgetS * 1000
  const perRunS = seconds + warmup + 4
  const out = {
    meta: {
      h2load: `-t 1 -c ${conns} -m ${streams} -D ${seconds} -d <${frame.length} B frame> -H 'content-type: application/grpc' -H 'te: trailers' (warm-up run: -D ${warmup})`,
      call: `${METHOD}, EchoMessage { text: '${TEXT}', count: ${COUNT} }, h2c both sides`,
      layout: 'h2load on cpu0; gRPC server and gateway on cpu1',
      latency: 'p50/p99 from h2load --log-file (HTTP 2xx responses of the measured run)',
    },
  }
  const raw = []
  for (let round = 1; round <= rounds; round++) {
    for (const name of names) {
      let echo = null
      let gw = null
      let rec
      try {
        if (!['direct', 'sallyport'].includes(name)) throw new Error(`unknown grpc target ${name}`)
        if (Date.now() + perRunS * 1000 > deadline)
          throw new Error(`skipped: the scenario's ${budgetS} s budget is spent`)
        echo = await startEcho(ctx, round)
        let port = echo.grpcPort
        let startupMs = null
        if (name === 'sallyport') {
          if (await portBusy(GRPC_GW_PORT))
            throw new Error(`port ${GRPC_GW_PORT} already in use, refusing to run`)
          gw = start(ctx.gatewayArgv(GRPC_GW_PORT, gatewayConfig(ctx, echo.grpcPort)), {
            cpu: PEER_CPU,
            logFile: path.join(ctx.work, 'logs', 'grpc-sallyport.log'),
          })
          startupMs = await waitReady(gw, GRPC_GW_PORT, '/ready', { limitMs: 20000 })
          port = GRPC_GW_PORT
        }
        const origin = `http://127.0.0.1:${port}`
        const pre = await grpcCheck(origin, `${name} before the load`)
        const load = {
          url: `${origin}${METHOD}`,
          conns,
          streams,
          cpu: CLIENT_CPU,
          dataFile: body,
          headers: ['content-type: application/grpc', 'te: trailers'],
        }
        const warm = await runH2load({ ...load, seconds: warmup })
        const c0 = coreTicks()
        const p0 = gw ? groupCpuTicks(gw.pid) : null
        const u0 = groupCpuTicks(echo.pid)
        const logFile = path.join(ctx.work, `h2load-grpc-${name}-r${round}.tsv`)
        const r = await runH2load({ ...load, seconds, logFile })
        const cores = coreBusy(c0, coreTicks())
        const cpuPct = (t0, pid) => Math.round((groupCpuTicks(pid) - t0) / r.seconds)
        const cpuProxy = p0 !== null ? cpuPct(p0, gw.pid) : null
        const cpuServer = cpuPct(u0, echo.pid)
        raw.push(`### grpc ${name} r${round}\n$ ${r.cmd}\n${r.raw}`)
        fs.rmSync(logFile, { force: true })
        await grpcCheck(origin, `${name} after the load`)
        if (r.protocol !== 'h2c') throw new Error(`h2load spoke ${r.protocol}, not h2c`)
        // every successful response carried exactly one echoed frame (gRPC errors carry no DATA);
        // the few streams cut at the end of -D may have received theirs without completing
        const frames = r.dataBytes / frame.length
        if (!(frames >= r.succeeded && frames <= r.succeeded + conns * streams))
          throw new Error(
            `${r.dataBytes} DATA bytes for ${r.succeeded} successful calls: not one ${frame.length}-byte echo each (gRPC errors answered as HTTP 200?)`,
          )
        await stop(gw)
        await stop(echo)
        const calls = echoCalls(echo)
        const seen = warm.succeeded + r.succeeded + 2
        if (!(calls >= seen))
          throw new Error(
            `the gRPC server counted ${calls} Echo calls, fewer than the ${seen} that succeeded`,
          )
        rec = {
          callsPerSec: r.rps,
          p50: r.p50,
          p99: r.p99,
          maxMs: r.max,
          errors: r.failed + r.errored + r.timeout + r.non2xx,
          calls: r.succeeded,
          serverCalls: calls,
          ...(cpuProxy !== null ? { cpuProxy } : {}),
          cpuServer,
          ...cores,
          ...(startupMs !== null ? { startupMs } : {}),
          grpcStatus: pre.status,
        }
      } catch (e) {
        rec = { failed: true, error: String(e.message || e) }
      } finally {
        await stop(gw)
        await stop(echo)
      }
      rec.round = round
      if (!out[name]) out[name] = []
      out[name].push(rec)
      ctx.log(`  [grpc r${round}] ${name.padEnd(10)} ${line(rec)}`)
    }
  }
  fs.appendFileSync(path.join(ctx.rawDir, 'h2load.txt'), `${raw.join('\n')}\n`)
  return out
}
