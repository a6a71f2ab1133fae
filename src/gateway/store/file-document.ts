// A document in one readable file of the data dir, written atomically, one change at a time; without
// a data dir it lives in memory only. One gateway owns the file, so nobody else changes it.
import { readFile } from 'node:fs/promises'
import { GatewayError } from '../errors.ts'
import { writeFileAtomic } from '../util/atomic-write.ts'
import { yaml } from '../util/yaml.ts'
import type { DocumentFormat, SharedDocument } from './shared-document.ts'

/** The file's stored value, undefined when there is no file. */
export async function readDocumentFile<T>(file: string, format: DocumentFormat<T>): Promise<unknown> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new GatewayError('SP_ERR_CONFIG_READ', `${file}: ${String(err)}`, { file })
  }
  return format.parseText ? format.parseText(text, file) : yaml().parse(text)
}

export function createFileDocument<T>(
  name: string,
  file: string | undefined,
  format: DocumentFormat<T>,
): SharedDocument<T> {
  let current: Promise<T> | undefined
  let queue: Promise<unknown> = Promise.resolve()
  const load = async () => format.decode(file ? await readDocumentFile(file, format) : undefined)
  const read = () => {
    if (!current) {
      const loading = load()
      current = loading
      // A failed read (a file being fixed, a transient EACCES) is tried again by the next caller.
      loading.catch(() => {
        if (current === loading) current = undefined
      })
    }
    return current
  }
  return {
    name,
    file,
    read,
    update(change) {
      const run = async () => {
        const next = await change(await read())
        if (file) {
          const stored = format.encode ? format.encode(next) : next
          try {
            await writeFileAtomic(file, `# ${format.header}\n${yaml().stringify(stored)}`)
          } catch (err) {
            throw new GatewayError(
              'SP_ERR_PERSIST_WRITE',
              `cannot write ${file}: ${(err as Error).message}`,
              {
                file,
              },
            )
          }
        }
        current = Promise.resolve(next)
        return next
      }
      const result = queue.then(run, run)
      queue = result.catch(() => {})
      return result
    },
    onChange: () => () => {},
  }
}
