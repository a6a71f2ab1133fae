// The gobetween REST API on its own listener (default 127.0.0.1:8888): system info, config dump,
// servers (L4 TCP, UDP and TLS-terminating proxies) create/list/delete/stats, ping. Answers are indented JSON as gin's are.
import { timingSafeEqual } from 'node:crypto'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import { http } from '../../../util/node-http.ts'
import { isIP } from 'node:net'
import type { GatewayCore } from '../../../core.ts'
import { DEFAULTS } from '../../../config/defaults.ts'
import { GatewayError, isGatewayError } from '../../../errors.ts'
import { createTcpServer, createUdpServer, type L4Server } from '../../../l4/index.ts'
import { boundUnreadContentAfter, lingerOnClose } from '../../../server/lingering-close.ts'
import { isLoopbackHost } from '../../admin-guard.ts'
import { REDACTED } from '../../native/redact.ts'
import type { DialectListener, ListenerDialect } from '../dialect.ts'
import { createStateFile } from '../state-file.ts'
import { errorAnswer, NOT_FOUND, UNAUTHORIZED } from './errors.ts'
import { parseServerDef, type ServerDef, splitBind } from './mapping.ts'
import { tlsOptionsOf } from './tls-table.ts'
import { toToml } from './toml.ts'

interface Running {
  def: ServerDef
  server: L4Server | undefined
  error: string | undefined
}

const BODY_LIMIT = DEFAULTS.adminBodyLimitBytes

function send(res: ServerResponse, status: number, value: unknown): void {
  const text = JSON.stringify(value ?? null, null, 4)
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  })
  res.end(text)
}

/**
 * The body, up to BODY_LIMIT. Past it the 413 goes out while the client may still be sending: the rest
 * is dropped and the connection closes in stages (server/lingering-close.ts), so the client reads it.
 */
function readBody(req: IncomingMessage, res: ServerResponse): Promise<string> {
  return new Promise((ok, fail) => {
    const tooLarge = () => {
      res.shouldKeepAlive = false
      req.removeAllListeners('data')
      req.resume()
      fail(new GatewayError('SP_ERR_ADMIN_BODY_TOO_LARGE'))
    }
    if (Number(req.headers['content-length']) > BODY_LIMIT) return tooLarge()
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (c: Buffer) => {
      size += c.length
      if (size > BODY_LIMIT) tooLarge()
      else chunks.push(c)
    })
    req.on('end', () => ok(Buffer.concat(chunks).toString('utf8')))
    req.on('error', fail)
  })
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

/** Binding starts the persisted servers too. */
export function createGobetween(core: GatewayCore): DialectListener {
  const settings = core.watcher.current.settings.dialects.gobetween ?? {}
  const enabled = settings.enabled ?? settings.bind !== undefined
  const bind = settings.bind ?? '127.0.0.1:8888'
  const auth = settings.basicAuth
  const store = createStateFile<{ servers: Record<string, ServerDef> }>(
    core.documents,
    'gobetween-servers.yaml',
    () => ({ servers: {} }),
    'L4 servers created through the gobetween REST API ([servers.<name>] as in gobetween.toml).',
  )
  const running = new Map<string, Running>()
  // Changes to `running` and the store go one at a time: a change from another instance (shared store)
  // must not see this instance's half-made server.
  let turn: Promise<unknown> = Promise.resolve()
  const exclusive = <R>(run: () => Promise<R>): Promise<R> => {
    const result = turn.then(run, run)
    turn = result.catch(() => {})
    return result
  }
  let unsubscribe = () => {}
  let api: Server | undefined
  let url: string | undefined
  let closing: Promise<void> | undefined

  /** Starts one server; when the given port is 0 the definition records the port it got. */
  async function start(name: string, body: unknown): Promise<Running> {
    const { def, options } = parseServerDef(body)
    // TLS servers listen on TCP ports: a tcp and a tls server cannot share a bind.
    const transport = (protocol: string) => (protocol === 'udp' ? 'udp' : 'tcp')
    for (const [other, r] of running)
      if (
        other !== name &&
        r.def.bind === def.bind &&
        transport(r.def.protocol) === transport(def.protocol) &&
        options.port !== 0
      )
        throw new GatewayError('SP_ERR_TCP_LISTEN', `bind ${def.bind} is already used by server ${other}`)
    const server =
      options.protocol === 'udp'
        ? createUdpServer(options)
        : createTcpServer(
            options.protocol === 'tls' ? { ...options, tls: await tlsOptionsOf(options.tlsTable) } : options,
          )
    try {
      const addr = await server.listen()
      if (options.port === 0)
        def.bind = `${addr.host.includes(':') ? `[${addr.host}]` : addr.host}:${addr.port}`
    } catch (err) {
      await server.close()
      throw new GatewayError('SP_ERR_TCP_LISTEN', `cannot listen on ${def.bind}: ${(err as Error).message}`)
    }
    return { def, server, error: undefined }
  }

  const system = () => ({
    configuration: core.configFile ? { kind: 'file', path: core.configFile } : { kind: 'default' },
    pid: process.pid,
    startTime: core.startedAt.toISOString(),
    time: new Date().toISOString(),
    uptime: `${((Date.now() - core.startedAt.getTime()) / 1000).toFixed(3)}s`,
    version: core.version,
  })

  function dump() {
    const servers: Record<string, ServerDef> = {}
    for (const [name, r] of running) servers[name] = r.def
    return {
      api: {
        enabled: true,
        bind,
        ...(auth ? { basic_auth: { login: auth.login, password: REDACTED } } : {}),
      },
      servers,
    }
  }

  function hostAllowed(value: string | undefined): boolean {
    if (!value) return false
    const name = value.replace(/:\d+$/, '').replace(/^\[|\]$/g, '')
    const allowed = core.watcher.current.settings.allowedHosts.map((h) => h.toLowerCase())
    return isLoopbackHost(name) || isIP(name) !== 0 || allowed.includes(name.toLowerCase())
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const u = new URL(req.url ?? '/', 'http://gobetween')
    const method = req.method ?? 'GET'
    // DNS-rebinding defence, as on the admin API: the Host must name this machine.
    if (!hostAllowed(req.headers.host))
      return send(res, 403, `host not allowed: ${req.headers.host ?? '(none)'}`)
    if (u.pathname === '/ping' && method === 'GET') return send(res, 200, 'OK')
    if (auth) {
      const [scheme, value = ''] = (req.headers.authorization ?? '').split(' ', 2)
      const given = Buffer.from(value, 'base64').toString('utf8')
      if (scheme?.toLowerCase() !== 'basic' || !same(given, `${auth.login}:${auth.password}`)) {
        res.setHeader('www-authenticate', 'Basic realm="Authorization Required"')
        return send(res, 401, UNAUTHORIZED)
      }
    }
    if (u.pathname === '/' && method === 'GET') return send(res, 200, system())
    if (u.pathname === '/dump' && method === 'GET') {
      const format = u.searchParams.get('format') ?? 'toml'
      if (format === 'json') return send(res, 200, dump())
      if (format !== 'toml') return send(res, 400, 'format must be toml or json')
      const text = toToml(dump() as never)
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' })
      res.end(text)
      return
    }
    if (u.pathname === '/servers' && method === 'GET') {
      const all: Record<string, ServerDef> = {}
      for (const [name, r] of running) all[name] = r.def
      return send(res, 200, all)
    }
    const m = /^\/servers\/([^/]+)(\/stats)?$/.exec(u.pathname)
    if (!m) return send(res, 404, NOT_FOUND)
    const name = decodeURIComponent(m[1] as string)
    const r = running.get(name)
    if (m[2]) {
      if (method !== 'GET') return send(res, 404, NOT_FOUND)
      if (!r?.server) return send(res, 200, null)
      const s = r.server.stats()
      return send(res, 200, {
        ...s,
        backends: s.backends.map((b) => ({
          ...b,
          port: String(b.port),
          stats: { ...b.stats, discovered: true },
        })),
      })
    }
    if (method === 'GET') return send(res, 200, r?.def ?? null)
    if (method === 'DELETE') return exclusive(() => remove(res, name))
    if (method === 'POST') return exclusive(() => create(req, res, name))
    return send(res, 404, NOT_FOUND)
  }

  async function remove(res: ServerResponse, name: string): Promise<void> {
    const r = running.get(name)
    if (r) {
      // Stored first: a store that refuses the change leaves the server running.
      await store.update((s) => {
        const { [name]: _gone, ...rest } = s.servers
        return { servers: rest }
      })
      running.delete(name)
      await r.server?.close()
    }
    return send(res, 200, null)
  }

  async function create(req: IncomingMessage, res: ServerResponse, name: string): Promise<void> {
    if (!/^[A-Za-z0-9._-]+$/.test(name))
      return send(res, 400, 'server name may use letters, digits, ".", "_" and "-"')
    let body: unknown
    try {
      body = JSON.parse(await readBody(req, res))
    } catch (err) {
      if (isGatewayError(err)) throw err
      return send(res, 400, `request body is not valid JSON: ${(err as Error).message}`)
    }
    if (running.has(name)) return send(res, 409, `server ${name} already exists`)
    const started = await start(name, body)
    running.set(name, started)
    try {
      await store.update((s) => ({ servers: { ...s.servers, [name]: started.def } }))
    } catch (err) {
      running.delete(name)
      await started.server?.close()
      throw err
    }
    return send(res, 200, null)
  }

  /** Starts a stored server; one that cannot start stays defined (GET shows it) and the reason is told. */
  async function startStored(name: string, def: ServerDef): Promise<Running> {
    try {
      return await start(name, def)
    } catch (err) {
      core.events.dispatchEvent(
        new CustomEvent('config-error', { detail: { source: 'gobetween', message: (err as Error).message } }),
      )
      return { def, server: undefined, error: (err as Error).message }
    }
  }

  /** Makes the running servers what the store holds, after another instance changed it. */
  const reconcile = () =>
    exclusive(async () => {
      const wanted = (await store.read()).servers
      for (const [name, r] of [...running])
        if (!(name in wanted)) {
          running.delete(name)
          await r.server?.close()
        }
      for (const [name, def] of Object.entries(wanted)) {
        const r = running.get(name)
        if (r && JSON.stringify(r.def) === JSON.stringify(def)) continue
        running.delete(name)
        await r?.server?.close()
        running.set(name, await startStored(name, def))
      }
    })

  return {
    get url() {
      return url
    },
    async listen() {
      if (!enabled || api) return
      for (const [name, def] of Object.entries((await store.read()).servers))
        running.set(name, await startStored(name, def))
      unsubscribe = store.onChange(() => void reconcile().catch(() => {}))
      const { host, port } = splitBind(bind)
      if (!isLoopbackHost(host) && !auth)
        throw new GatewayError(
          'SP_ERR_SERVER_INSECURE_BIND',
          `refusing to serve the gobetween API on ${host} without dialects.gobetween.basicAuth`,
          { host },
        )
      const server = http.createServer((req, res) => {
        boundUnreadContentAfter(req, res)
        route(req, res).catch((err: unknown) => {
          if (res.headersSent) return res.destroy()
          const { status, message } = errorAnswer(err)
          send(res, status, message)
        })
      })
      await new Promise<void>((ok, fail) => {
        server.once('error', (err: NodeJS.ErrnoException) =>
          fail(
            new GatewayError(
              err.code === 'EADDRINUSE' ? 'SP_ERR_SERVER_PORT_IN_USE' : 'SP_ERR_SERVER_LISTEN',
              `gobetween API cannot listen on ${bind}: ${err.message}`,
              { host, port },
            ),
          ),
        )
        server.listen(port, host, () => ok())
      })
      server.on('connection', lingerOnClose)
      api = server
      const addr = server.address()
      if (addr && typeof addr === 'object')
        url = `http://${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}`
    },
    close() {
      closing ??= (async () => {
        unsubscribe()
        await turn
        const s = api
        if (s) {
          s.closeAllConnections()
          await new Promise<void>((ok) => s.close(() => ok()))
        }
        for (const r of running.values()) await r.server?.close()
        running.clear()
      })()
      return closing
    },
  }
}

export const dialect: ListenerDialect = { name: 'gobetween', create: createGobetween }
