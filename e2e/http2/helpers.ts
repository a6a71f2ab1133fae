// Shared tools for the HTTP/2 end-to-end tests: node:http2 client sessions (h2c with prior knowledge
// and h2 over TLS), HTTP/1.1 clients (cleartext and TLS) that answer in the same shape, a gateway with
// TLS on (local CA in a temp data dir), and a closer list every test registers its servers in.
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import http, { type IncomingHttpHeaders } from 'node:http'
import http2, { type ClientHttp2Session, type SecureClientSessionOptions } from 'node:http2'
import https from 'node:https'
import { tmpdir } from 'node:os'
import type { ConnectionOptions, TLSSocket } from 'node:tls'
import { join } from 'node:path'
import { createGateway, type Gateway, type GatewayConfig } from '../../src/gateway/index.ts'

export const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex')
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

/** True when `p` settles within `ms`, false otherwise (the timer does not keep the process alive). */
export async function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms)
  })
  try {
    return await Promise.race([p.then(() => true as const), timeout])
  } finally {
    clearTimeout(timer)
  }
}

/** One answer, whichever protocol carried it. */
export interface Reply {
  readonly status: number
  readonly headers: IncomingHttpHeaders
  readonly body: Buffer
  readonly text: string
  /** 'h2' or '1.1' (what the client actually spoke). */
  readonly protocol: string
  /** Over TLS: the protocol ALPN chose (false: none), and the server certificate's SANs. */
  readonly tls?: { readonly alpn: string | false; readonly subjectaltname: string | undefined }
  json<T = Record<string, unknown>>(): T
}

function reply(
  status: number,
  headers: IncomingHttpHeaders,
  body: Buffer,
  protocol: string,
  tls?: Reply['tls'],
): Reply {
  const text = body.toString('utf8')
  return { status, headers, body, text, protocol, ...(tls ? { tls } : {}), json: () => JSON.parse(text) }
}

export interface RequestOptions {
  readonly method?: string
  readonly headers?: Record<string, string>
  readonly body?: string | Buffer
  /** Give up after this long (default 10 s). */
  readonly timeoutMs?: number
}

/** Opens an HTTP/2 session (h2c with prior knowledge for http://, ALPN h2 for https://). */
export async function h2connect(
  url: string,
  opts: SecureClientSessionOptions = {},
  timeoutMs = 5000,
): Promise<ClientHttp2Session> {
  const session = http2.connect(url, opts)
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      session.destroy()
      reject(new Error(`no HTTP/2 session with ${url} within ${timeoutMs} ms`))
    }, timeoutMs)
    session.once('connect', () => {
      clearTimeout(timer)
      session.removeListener('error', onError)
      resolve()
    })
    const onError = (err: Error) => {
      clearTimeout(timer)
      session.destroy()
      reject(err)
    }
    session.once('error', onError)
  })
  // Errors after connecting surface on the streams; a session-level one must not crash the run.
  session.on('error', () => {})
  return session
}

/** One request on `session`; resolves with the whole answer. */
export function h2request(
  session: ClientHttp2Session,
  path: string,
  opts: RequestOptions = {},
): Promise<Reply> {
  return new Promise<Reply>((resolve, reject) => {
    const stream = session.request({ ':method': opts.method ?? 'GET', ':path': path, ...opts.headers })
    const timer = setTimeout(() => {
      stream.close(http2.constants.NGHTTP2_CANCEL)
      reject(new Error(`no answer to ${path} over h2 within ${opts.timeoutMs ?? 10_000} ms`))
    }, opts.timeoutMs ?? 10_000)
    let status = 0
    let headers: IncomingHttpHeaders = {}
    const chunks: Buffer[] = []
    stream.on('response', (h) => {
      status = Number(h[':status'])
      const copy: IncomingHttpHeaders = {}
      for (const [k, v] of Object.entries(h)) if (!k.startsWith(':')) copy[k] = v as string | string[]
      headers = copy
    })
    stream.on('data', (c: Buffer) => chunks.push(c))
    stream.on('end', () => {
      clearTimeout(timer)
      resolve(reply(status, headers, Buffer.concat(chunks), 'h2'))
    })
    stream.on('error', (err) => {
      clearTimeout(timer)
      reject(err)
    })
    stream.on('close', () => {
      clearTimeout(timer)
      if (stream.rstCode !== undefined && stream.rstCode !== 0)
        reject(new Error(`stream ${path} reset with code ${stream.rstCode}`))
    })
    if (opts.body !== undefined) stream.end(opts.body)
    else stream.end()
  })
}

/** A whole request on a fresh h2 session that is closed afterwards. */
export async function h2get(
  base: string,
  path: string,
  opts: RequestOptions = {},
  connect: SecureClientSessionOptions = {},
): Promise<Reply> {
  const session = await h2connect(base, connect)
  try {
    return await h2request(session, path, opts)
  } finally {
    session.close()
  }
}

/** HTTP/1.1 (node:http / node:https, no keep-alive) in the same shape as h2request. */
export function h1request(
  url: string,
  opts: RequestOptions & { ca?: string | Buffer; servername?: string; alpn?: string[] | null } = {},
): Promise<Reply> {
  const u = new URL(url)
  const secure = u.protocol === 'https:'
  return new Promise<Reply>((resolve, reject) => {
    const options: https.RequestOptions & Pick<ConnectionOptions, 'ALPNProtocols'> = {
      method: opts.method ?? 'GET',
      headers: opts.headers,
      agent: false,
      timeout: opts.timeoutMs ?? 10_000,
    }
    if (secure) {
      if (opts.ca !== undefined) options.ca = opts.ca
      if (opts.servername !== undefined) options.servername = opts.servername
      // null: offer no ALPN at all.
      if (opts.alpn !== null) options.ALPNProtocols = opts.alpn ?? ['http/1.1']
    }
    const req = (secure ? https : http).request(u, options, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      const socket = res.socket as TLSSocket
      const tls = secure
        ? { alpn: socket.alpnProtocol ?? false, subjectaltname: socket.getPeerCertificate().subjectaltname }
        : undefined
      res.on('end', () =>
        resolve(reply(res.statusCode ?? 0, res.headers, Buffer.concat(chunks), res.httpVersion, tls)),
      )
      res.on('error', reject)
    })
    req.on('timeout', () =>
      req.destroy(new Error(`no answer from ${url} within ${opts.timeoutMs ?? 10_000} ms`)),
    )
    req.on('error', reject)
    req.end(opts.body)
  })
}

/** A problem+json body without its per-request traceId. */
export function problemOf(r: Reply): Record<string, unknown> {
  const { traceId: _traceId, ...rest } = r.json()
  return rest
}

/** Closes everything registered, newest first (register upstreams before the gateway in front of them). */
export class Closers {
  private readonly list: (() => Promise<void> | void)[] = []
  add(fn: () => Promise<void> | void): void {
    this.list.push(fn)
  }
  async run(): Promise<void> {
    for (const fn of this.list.splice(0).reverse()) {
      try {
        await fn()
      } catch {
        // Closing is best effort; a failure to close must not hide the test's own result.
      }
    }
  }
}

export interface TlsGateway {
  readonly gw: Gateway
  readonly port: number
  /** http://127.0.0.1:PORT (cleartext on the same port). */
  readonly url: string
  /** https://localhost:PORT */
  readonly httpsUrl: string
  readonly dataDir: string
  /** `<dataDir>/tls/ca.pem` (read after listen), or undefined when it does not exist. */
  readonly ca: string | undefined
  close(): Promise<void>
}

/** A gateway on 127.0.0.1:0 with its own temp data dir (for the local CA) and `config`. */
export async function startDataDirGateway(
  config: GatewayConfig | Record<string, unknown>,
): Promise<TlsGateway> {
  const dataDir = await mkdtemp(join(tmpdir(), 'sallyport-h2-'))
  let gw: Gateway
  try {
    gw = await createGateway({
      config: config as GatewayConfig,
      host: '127.0.0.1',
      port: 0,
      discovery: false,
      logLevel: 'silent',
      dataDir,
    })
  } catch (err) {
    await rm(dataDir, { recursive: true, force: true })
    throw err
  }
  let port: number
  try {
    const { url } = await gw.listen()
    port = Number(new URL(url).port)
  } catch (err) {
    await gw.close().catch(() => {})
    await rm(dataDir, { recursive: true, force: true })
    throw err
  }
  const ca = await readFile(join(dataDir, 'tls', 'ca.pem'), 'utf8').catch(() => undefined)
  return {
    gw,
    port,
    url: `http://127.0.0.1:${port}`,
    httpsUrl: `https://localhost:${port}`,
    dataDir,
    ca,
    close: async () => {
      await gw.close()
      await rm(dataDir, { recursive: true, force: true })
    },
  }
}

/** Runs curl (bounded); returns stdout, stderr and the exit code. */
export function curl(
  args: string[],
  timeoutMs = 15_000,
): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn('curl', [
      '--silent',
      '--show-error',
      '--max-time',
      String(timeoutMs / 1000 - 1),
      ...args,
    ])
    let out = ''
    let err = ''
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString('utf8')
    })
    child.stderr.on('data', (c: Buffer) => {
      err += c.toString('utf8')
    })
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, out, err })
    })
    child.on('error', (e) => {
      clearTimeout(timer)
      resolve({ code: -1, out, err: String(e) })
    })
  })
}
