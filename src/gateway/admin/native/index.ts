import type { FastifyInstance } from 'fastify'
import type { GatewayCore } from '../../core.ts'
import { registerReadApi } from './read-routes.ts'

/** The native (bastion) admin API, registered under the admin base path. */
export async function registerNativeApi(app: FastifyInstance, core: GatewayCore): Promise<void> {
  registerReadApi(app, core)
}
