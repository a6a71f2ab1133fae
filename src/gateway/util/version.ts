import { createRequire } from 'node:module'

/** The package version, found from wherever the code runs (src/, out/main/ or out/main/chunks/). */
export function packageVersion(): string {
  const require = createRequire(import.meta.url)
  for (const rel of ['../../package.json', '../../../package.json', '../package.json']) {
    try {
      const pkg = require(rel) as { name?: string; version?: string }
      if (pkg.name === 'sallyport' && pkg.version) return pkg.version
    } catch {}
  }
  return '0.0.0'
}
