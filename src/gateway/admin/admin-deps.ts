// What the admin side's modules are handed, typed: the gateway's live parts and the subsystems the admin
// side starts (services.ts). A module takes the parts it uses as arguments; nothing is looked up later.
import type { GatewayCore } from '../core.ts'
import type { Discovery } from '../discovery/index.ts'
import type { OpenApiAggregator } from '../openapi/index.ts'

export interface AdminDeps {
  readonly core: GatewayCore
  readonly discovery: Discovery
  readonly openapi: OpenApiAggregator
}

/** What tells who made a route (a pushed service and an mDNS one differ only in discovery's records). */
export type RouteOriginDeps = Pick<AdminDeps, 'core' | 'discovery'>
