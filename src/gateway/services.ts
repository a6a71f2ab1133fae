// Everything that is not the proxy: the admin API (fastify), the realtime stream, discovery and
// OpenAPI aggregation. Loaded with a dynamic import after the proxy is up, so the first proxied
// request does not wait for these modules to load (cold start).
import type { Server } from 'node:http'
import type { Duplex } from 'node:stream'
import type { IncomingMessage } from 'node:http'
import Fastify, { type FastifyInstance } from 'fastify'
import { registerAdmin } from './admin/admin-plugin.ts'
import { createRealtime, type Realtime } from './admin/realtime.ts'
import { DEFAULTS } from './config/defaults.ts'
import type { GatewayCore } from './core.ts'
import { attachDiscovery, createDiscovery } from './discovery/index.ts'
import { attachOpenApi, createOpenApiAggregator, type OpenApiAggregator } from './openapi/index.ts'
import type { PolicyRegistry } from './policies/policy-registry.ts'
import type { RequestHandler } from './server/http-server.ts'
import { toMs } from './util/duration.ts'

export interface Services {
  readonly app: FastifyInstance
  readonly handle: RequestHandler
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void
  /** Ends the realtime stream: its upgraded sockets would otherwise hold the drain open. */
  closeRealtime(): Promise<void>
  close(): Promise<void>
}

export async function startServices(
  core: GatewayCore,
  deps: { server: Server; policies: PolicyRegistry },
): Promise<Services> {
  const settings = core.watcher.current.settings
  const discovery = createDiscovery({
    mdns: settings.discovery.enabled,
    serviceTypes: settings.discovery.serviceTypes,
    prefixTemplate: settings.discovery.prefixTemplate,
    include: settings.discovery.include,
    exclude: settings.discovery.exclude,
    removalGracePeriodMs: toMs(settings.discovery.removalGracePeriod, 60_000),
    dataDir: core.dataDir,
    targetStates: core.targetStates,
  })
  for (const provider of discovery.providers) await core.watcher.addProvider(provider)
  const openapi: OpenApiAggregator = createOpenApiAggregator({
    watcher: core.watcher,
    title: 'Sallyport gateway',
    version: core.version,
  })
  deps.policies.validator = openapi
  deps.policies.mocker = openapi.mocks
  attachDiscovery(core, discovery)
  attachOpenApi(core, openapi)

  let handle: RequestHandler | undefined
  // We own the server: fastify gets it through serverFactory and hands back its request handler.
  const app = Fastify({
    logger: false,
    bodyLimit: DEFAULTS.adminBodyLimitBytes,
    // The gateway's server answers heads it cannot read itself (server/http-server.ts), once.
    clientErrorHandler: () => {},
    serverFactory: (fastifyHandler) => {
      handle = fastifyHandler
      return deps.server
    },
  })
  const admin = await registerAdmin(app, core)
  await app.ready()
  const realtime: Realtime = createRealtime(core, {
    allowUpgrade: (req) => admin.guard.checkUpgrade(req.headers),
  })
  if (!handle) throw new Error('fastify did not hand over its request handler')
  return {
    app,
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
