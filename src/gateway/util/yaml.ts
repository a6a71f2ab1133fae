// The `yaml` package, loaded on first use. js-yaml reads config files (it is faster and smaller);
// yaml is needed only to explain a file that does not parse, to find a line, for files with anchors
// and to write the data dir's files, so most starts never load it (~2 MB less resident at idle).
// Loaded synchronously (its CommonJS build) because its callers are synchronous.
import { createRequire } from 'node:module'

type Yaml = typeof import('yaml')
let loaded: Yaml | undefined

export function yaml(): Yaml {
  loaded ??= createRequire(import.meta.url)('yaml') as Yaml
  return loaded
}
