import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { test } from 'node:test'
import { decodeEcho, echoFrame } from './grpc.mjs'
import { latencyFromLog, parseH2load } from './h2load.mjs'

// h2load 1.52 output of a TLS run (progress lines dropped), as the h2 scenario sees it
const TLS_RUN = `starting benchmark...
spawning thread #0: 16 total client(s). Timing-based test with 0s of warm-up time and 3s of main duration for measurements.
Warm-up started for thread #0.
Warm-up phase is over for thread #0.
Main benchmark duration is started for thread #0.
TLS Protocol: TLSv1.3
Cipher: TLS_AES_256_GCM_SHA384
Server Temp Key: X25519 253 bits
Application protocol: h2
Main benchmark duration is over for thread #0. Stopping all clients.
Stopped all clients for thread #0

finished in 3.00s, 21575.33 req/s, 2.80MB/s
requests: 64726 total, 64886 started, 64726 done, 64726 succeeded, 0 failed, 0 errored, 0 timeout
status codes: 64766 2xx, 0 3xx, 2 4xx, 1 5xx
traffic: 8.40MB (8810136) total, 570.94KB (584638) headers (space savings 90.88%), 6.18MB (6476600) data
                     min         max         mean         sd        +/- sd
time for request:     2.23ms     29.57ms      7.35ms      3.54ms    82.77%
time for connect:       42us       167us       106us        39us    62.50%
time to 1st byte:     4.52ms     10.64ms      6.62ms      2.47ms    75.00%
req/s           :    1343.45     1362.44     1354.96        5.23    75.00%
`

test('parseH2load reads protocol, TLS, rate, counts, statuses and DATA bytes', () => {
  const r = parseH2load(TLS_RUN)
  assert.equal(r.protocol, 'h2')
  assert.equal(r.tls, 'TLSv1.3 TLS_AES_256_GCM_SHA384')
  assert.equal(r.seconds, 3)
  assert.equal(r.rps, 21575.33)
  assert.equal(r.succeeded, 64726)
  assert.equal(r.failed, 0)
  assert.equal(r.status2xx, 64766)
  assert.equal(r.non2xx, 3)
  assert.equal(r.dataBytes, 6476600)
  assert.equal(r.meanMs, 7.35)
})

test('parseH2load leaves what h2load did not print unset', () => {
  const r = parseH2load('connect to 127.0.0.1:1 failed: Connection refused\n')
  assert.equal(r.protocol, null)
  assert.ok(Number.isNaN(r.rps))
  assert.equal(r.succeeded, 0)
})

test('latencyFromLog: nearest-rank percentiles of the 2xx lines, in ms', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'h2load-test-'))
  const file = path.join(dir, 'log.tsv')
  const lines = []
  for (let i = 1; i <= 100; i++) lines.push(`17000000000${i}\t200\t${i * 1000}`)
  lines.push('1700000000200\t-1\t5', '1700000000201\t503\t7')
  fs.writeFileSync(file, `${lines.join('\n')}\n`)
  const l = latencyFromLog(file)
  assert.equal(l.logged, 100)
  assert.equal(l.loggedNon2xx, 2)
  assert.equal(l.p50, 50)
  assert.equal(l.p99, 99)
  assert.equal(l.max, 100)
  fs.rmSync(dir, { recursive: true })
})

test('the gRPC request frame is EchoMessage { text, count } with a 5-byte prefix', () => {
  const f = echoFrame('sallyport bench', 7)
  assert.equal(f[0], 0)
  assert.equal(f.readUInt32BE(1), f.length - 5)
  assert.deepEqual(decodeEcho(f), [{ text: 'sallyport bench', count: 7 }])
  assert.deepEqual(decodeEcho(Buffer.concat([f, echoFrame('x'.repeat(200), 300)])), [
    { text: 'sallyport bench', count: 7 },
    { text: 'x'.repeat(200), count: 300 },
  ])
})
