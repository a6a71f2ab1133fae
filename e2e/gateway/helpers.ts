// Real loopback upstreams and a real gateway for the core's black-box tests.
import { once } from 'node:events'
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createGateway, type Gateway, type GatewayConfig } from '../../src/gateway/index.ts'

export interface Upstream {
  readonly url: string
  readonly port: number
  readonly server: Server
  readonly hits: { method: string; url: string; headers: IncomingMessage['headers'] }[]
  close(): Promise<void>
}

/** An upstream that records each request and answers with `handler` (default: JSON echo). */
export async function startUpstream(
  name: string,
  handler?: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<Upstream> {
  const hits: Upstream['hits'] = []
  const server = createServer((req, res) => {
    hits.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers })
    if (handler) return handler(req, res)
    req.resume()
    req.on('end', () => {
      res.setHeader('content-type', 'application/json')
      res.setHeader('x-upstream', name)
      res.end(JSON.stringify({ name, method: req.method, url: req.url, headers: req.headers }))
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const port = (server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    server,
    hits,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

export function tempDir(prefix = 'sallyport-'): string {
  return mkdtempSync(join(tmpdir(), prefix))
}

export async function startGateway(
  config: GatewayConfig,
  extra: { configFile?: string; dataDir?: string } = {},
): Promise<Gateway & { base: string }> {
  const gw = await createGateway({
    config,
    port: 0,
    host: '127.0.0.1',
    discovery: false,
    dataDir: extra.dataDir,
    configFile: extra.configFile,
  })
  const { url } = await gw.listen()
  return Object.assign(gw, { base: url })
}

export interface Reply {
  readonly status: number
  readonly headers: IncomingMessage['headers']
  readonly body: Buffer
  json<T = Record<string, unknown>>(): T
}

/** A plain HTTP request (no pooling surprises): method, url, headers, body. */
export function send(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: Buffer | string } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: opts.method ?? 'GET', headers: opts.headers, agent: false }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => {
        const body = Buffer.concat(chunks)
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body,
          json: () => JSON.parse(body.toString('utf8')),
        })
      })
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(opts.body)
  })
}

/** Polls until `check` returns true (bounded), for effects that land asynchronously (file watch). */
export async function eventually(check: () => Promise<boolean> | boolean, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs
  while (Date.now() < until) {
    if (await check()) return
    await new Promise((r) => setTimeout(r, 25))
  }
  throw new Error(`condition not met within ${timeoutMs} ms`)
}
