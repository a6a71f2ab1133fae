// The Node flags bin/sallyport.js asks for in its shebang, so `npm start` and `npm run bench` run the
// gateway exactly as `npx sallyport` does.
import { readFileSync } from 'node:fs'

const BIN = new URL('../bin/sallyport.js', import.meta.url)

/** e.g. ['--min-semi-space-size=8'] from `#!/usr/bin/env -S node --min-semi-space-size=8`. */
export function binNodeFlags() {
  const shebang = readFileSync(BIN, 'utf8').split('\n', 1)[0]
  const m = shebang.match(/^#!\/usr\/bin\/env(?: -S)? node\b(.*)$/)
  if (!m) throw new Error(`bin/sallyport.js: unexpected first line ${shebang}`)
  return m[1].trim().split(/\s+/).filter(Boolean)
}
