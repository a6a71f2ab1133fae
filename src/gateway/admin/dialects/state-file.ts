// A dialect's own persisted state (FluxGate upstreams, service-management variables and programs,
// gobetween servers): one readable YAML file in the data dir, written atomically, one change at a time.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { GatewayError } from '../../errors.ts'
import { writeFileAtomic } from '../../util/atomic-write.ts'
import { yaml } from '../../util/yaml.ts'

export interface StateFile<T> {
  readonly file: string | undefined
  /** The current state (loaded on first use). */
  read(): Promise<T>
  /** Runs `change` on the current state, persists the result, then makes it current. */
  update(change: (state: T) => T | Promise<T>): Promise<T>
}

export function createStateFile<T extends object>(
  dataDir: string | undefined,
  name: string,
  empty: () => T,
  header: string,
): StateFile<T> {
  const file = dataDir ? join(dataDir, name) : undefined
  let state: Promise<T> | undefined
  let queue: Promise<unknown> = Promise.resolve()

  async function load(): Promise<T> {
    if (!file) return empty()
    let text: string
    try {
      text = await readFile(file, 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return empty()
      throw new GatewayError('SP_ERR_CONFIG_READ', `${file}: ${String(err)}`, { file })
    }
    const value = yaml().parse(text) as unknown
    return value && typeof value === 'object' && !Array.isArray(value) ? { ...empty(), ...value } : empty()
  }

  const read = () => {
    state ??= load()
    return state
  }

  return {
    file,
    read,
    update(change) {
      const run = async () => {
        const next = await change(await read())
        if (file) {
          try {
            await writeFileAtomic(file, `# ${header}\n${yaml().stringify(next)}`)
          } catch (err) {
            throw new GatewayError('SP_ERR_PERSIST_WRITE', `cannot write ${file}: ${(err as Error).message}`)
          }
        }
        state = Promise.resolve(next)
        return next
      }
      const result = queue.then(run, run)
      queue = result.catch(() => {})
      return result
    },
  }
}
