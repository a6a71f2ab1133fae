// Every id is built here, so the formats the documents show stay in one place.
import type { RouteSource } from './views.ts'

/** `manual-/products`, `config-/api/users`, `farp-orders-http`. */
export function routeId(source: RouteSource, name: string): string {
  return `${source}-${name}`
}

/** `target-/users-http://user-service:8080` (bastion document): the route's given path and the target url. */
export function targetId(givenPath: string, url: string): string {
  return `target-${givenPath}-${url}`
}
