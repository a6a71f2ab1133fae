// The compatible API dialects: FluxGate (/api/v2/gateway/*) and service management
// ({adminBasePath}/management/*) on the gateway's port, gobetween on its own listener.
import type { FastifyInstance } from 'fastify'
import type { GatewayCore } from '../../core.ts'
import type { AdminGuard } from '../admin-guard.ts'
import { registerFluxgate } from './fluxgate/plugin.ts'
import { registerServiceManagement } from './service-management/plugin.ts'

export { createGobetween, type Gobetween, gobetweenOf } from './gobetween/api.ts'

export async function registerDialects(
  app: FastifyInstance,
  core: GatewayCore,
  guard: AdminGuard,
): Promise<void> {
  await registerFluxgate(app, core, guard)
  await registerServiceManagement(app, core, guard)
}
