// Push-registered services, kept in <dataDir>/registered-services.yaml (or the shared store when Redis
// is configured) so they survive restarts and reach every instance; acknowledged only once stored.
import type { ServiceRegistration } from '../model/index.ts'
import { RUN_METADATA } from '../model/metadata-keys.ts'
import type { SharedDocument } from '../store/shared-document.ts'
import type { SharedDocuments } from '../store/shared-documents.ts'
import { processAlive } from '../util/process-alive.ts'

/** In the data dir; its presence at start means there are services to restore. */
export const PUSHED_SERVICES_FILE = 'registered-services.yaml'

export interface StoredRegistration extends ServiceRegistration {
  readonly service_name: string
  readonly address: string
  readonly port: number
  readonly registered_at: string
}

export type PushStore = SharedDocument<StoredRegistration[]>

/**
 * A service `sallyport run` registered lives as long as its command: one whose PID is gone was left by a
 * run that could not deregister it (killed, or the gateway was down), so it is not restored. Only for a
 * gateway's own data dir: a PID means nothing on another machine of a group sharing its state.
 */
export function leftByDeadRun(r: ServiceRegistration): boolean {
  return r.metadata?.[RUN_METADATA.by] === 'sallyport' && !processAlive(Number(r.metadata[RUN_METADATA.pid]))
}

export function createPushStore(documents: SharedDocuments): PushStore {
  return documents.open('registered-services', PUSHED_SERVICES_FILE, {
    header: 'Services push-registered through POST /gateway/api/discovery/register.',
    encode: (all) => ({ services: all }),
    decode(value) {
      const services = (value as { services?: unknown } | undefined)?.services
      if (!Array.isArray(services)) return []
      return services.filter(
        (s): s is StoredRegistration =>
          !!s &&
          typeof s === 'object' &&
          typeof (s as StoredRegistration).service_name === 'string' &&
          typeof (s as StoredRegistration).address === 'string' &&
          typeof (s as StoredRegistration).port === 'number',
      )
    },
  })
}
