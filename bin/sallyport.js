#!/usr/bin/env node
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
