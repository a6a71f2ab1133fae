// `sallyport run`: dev servers on free ports, registered with the gateway while they run.
export { GATEWAY_LOG_FILE } from './background-gateway.ts'
export { FRAMEWORK_RULES, injectFrameworkFlags } from './framework-flags.ts'
export { RunError, type RunOptions, runCommand } from './run-command.ts'
export type { RunOutput } from './run-service.ts'
export { serviceNameFor } from './service-name.ts'
