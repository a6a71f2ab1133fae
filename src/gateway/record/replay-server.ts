// `sallyport --replay <dir>`: a loopback HTTP server that answers from recorded fixtures, put behind
// the gateway as the only target of a catch-all route, so replayed traffic goes through the same
// pipeline (and shows in the inspector) with no upstream running. A request nothing was recorded for
// gets a problem response and is kept in the list of misses printed at exit.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { PROBLEM_BASE } from '../http/problem.ts'
import { decodeBody, type Fixture, REDACTED } from './fixture-file.ts'
import { FixtureIndex } from './fixture-index.ts'

/** Replayed bodies larger than this are refused (a fixture folder is for tests, not bulk data). */
const MAX_REQUEST_BODY = 64 * 1024 * 1024

/** Headers that describe one connection or are computed again for the replayed bytes. */
const NOT_REPLAYED = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'upgrade',
  'proxy-connection',
  'te',
  'trailer',
  'content-length',
  'date',
])

export interface ReplayServer {
  readonly url: string
  /** Requests answered from a fixture. */
  readonly served: number
  /** Requests nothing was recorded for: `METHOD path` → how often. */
  readonly misses: ReadonlyMap<string, number>
  close(): Promise<void>
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (c: Buffer) => {
      size += c.length
      if (size > MAX_REQUEST_BODY) {
        req.destroy()
        reject(new Error('request body too large to replay'))
      } else chunks.push(c)
    })
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

function answer(res: ServerResponse, f: Fixture): void {
  const body = decodeBody(f.response.body)
  for (const [name, value] of Object.entries(f.response.headers)) {
    if (NOT_REPLAYED.has(name.toLowerCase())) continue
    const values = (Array.isArray(value) ? value : [value]).filter((v) => v !== REDACTED)
    if (values.length > 0) res.setHeader(name, values)
  }
  res.setHeader('content-length', body.length)
  res.writeHead(f.response.status)
  res.end(body)
}

export async function startReplayServer(fixtures: readonly Fixture[]): Promise<ReplayServer> {
  const index = new FixtureIndex(fixtures)
  const misses = new Map<string, number>()
  let served = 0
  const server = createServer(async (req, res) => {
    const method = req.method ?? 'GET'
    const path = req.url ?? '/'
    let body: Buffer
    try {
      body = await readBody(req)
    } catch {
      return
    }
    const f = index.take(method, path, body)
    if (f) {
      served++
      answer(res, f)
      return
    }
    const key = `${method} ${path}`
    misses.set(key, (misses.get(key) ?? 0) + 1)
    // The replay stands in for the upstream, so its miss is an upstream answer in the gateway's
    // problem format: 404, there is no recorded answer to give (docs/errors.md).
    const problem = JSON.stringify({
      type: `${PROBLEM_BASE}replay-miss`,
      title: 'Not Found',
      status: 404,
      detail: `nothing was recorded for ${key}${body.length > 0 ? ` with this ${body.length}-byte body` : ''} (${index.size} distinct request(s) recorded)`,
      instance: path,
    })
    res.writeHead(404, { 'content-type': 'application/problem+json', 'x-sallyport-replay': 'miss' })
    res.end(problem)
  })
  server.keepAliveTimeout = 5000
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    get served() {
      return served
    },
    misses,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
