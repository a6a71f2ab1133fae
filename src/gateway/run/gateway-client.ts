// What `sallyport run` asks of a running gateway, through its native admin API like any other client:
// is it there, who already holds a name, push-register a service, deregister it.
import type { DiscoveredServiceView, ServiceRegistration } from '../model/index.ts'

const DEFAULT_ADMIN_PATH = '/gateway'

export type GatewayState =
  | { readonly state: 'running' }
  | { readonly state: 'absent' }
  /** Something answers there, but not as a Sallyport admin API (another server, or credentials). */
  | { readonly state: 'other'; readonly detail: string }

export interface GatewayClient {
  /** The gateway's origin, where proxied traffic goes. */
  readonly origin: string
  /** The admin API's base: the URL's path when it has one, else `/gateway`. */
  readonly adminUrl: string
  probe(): Promise<GatewayState>
  services(): Promise<DiscoveredServiceView[]>
  register(registration: ServiceRegistration): Promise<void>
  /** Resolves false when the gateway no longer knows the name. */
  deregister(name: string): Promise<boolean>
}

function describeAnswer(status: number, body: string): string {
  const text = body.replace(/\s+/g, ' ').trim().slice(0, 200)
  return `HTTP ${status}${text ? `: ${text}` : ''}`
}

/** `token` is sent as a bearer token, for gateways with admin.auth set (SALLYPORT_ADMIN_TOKEN). */
export function createGatewayClient(url: string, token?: string): GatewayClient {
  const parsed = new URL(url)
  const path = parsed.pathname.replace(/\/+$/, '')
  const origin = parsed.origin
  const adminUrl = `${origin}${path || DEFAULT_ADMIN_PATH}`
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {}

  async function call(method: string, path: string, body?: unknown): Promise<Response> {
    return fetch(`${adminUrl}${path}`, {
      method,
      headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(10_000),
    })
  }

  async function failed(what: string, res: Response): Promise<Error> {
    return new Error(`${what} failed at ${adminUrl}: ${describeAnswer(res.status, await res.text())}`)
  }

  return {
    origin,
    adminUrl,
    async probe() {
      let res: Response
      try {
        res = await call('GET', '/api/discovery/services')
      } catch {
        return { state: 'absent' }
      }
      const text = await res.text()
      if (res.ok && text.startsWith('[')) return { state: 'running' }
      return { state: 'other', detail: describeAnswer(res.status, text) }
    },
    async services() {
      const res = await call('GET', '/api/discovery/services')
      if (!res.ok) throw await failed('listing services', res)
      return (await res.json()) as DiscoveredServiceView[]
    },
    async register(registration) {
      const res = await call('POST', '/api/discovery/register', registration)
      if (!res.ok) throw await failed(`registering ${registration.service_name}`, res)
    },
    async deregister(name) {
      const res = await call('DELETE', `/api/discovery/services/${encodeURIComponent(name)}`)
      if (res.status === 404) return false
      if (!res.ok) throw await failed(`deregistering ${name}`, res)
      return true
    },
  }
}
