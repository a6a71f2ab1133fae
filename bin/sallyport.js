#!/usr/bin/env -S node --min-semi-space-size=8
// The V8 flag above (scripts/bin-flags.mjs passes it on for `npm start` and the bench) starts the young
// generation at 8 MB instead of 1 MB. Measured, not derived: a gateway that idles for a second before
// its traffic arrives (the usual case) ran 11 % slower without it, and only then. Its price: spawn → first
// proxied response 148 → 186 ms, peak RSS under 100 B load 128 → 198 MB. BENCHMARKS.md, third session.
// Checked before anything is imported (ESM imports are hoisted): an older Node gets one clear line.
const [major, minor] = process.versions.node.split('.').map(Number)
if (major < 22 || (major === 22 && minor < 19)) {
  console.error(
    `sallyport needs Node.js 22.19 or newer (this is ${process.version}). Try: npx -p node@22 -p sallyport sallyport`,
  )
  process.exit(1)
}
// V8's code cache on disk: later starts skip most parsing and compiling (Node ≥ 22.1).
const { enableCompileCache } = await import('node:module')
enableCompileCache?.()
await import('../out/main/cli.js')
