import type { FastifyInstance } from 'fastify'
import type { AdminDeps } from '../admin-deps.ts'
import { GatewayError } from '../../errors.ts'
import { registerAdminOpenApi } from './admin-openapi.ts'
import { registerErrorHandling } from './error-handler.ts'
import { registerPolicyApi } from './policies.ts'
import { registerDiscoveryApi } from './discovery.ts'
import { registerOpenApiApi } from './openapi.ts'
import { registerReadApi } from './read-routes.ts'
import { registerRequestInspector } from './requests.ts'
import { registerRouteWrites } from './route-writes.ts'
import { registerStatsApi } from './stats-api.ts'

/** The native (bastion) admin API, registered under the admin base path. */
export async function registerNativeApi(app: FastifyInstance, deps: AdminDeps): Promise<void> {
  const { core } = deps
  registerErrorHandling(app)
  app.setNotFoundHandler(async () => {
    throw new GatewayError('SP_ERR_ADMIN_NOT_FOUND')
  })
  registerReadApi(app, deps)
  registerStatsApi(app, core)
  registerDiscoveryApi(app, deps.discovery)
  registerOpenApiApi(app, deps)
  registerPolicyApi(app, core)
  registerRouteWrites(app, core)
  registerRequestInspector(app, core)
  registerAdminOpenApi(app, core)
  // A plain GET on the stream's path (the upgrade itself is handled by realtime.ts).
  app.get('/ws', async () => {
    if (!core.watcher.current.settings.realtime) throw new GatewayError('SP_ERR_ADMIN_REALTIME_DISABLED')
    throw new GatewayError('SP_ERR_ADMIN_UPGRADE_REQUIRED')
  })
}
