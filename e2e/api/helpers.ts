// Shared setup for the admin API tests: real gateways on a temp data dir, real loopback upstreams.
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestContext } from 'node:test'
import type { InjectOptions, LightMyRequestResponse } from 'fastify'
import { createGateway, type Gateway, type GatewayConfig } from '../../src/gateway/index.ts'

export async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sallyport-api-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  return dir
}

export async function startGateway(
  t: TestContext,
  config: GatewayConfig = {},
  opts: { dataDir?: string; listen?: boolean } = {},
): Promise<Gateway> {
  const dataDir = opts.dataDir ?? (await tempDir(t))
  const gw = await createGateway({ dataDir, config, port: 0, discovery: false })
  t.after(() => gw.close())
  if (opts.listen) await gw.listen()
  return gw
}

/** A loopback upstream answering JSON {upstream, method, url, headers}. */
export async function startUpstream(t: TestContext, name = 'up'): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      res.setHeader('content-type', 'application/json')
      res.setHeader('set-cookie', 'session=secret')
      res.end(JSON.stringify({ upstream: name, method: req.method, url: req.url, headers: req.headers }))
    })
  })
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok))
  t.after(() => new Promise<void>((ok) => server.close(() => ok())))
  server.keepAliveTimeout = 100
  const { port } = server.address() as AddressInfo
  return { url: `http://127.0.0.1:${port}`, server }
}

/** Host header a listening gateway accepts. */
export function hostOf(gw: Gateway): string {
  return new URL(gw.url as string).host
}

/** inject() with the Host a browser on this machine would send (the listening port once bound). */
export function api(gw: Gateway) {
  return (opts: InjectOptions): Promise<LightMyRequestResponse> =>
    gw.inject({ ...opts, headers: { host: gw.url ? hostOf(gw) : 'localhost', ...(opts.headers ?? {}) } })
}

/** Every field of the bastion document's GatewayStats example, in its order. */
export const DOCUMENTED_STATS_KEYS: readonly string[] = [
  'totalRequests',
  'totalErrors',
  'activeConns',
  'activeWsConns',
  'activeSseConns',
  'avgLatencyMs',
  'p99LatencyMs',
  'requestsPerSec',
  'cacheHits',
  'cacheMisses',
  'rateLimited',
  'circuitBreaks',
  'retryAttempts',
  'totalRoutes',
  'healthyUpstreams',
  'totalUpstreams',
  'uptime',
  'startedAt',
]
