// Everything under the admin base path, plus probes, on one fastify instance.
import type { FastifyInstance } from 'fastify'
import type { GatewayCore } from '../core.ts'
import { registerDashboard } from './dashboard.ts'
import { registerNativeApi } from './native/index.ts'
import { registerProbes } from './probes.ts'

export async function registerAdmin(app: FastifyInstance, core: GatewayCore): Promise<void> {
  const base = core.watcher.current.settings.adminBasePath
  registerProbes(app, core)
  await app.register(async (scope) => registerNativeApi(scope, core), { prefix: base })
  await registerDashboard(app, base, core.dashboardDir)
}
