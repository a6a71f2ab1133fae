export * from './config.ts'
export * from './ids.ts'
export * from './realtime.ts'
export * from './views.ts'
