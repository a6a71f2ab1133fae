import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/** out/renderer next to the running code: out/main/cli.js when built, src/gateway/... in tests. */
export function findDashboardDir(): string | undefined {
  const here = dirname(fileURLToPath(import.meta.url))
  const candidates = [
    resolve(here, '../renderer'),
    resolve(here, '../../out/renderer'),
    resolve(here, '../../../out/renderer'),
  ]
  return candidates.find((dir) => existsSync(join(dir, 'index.html')))
}
