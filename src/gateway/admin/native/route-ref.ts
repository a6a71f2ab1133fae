// Route ids contain "/" (`manual-/products`), so routes are addressed with a wildcard and the id is
// read from the raw URL: raw or URL-encoded both work, and `/enable` / `/disable` end an action.
import type { FastifyRequest } from 'fastify'
import type { GatewayCore } from '../../core.ts'

export type RouteAction = 'enable' | 'disable'

function decode(text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}

/** The id part of `<base><under><id>` (default `/api/routes/`), decoded once. */
export function routeIdOf(req: FastifyRequest, core: GatewayCore, under = '/api/routes/'): string {
  const url = req.url
  const q = url.indexOf('?')
  const path = q < 0 ? url : url.slice(0, q)
  const prefix = `${core.watcher.current.settings.adminBasePath}${under}`
  return decode(path.startsWith(prefix) ? path.slice(prefix.length) : '')
}

/** Splits `<id>/enable` and `<id>/disable`. */
export function splitAction(raw: string): { id: string; action: RouteAction } | undefined {
  for (const action of ['enable', 'disable'] as const) {
    const suffix = `/${action}`
    if (raw.endsWith(suffix)) return { id: raw.slice(0, -suffix.length), action }
  }
  return undefined
}
