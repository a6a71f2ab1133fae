#!/usr/bin/env node
// Checked before anything is imported (ESM imports are hoisted): an older Node gets one clear line.
const [major, minor] = process.versions.node.split('.').map(Number)
if (major < 22 || (major === 22 && minor < 19)) {
  console.error(
    `sallyport needs Node.js 22.19 or newer (this is ${process.version}). Try: npx -p node@22 -p sallyport sallyport`,
  )
  process.exit(1)
}
// No V8 compile cache (module.enableCompileCache): since the admin side loads on demand it saves ~12 ms of a
// ~125 ms start, but the process keeps the cache's data for its whole life: +1.3 MB idle RSS (BENCHMARKS.md).
await import('../out/main/cli.js')
