// Everything that is not the proxy: the admin API (fastify), the realtime stream, discovery and
// OpenAPI aggregation. Loaded with a dynamic import after the proxy is up, so the first proxied
// request does not wait for these modules to load (cold start).
import type { Server } from 'node:http'
import type { Duplex } from 'node:stream'
import type { IncomingMessage } from 'node:http'
import Fastify, { type FastifyInstance } from 'fastify'
import type { AdminDeps } from './admin/admin-deps.ts'
import { registerAdmin } from './admin/admin-plugin.ts'
import { createRealtime, type Realtime } from './admin/realtime.ts'
import { DEFAULTS } from './config/defaults.ts'
import type { GatewayCore } from './core.ts'
import { createDiscovery } from './discovery/index.ts'
import { createOpenApiAggregator } from './openapi/index.ts'
import type { RequestHandler } from './server/http-server.ts'
import { toMs } from './util/duration.ts'

export interface Services {
  readonly app: FastifyInstance
  /** What the admin side's modules were handed (the OpenAPI validator of the policies among them). */
  readonly deps: AdminDeps
  readonly handle: RequestHandler
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void
  /** Ends the realtime stream: its upgraded sockets would otherwise hold the drain open. */
  closeRealtime(): Promise<void>
  close(): Promise<void>
}

export async function startServices(core: GatewayCore, { server }: { server: Server }): Promise<Services> {
  const settings = core.watcher.current.settings
  const discovery = createDiscovery({
    mdns: settings.discovery.enabled,
    serviceTypes: settings.discovery.serviceTypes,
    prefixTemplate: settings.discovery.prefixTemplate,
    include: settings.discovery.include,
    exclude: settings.discovery.exclude,
    removalGracePeriodMs: toMs(settings.discovery.removalGracePeriod, 60_000),
    documents: core.documents,
    targetStates: core.targetStates,
  })
  for (const provider of discovery.providers) await core.watcher.addProvider(provider)
  const openapi = createOpenApiAggregator({
    watcher: core.watcher,
    title: 'Sallyport gateway',
    version: core.version,
  })
  const deps: AdminDeps = { core, discovery, openapi }

  let handle: RequestHandler | undefined
  // We own the server: fastify gets it through serverFactory and hands back its request handler.
  const app = Fastify({
    logger: false,
    bodyLimit: DEFAULTS.adminBodyLimitBytes,
    // The gateway's server answers heads it cannot read itself (server/http-server.ts), once.
    clientErrorHandler: () => {},
    serverFactory: (fastifyHandler) => {
      handle = fastifyHandler
      return server
    },
  })
  const admin = await registerAdmin(app, deps)
  await app.ready()
  const realtime: Realtime = createRealtime(core, {
    allowUpgrade: (req) => admin.guard.checkUpgrade(req.headers),
  })
  if (!handle) throw new Error('fastify did not hand over its request handler')
  return {
    app,
    deps,
    handle,
    upgrade: (req, socket, head) => realtime.handleUpgrade(req, socket, head),
    closeRealtime: () => realtime.close(),
    async close() {
      await realtime.close()
      await openapi.close()
      await app.close()
    },
  }
}
