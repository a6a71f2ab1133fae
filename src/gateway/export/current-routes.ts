// "The current routes" an export starts from: a config file (or the embedded default) checked the way
// start-up checks it, or a running gateway's routes read from its admin API, so routes made through the
// API or a dialect and discovered services are exported too.
import { readConfigSource } from '../config/check-file.ts'
import { routeDefaults } from '../config/route-check.ts'
import { type RouteSpec, toRouteSpec } from '../config/route-spec.ts'
import { type Settings, resolveSettings } from '../config/settings.ts'
import { buildSnapshot } from '../config/snapshot.ts'
import { GatewayError } from '../errors.ts'
import type { ConfigView, GatewayConfig, RouteDetail, RouteView } from '../model/index.ts'

export interface CurrentRoutes {
  readonly routes: readonly RouteSpec[]
  readonly settings: Settings
  /** Problems that kept routes out (the same lines `sallyport validate` prints). */
  readonly warnings: readonly string[]
}

/** The routes a gateway started with `--config file` (none: the embedded default) would serve. */
export async function routesOfConfig(file: string | undefined): Promise<CurrentRoutes> {
  const sources = file === undefined ? [] : [await readConfigSource(file)]
  const snapshot = buildSnapshot(sources, { version: 1 })
  return {
    routes: snapshot.routes,
    settings: snapshot.settings,
    warnings: snapshot.issues.map((i) => i.message),
  }
}

/** `http://127.0.0.1:8080` → its admin API at `/gateway/api`; a URL with a path names the admin base. */
function adminApi(gateway: string): string {
  const url = new URL(gateway)
  const base = url.pathname === '/' ? '/gateway' : url.pathname.replace(/\/$/, '')
  return `${url.origin}${base}/api`
}

async function getJson<T>(url: string, token: string | undefined): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' }
  // An admin API protected by an API key or a bearer token accepts the one it knows; user:password is Basic.
  if (token?.includes(':')) headers.authorization = `Basic ${Buffer.from(token, 'utf8').toString('base64')}`
  else if (token) Object.assign(headers, { authorization: `Bearer ${token}`, 'x-api-key': token })
  let res: Response
  try {
    res = await fetch(url, { headers, signal: AbortSignal.timeout(10_000) })
  } catch (err) {
    const why =
      err instanceof Error ? ((err.cause as Error | undefined)?.message ?? err.message) : String(err)
    throw new GatewayError('SP_ERR_CONFIG_READ', `${url}: ${why}`, { url })
  }
  if (!res.ok) {
    const hint = res.status === 401 ? ' (admin auth is on: pass --token)' : ''
    throw new GatewayError('SP_ERR_CONFIG_READ', `${url}: HTTP ${res.status}${hint}`, {
      url,
      status: res.status,
    })
  }
  return (await res.json()) as T
}

/** Every route a running gateway serves, each as the route spec it compiled (secrets arrive redacted). */
export async function routesOfGateway(gateway: string, token?: string): Promise<CurrentRoutes> {
  const api = adminApi(gateway)
  const config = await getJson<ConfigView>(`${api}/config`, token)
  const settings = resolveSettings((config.config ?? {}) as GatewayConfig)
  const defaults = routeDefaults(settings)
  const views = await getJson<RouteView[]>(`${api}/routes`, token)
  const routes: RouteSpec[] = []
  for (const view of views) {
    const detail = await getJson<RouteDetail>(`${api}/routes/${encodeURIComponent(view.id)}`, token)
    const spec = toRouteSpec(view.source, { ...detail.config, id: view.id }, defaults)
    routes.push({ ...spec, enabled: view.enabled, timeoutMs: detail.policies.timeoutMs })
  }
  return { routes, settings, warnings: [] }
}
