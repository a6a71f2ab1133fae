// The one shape every API dialect has: a folder with plugin.ts (this entry), mapping.ts (its shapes ↔
// the gateway's) and errors.ts (its error envelope and codes), listed once in dialects/index.ts.
import type { FastifyInstance } from 'fastify'
import type { GatewayCore } from '../../core.ts'
import type { AdminDeps } from '../admin-deps.ts'
import type { AdminGuard } from '../admin-guard.ts'

/** What a dialect on the admin side is handed: the admin side's parts and the admin guard. */
export interface DialectDeps extends AdminDeps {
  readonly guard: AdminGuard
}

/** A dialect served on the gateway's port, in an encapsulated fastify scope of its own. */
export interface AdminDialect {
  readonly name: string
  register(app: FastifyInstance, deps: DialectDeps): Promise<void>
}

/** A listener of a dialect's own (gobetween), bound and closed with the gateway. */
export interface DialectListener {
  /** Binds; a no-op when the dialect is turned off. */
  listen(): Promise<void>
  /** Its bound address (after listen), e.g. http://127.0.0.1:8888. */
  readonly url: string | undefined
  close(): Promise<void>
}

/**
 * A dialect on a listener of its own. It starts with the proxy, not with the admin side (which may load
 * only on its first request), so it is handed the core alone.
 */
export interface ListenerDialect {
  readonly name: string
  create(core: GatewayCore): DialectListener
}
