// Push-registered services, kept in <dataDir>/registered-services.yaml so they survive restarts;
// written atomically, acknowledged only once on disk.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { GatewayError } from '../errors.ts'
import type { ServiceRegistration } from '../model/index.ts'
import { RUN_METADATA } from '../model/metadata-keys.ts'
import { processAlive } from '../util/process-alive.ts'
import { writeFileAtomic } from '../util/atomic-write.ts'
import { yaml } from '../util/yaml.ts'

/** In the data dir; its presence at start means there are services to restore. */
export const PUSHED_SERVICES_FILE = 'registered-services.yaml'

export interface StoredRegistration extends ServiceRegistration {
  readonly service_name: string
  readonly address: string
  readonly port: number
  readonly registered_at: string
}

/**
 * A service `sallyport run` registered lives as long as its command: one whose PID is gone was left by a
 * run that could not deregister it (killed, or the gateway was down), so it is not restored.
 */
export function leftByDeadRun(r: ServiceRegistration): boolean {
  return r.metadata?.[RUN_METADATA.by] === 'sallyport' && !processAlive(Number(r.metadata[RUN_METADATA.pid]))
}

export interface PushStore {
  readonly file: string | undefined
  load(): Promise<StoredRegistration[]>
  save(all: readonly StoredRegistration[]): Promise<void>
}

export function createPushStore(dataDir: string | undefined): PushStore {
  const file = dataDir ? join(dataDir, PUSHED_SERVICES_FILE) : undefined
  return {
    file,
    async load() {
      if (!file) return []
      let text: string
      try {
        text = await readFile(file, 'utf8')
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
        throw new GatewayError('SP_ERR_CONFIG_READ', `${file}: ${String(err)}`, { file })
      }
      const value = (yaml().parse(text) ?? {}) as { services?: unknown }
      if (!Array.isArray(value.services)) return []
      return value.services.filter(
        (s): s is StoredRegistration =>
          !!s &&
          typeof s === 'object' &&
          typeof (s as StoredRegistration).service_name === 'string' &&
          typeof (s as StoredRegistration).address === 'string' &&
          typeof (s as StoredRegistration).port === 'number',
      )
    },
    async save(all) {
      if (!file) return
      const header = '# Services push-registered through POST /gateway/api/discovery/register.\n'
      try {
        await writeFileAtomic(file, header + yaml().stringify({ services: all }))
      } catch (err) {
        throw new GatewayError('SP_ERR_PERSIST_WRITE', `cannot write ${file}: ${(err as Error).message}`, {
          file,
        })
      }
    },
  }
}
