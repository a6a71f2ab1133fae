// Everything under the admin base path, plus probes and /metrics, on one fastify instance. Probes stay
// open; everything else passes the admin guard (Host, Origin, credentials) first.
import type { FastifyInstance } from 'fastify'
import type { AdminDeps } from './admin-deps.ts'
import { createMetrics, type Metrics } from './metrics.ts'
import { type AdminGuard, createAdminGuard } from './admin-guard.ts'
import { registerDashboard } from './dashboard.ts'
import { registerDialects } from './dialects/index.ts'
import { registerHealthReport } from './health-report.ts'
import { registerErrorHandling } from './native/error-handler.ts'
import { registerNativeApi } from './native/index.ts'
import { registerProbes } from './probes.ts'
import { registerSwagger } from './swagger.ts'

export interface AdminParts {
  readonly guard: AdminGuard
}

export async function registerAdmin(app: FastifyInstance, deps: AdminDeps): Promise<AdminParts> {
  const { core } = deps
  const base = core.watcher.current.settings.adminBasePath
  const guard = createAdminGuard(core)
  registerProbes(app, core)
  // Each dialect is its own encapsulated scope with its own guard hook and error format.
  await registerDialects(app, { ...deps, guard })
  await app.register(async (scope) => {
    registerErrorHandling(scope)
    scope.addHook('onRequest', async (req) => guard.check(req.method, req.headers))
    registerHealthReport(scope, core)
    let metrics: Metrics | undefined
    scope.get('/metrics', async (_req, reply) => {
      metrics ??= createMetrics(core)
      return reply.type(metrics.contentType).send(await metrics.text())
    })
    await scope.register(async (native) => registerNativeApi(native, deps), { prefix: base })
    await registerSwagger(scope, base, core.dashboardDir)
    await registerDashboard(scope, base, core.dashboardDir)
  })
  return { guard }
}
