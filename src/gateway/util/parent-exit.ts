// `npx sallyport`, `npm exec` and npm scripts run the bin as npm → `sh -c` → node. A process manager's
// SIGTERM goes to npm, which forwards it to the shell, and dash ends without passing it on: the gateway
// would be left running as an orphan. Under npm, the parent going away therefore counts as a stop signal.

/** True when npm (exec, npx, run-script) started this process: it sets `npm_command` for its children. */
export function startedByNpm(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.npm_command !== undefined || env.npm_lifecycle_event !== undefined
}

/**
 * Calls `onExit` once, when this process's parent has gone (we were re-parented). Polls `process.ppid`
 * (a cheap getppid) on an unref'd timer, so it never keeps the process alive. Returns a cancel function.
 */
export function onParentExit(onExit: () => void, intervalMs = 250): () => void {
  const parent = process.ppid
  const timer = setInterval(() => {
    if (process.ppid === parent) return
    clearInterval(timer)
    onExit()
  }, intervalMs)
  timer.unref()
  return () => clearInterval(timer)
}
