// Who may talk to the admin API: the Host must name this gateway (DNS-rebinding defence), a write's
// Origin must be the gateway's own (CSRF defence), and optional credentials must match. The same
// checks guard the realtime WebSocket upgrade.
import { timingSafeEqual } from 'node:crypto'
import type { IncomingHttpHeaders } from 'node:http'
import { isIP } from 'node:net'
import type { GatewayCore } from '../core.ts'
import { GatewayError } from '../errors.ts'

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '')
  return h === 'localhost' || h.endsWith('.localhost') || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h)
}

/** Splits `name:port` / `[v6]:port` / `name`; the port is undefined when absent. */
function splitHost(value: string): { name: string; port: number | undefined } | undefined {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]\s/]+)(?::(\d{1,5}))?$/.exec(value.trim())
  if (!m) return undefined
  return { name: (m[1] as string).toLowerCase(), port: m[2] === undefined ? undefined : Number(m[2]) }
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}

export interface AdminGuard {
  /** Throws a GatewayError (403/401) when the request may not reach the admin API. */
  check(method: string, headers: IncomingHttpHeaders): void
  /** The same check for a WebSocket upgrade (Origin always checked: browsers send it on every upgrade). */
  checkUpgrade(headers: IncomingHttpHeaders): { status: number; error: string } | undefined
}

export function createAdminGuard(core: GatewayCore): AdminGuard {
  const settings = core.watcher.current.settings
  const allowed = new Set(settings.allowedHosts.map((h) => h.toLowerCase()))
  const auth = settings.adminAuth

  function hostAllowed(value: string | undefined): boolean {
    if (!value) return false
    if (allowed.has(value.toLowerCase())) return true
    const parsed = splitHost(value)
    if (!parsed) return false
    if (allowed.has(parsed.name)) return true
    // Before listen() only inject() reaches the app: there is no port to compare against yet.
    const bound = core.url ? new URL(core.url) : undefined
    if (bound && (parsed.port ?? 80) !== Number(bound.port || 80)) return false
    // DNS rebinding needs a name: an IP literal (the bound address, a LAN address) is safe.
    return isLoopbackHost(parsed.name) || isIP(parsed.name.replace(/^\[|\]$/g, '')) !== 0
  }

  function originAllowed(origin: string): boolean {
    let url: URL
    try {
      url = new URL(origin)
    } catch {
      return false
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return false
    return hostAllowed(url.host)
  }

  function authorized(headers: IncomingHttpHeaders): boolean {
    if (!auth || (!auth.apiKey && !auth.bearerToken && !auth.basic)) return true
    const key = headers['x-api-key']
    if (auth.apiKey && typeof key === 'string' && sameSecret(key, auth.apiKey)) return true
    const header = headers.authorization ?? ''
    const [scheme, value = ''] = header.split(' ', 2)
    if (auth.bearerToken && scheme?.toLowerCase() === 'bearer' && sameSecret(value, auth.bearerToken))
      return true
    if (auth.basic && scheme?.toLowerCase() === 'basic') {
      const expected = `${auth.basic.username}:${auth.basic.password}`
      if (sameSecret(Buffer.from(value, 'base64').toString('utf8'), expected)) return true
    }
    return false
  }

  function check(method: string, headers: IncomingHttpHeaders, requireOrigin: boolean): void {
    if (!hostAllowed(headers.host))
      throw new GatewayError('SP_ERR_ADMIN_FORBIDDEN_HOST', `host not allowed: ${headers.host ?? '(none)'}`)
    const origin = headers.origin
    if ((requireOrigin || !SAFE_METHODS.has(method)) && origin !== undefined && !originAllowed(origin))
      throw new GatewayError('SP_ERR_ADMIN_FORBIDDEN_ORIGIN', `cross-origin request refused: ${origin}`)
    if (!authorized(headers)) throw new GatewayError('SP_ERR_ADMIN_UNAUTHORIZED')
  }

  return {
    check: (method, headers) => check(method, headers, false),
    checkUpgrade(headers) {
      try {
        check('GET', headers, true)
        return undefined
      } catch (err) {
        const e = err as GatewayError
        return { status: e.status, error: e.message }
      }
    },
  }
}

/** createGateway refuses to expose the admin API beyond loopback without credentials. */
export function assertSecureBind(
  host: string,
  auth: GatewayCore['watcher']['current']['settings']['adminAuth'],
) {
  if (isLoopbackHost(host)) return
  if (auth && (auth.apiKey || auth.bearerToken || auth.basic)) return
  throw new GatewayError(
    'SP_ERR_SERVER_INSECURE_BIND',
    `refusing to listen on ${host} without admin credentials: anyone on the network could change routes. ` +
      'Set admin.auth (apiKey, bearerToken or basic) in the config file, or listen on 127.0.0.1.',
    { host },
  )
}
