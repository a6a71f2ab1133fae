// Issue 5: announce → route live. Runs INSIDE a private network namespace only (mDNS is multicast):
//   unshare --net sh -c 'ip link set lo up && exec node bench/lib/announce-latency.mjs'
// A service announces itself FARP-style (`sallyport announce`'s code path); the clock stops when a
// request through the gateway reaches it. Prints one JSON line.
import http from 'node:http'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

if (process.env.SALLYPORT_MDNS_NETNS !== '1') {
  console.error('announce-latency: run me inside `unshare --net` with SALLYPORT_MDNS_NETNS=1')
  process.exit(2)
}
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const { createGateway } = await import(pathToFileURL(path.join(repo, 'src/gateway/index.ts')).href)
const { announceService } = await import(
  pathToFileURL(path.join(repo, 'src/gateway/discovery/index.ts')).href
)

const upstream = http.createServer((_req, res) => res.end('ok'))
await new Promise((ok) => upstream.listen(0, '127.0.0.1', ok))
const port = upstream.address().port
const gw = await createGateway({
  port: 0,
  discovery: true,
  config: { discovery: { removalGracePeriod: '1s' } },
})
const { url } = await gw.listen()

const get = (p) =>
  new Promise((resolve) => {
    const req = http.get(`${url}${p}`, { agent: false }, (res) => {
      res.resume()
      resolve(res.statusCode)
    })
    req.on('error', () => resolve(0))
  })

const times = []
for (let i = 0; i < 5; i++) {
  const name = `bench-svc-${i}`
  const t0 = performance.now()
  const ann = await announceService({ name, port })
  let ms = Number.NaN
  // Bounded: 10 s per announcement.
  while (performance.now() - t0 < 10_000) {
    if ((await get(`/${name}/x`)) === 200) {
      ms = performance.now() - t0
      break
    }
    await new Promise((r) => setTimeout(r, 5))
  }
  times.push(ms)
  await ann.close()
}
await gw.close()
upstream.close()
const ok = times.filter(Number.isFinite).sort((a, b) => a - b)
console.log(
  JSON.stringify({
    runs: times.length,
    live: ok.length,
    medianMs: ok[Math.floor(ok.length / 2)] ?? null,
    maxMs: ok.at(-1) ?? null,
    times,
  }),
)
process.exit(0)
