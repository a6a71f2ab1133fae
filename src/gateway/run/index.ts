// `sallyport run`: dev servers on free ports, registered with the gateway while they run.
export { RunError, type RunOptions, runCommand } from './run-command.ts'
export type { RunOutput } from './run-service.ts'
