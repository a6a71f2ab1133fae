// The only module that knows where the gateway runs (in this process today; a utilityProcess later would
// change this file alone). Everything else sees a host with a stable event target across restarts.

export interface GatewayLaunchOptions {
  host: string
  port: number
  configFile?: string | undefined
  dataDir: string
  dashboardDir?: string | undefined
  /** mDNS/FARP discovery; undefined = the config's choice (on by default). */
  discovery?: boolean | undefined
}

/** The part of GatewayStats (src/gateway/model/views.ts) the shell shows. */
export interface GatewayStatsSummary {
  totalRoutes: number
  healthyUpstreams: number
  totalUpstreams: number
}

export interface HostedGateway {
  readonly url: string
  readonly host: string
  readonly port: number
  stats(): GatewayStatsSummary
  readonly events?: EventTarget | undefined
  close(): Promise<void>
}

export type StartGateway = (options: GatewayLaunchOptions) => Promise<HostedGateway>

/** A launch failure reduced to what the shell can explain: a stable code and the gateway's own message. */
export interface LaunchError {
  code: string
  message: string
}

export type HostStatus =
  | { phase: 'stopped' }
  | { phase: 'starting'; options: GatewayLaunchOptions }
  | { phase: 'running'; options: GatewayLaunchOptions; url: string; host: string; port: number }
  | { phase: 'stopping'; options: GatewayLaunchOptions }
  | { phase: 'failed'; options: GatewayLaunchOptions; error: LaunchError }

export type HostPhase = HostStatus['phase']

/** Gateway events forwarded from whichever gateway instance is current. */
export const FORWARDED_EVENTS = ['upstream-health', 'config'] as const

export interface GatewayHost {
  readonly status: HostStatus
  /** 'status' (detail: HostStatus) plus FORWARDED_EVENTS, from whichever gateway is current. */
  readonly events: EventTarget
  start(options: GatewayLaunchOptions): Promise<HostStatus>
  /** Drains the gateway; the host can start again. */
  stop(): Promise<void>
  restart(options: GatewayLaunchOptions): Promise<HostStatus>
  stats(): GatewayStatsSummary | undefined
  /** Stops the gateway for good. Idempotent. */
  close(): Promise<void>
}

export interface GatewayHostDeps {
  startGateway?: StartGateway | undefined
}

/** Default: the real gateway, in this process. Imported lazily so the shell's unit tests never load it. */
export const startInProcessGateway: StartGateway = async (options) => {
  const { createGateway } = await import('../gateway/index.ts')
  const gateway = await createGateway({
    host: options.host,
    port: options.port,
    dataDir: options.dataDir,
    ...(options.configFile === undefined ? {} : { configFile: options.configFile }),
    ...(options.dashboardDir === undefined ? {} : { dashboardDir: options.dashboardDir }),
    ...(options.discovery === undefined ? {} : { discovery: options.discovery }),
  })
  let address: { url: string; host: string; port: number }
  try {
    address = await gateway.listen()
  } catch (err) {
    await gateway.close().catch(() => {})
    throw err
  }
  return {
    url: address.url,
    host: address.host,
    port: address.port,
    stats: () => gateway.stats(),
    events: gateway.events,
    close: () => gateway.close(),
  }
}

export function toLaunchError(err: unknown): LaunchError {
  if (typeof err === 'object' && err !== null) {
    const { code, message } = err as { code?: unknown; message?: unknown }
    return {
      code: typeof code === 'string' ? code : 'SP_ERR_UNKNOWN',
      message: typeof message === 'string' && message !== '' ? message : String(err),
    }
  }
  return { code: 'SP_ERR_UNKNOWN', message: String(err) }
}

export function createGatewayHost(deps: GatewayHostDeps = {}): GatewayHost {
  const startGateway = deps.startGateway ?? startInProcessGateway
  const events = new EventTarget()
  let status: HostStatus = { phase: 'stopped' }
  let current: { gateway: HostedGateway; options: GatewayLaunchOptions } | undefined
  let unforward: (() => void) | undefined
  let closed = false
  // Start/stop/restart run one at a time, in call order: a double click on "pause" cannot interleave.
  let queue: Promise<unknown> = Promise.resolve()

  const setStatus = (next: HostStatus): HostStatus => {
    status = next
    events.dispatchEvent(new CustomEvent('status', { detail: next }))
    return next
  }

  const forward = (gateway: HostedGateway): (() => void) => {
    const source = gateway.events
    if (!source) return () => {}
    const relay = (event: Event): void => {
      const detail = (event as CustomEvent<unknown>).detail
      events.dispatchEvent(new CustomEvent(event.type, { detail }))
    }
    for (const type of FORWARDED_EVENTS) source.addEventListener(type, relay)
    return () => {
      for (const type of FORWARDED_EVENTS) source.removeEventListener(type, relay)
    }
  }

  const doStop = async (): Promise<void> => {
    const running = current
    if (!running) {
      if (status.phase === 'failed') setStatus({ phase: 'stopped' })
      return
    }
    setStatus({ phase: 'stopping', options: running.options })
    unforward?.()
    unforward = undefined
    current = undefined
    try {
      await running.gateway.close()
    } finally {
      setStatus({ phase: 'stopped' })
    }
  }

  const doStart = async (options: GatewayLaunchOptions): Promise<HostStatus> => {
    if (closed) throw new Error('gateway host is closed')
    if (current) await doStop()
    setStatus({ phase: 'starting', options })
    try {
      const gateway = await startGateway(options)
      current = { gateway, options }
      unforward = forward(gateway)
      return setStatus({
        phase: 'running',
        options,
        url: gateway.url,
        host: gateway.host,
        port: gateway.port,
      })
    } catch (err) {
      return setStatus({ phase: 'failed', options, error: toLaunchError(err) })
    }
  }

  const enqueue = <T>(task: () => Promise<T>): Promise<T> => {
    const run = queue.then(task, task)
    queue = run.catch(() => {})
    return run
  }

  return {
    get status() {
      return status
    },
    events,
    start: (options) => enqueue(() => doStart(options)),
    stop: () => enqueue(doStop),
    restart: (options) => enqueue(() => doStart(options)),
    stats() {
      if (!current) return undefined
      try {
        return current.gateway.stats()
      } catch {
        return undefined
      }
    },
    close() {
      if (closed) return queue.then(() => {})
      closed = true
      return enqueue(doStop)
    },
  }
}
