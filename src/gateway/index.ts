// createGateway(): the composition root. Wires config sources → watcher → route table → proxy, the
// admin API on the same port, and starts/stops every long-running part in one order.
import type { AddressInfo } from 'node:net'
import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import type { InjectOptions, LightMyRequestResponse } from 'fastify'
import { assertSecureBind } from './admin/admin-guard.ts'
import type { AdminDeps } from './admin/admin-deps.ts'
import { createDialectListeners, type DialectListener } from './admin/dialects/index.ts'
import { findDashboardDir } from './admin/dashboard-dir.ts'
import { gatewayStats } from './admin/views.ts'
import { reservedPrefixes } from './config/defaults.ts'
import { createDefaultProvider, createFileProvider } from './config/providers/file-provider.ts'
import { createManualStore } from './config/providers/manual-store.ts'
import type { SettingsOverrides } from './config/settings.ts'
import { createConfigWatcher } from './config/watcher.ts'
import type { Snapshot } from './config/snapshot.ts'
import type { GatewayCore, Lifecycle } from './core.ts'
import type { Services } from './services.ts'
import { GatewayError } from './errors.ts'
import { createHealthChecker } from './health/health-checker.ts'
import { PUSHED_SERVICES_FILE } from './discovery/push-store.ts'
import { watchUpstreamHealth } from './health/health-events.ts'
import { TargetStateRegistry } from './health/target-state.ts'
import type { GatewayConfig, GatewayStats } from './model/index.ts'
import { createPipeline } from './pipeline/pipeline.ts'
import { dispatchFor } from './pipeline/route-dispatch.ts'
import { PolicyRegistry } from './policies/policy-registry.ts'
import { shareBreakers } from './policies/shared-breakers.ts'
import { compileRouteTable, type RouteTable } from './router/route-table.ts'
import { RouteTableSwitcher } from './router/switcher.ts'
import { installFastLane } from './server/fast-lane.ts'
import { createHttp2Front } from './server/http2-front.ts'
import { installProtocolSniffer } from './server/protocol-sniffer.ts'
import { startHttps } from './server/https.ts'
import {
  createGatewayServer,
  KEEP_ALIVE_TIMEOUT_MS,
  ownPathPredicate,
  startingHandler,
} from './server/http-server.ts'
import { drainServer } from './server/lifecycle.ts'
import { createSharedDocuments } from './store/shared-documents.ts'
import { CounterRegistry, RateMeter, TrafficCounters } from './stats/counters.ts'
import { createEventLoopDelay } from './stats/event-loop-delay.ts'
import { createHistorySampler } from './stats/history-sampler.ts'
import { createRequestLog } from './stats/request-log.ts'
import { packageVersion } from './util/version.ts'
import { UpstreamAgent } from './upstream/agent.ts'

export { GatewayError } from './errors.ts'
export type { GatewayConfig, GatewayStats } from './model/index.ts'

export interface GatewayOptions {
  /** YAML or JSON config file; watched and hot-reloaded. */
  readonly configFile?: string | undefined
  /** Inline configuration (tests, embedding); ignored when configFile is given. */
  readonly config?: GatewayConfig | undefined
  readonly host?: string | undefined
  readonly port?: number | undefined
  /** Where manual routes and other admin-made state persist. Omit for in-memory only. */
  readonly dataDir?: string | undefined
  readonly discovery?: boolean | undefined
  readonly logLevel?: 'silent' | 'error' | 'warn' | 'info' | 'debug' | undefined
  readonly dashboardDir?: string | undefined
  /**
   * Resolve as soon as the proxy can serve, while the admin API, discovery and OpenAPI still load
   * (the CLI uses it for a fast cold start). `gateway.ready` tells when everything is up.
   */
  readonly fastStart?: boolean | undefined
  /** Inspector body caps over the config's (`sallyport record` keeps whole bodies). */
  readonly inspector?: SettingsOverrides['inspector']
}

export interface ListenInfo {
  readonly url: string
  readonly host: string
  readonly port: number
  /** With `server.tls`: the same port over HTTPS, by name (https://localhost:<port>). */
  readonly httpsUrl?: string | undefined
  /** The local CA's certificate (auto TLS with a data dir): what `sallyport trust` installs. */
  readonly caFile?: string | undefined
}

export interface Gateway {
  listen(): Promise<ListenInfo>
  /** Graceful drain, then stop everything; idempotent. */
  close(): Promise<void>
  /** fastify's inject() on the admin side (waits until it is up). */
  inject(opts: InjectOptions | string): Promise<LightMyRequestResponse>
  /** Resolves once the admin API, discovery and OpenAPI are up (at once without fastStart). */
  readonly ready: Promise<void>
  /**
   * After listen() with fastStart: true when nothing needed the admin side at start (no discovery, no
   * OpenAPI validation, no pushed services to restore), so it loads on its first request and `ready`
   * settles only then. Saves its ~35 MB and its start-up work for a gateway nobody administers.
   */
  readonly adminOnDemand: boolean
  readonly url: string | undefined
  readonly core: GatewayCore
  /** The admin side's parts: discovery, the OpenAPI aggregator (loads the admin side if need be). */
  admin(): Promise<AdminDeps>
  /** A dialect's own listener by dialect name (`gobetween`), bound by listen(). */
  dialectListener(name: string): DialectListener | undefined
  stats(): GatewayStats
  readonly events: EventTarget
}

/** With fastStart, how long after binding the admin side starts loading (unless asked for earlier). */
const FAST_START_DELAY_MS = 150

/** OpenAPI validation needs the validator, which comes with the admin side. */
function wantsValidation(snapshot: Snapshot): boolean {
  return snapshot.routes.some((r) => {
    const mode = r.config.metadata?.openapiValidate
    return mode !== undefined && mode !== 'off'
  })
}

/**
 * What a configuration cannot wait a first admin request for: mDNS discovery, OpenAPI validation,
 * programs (their variables are loaded and persisted by the service-management dialect).
 */
function needsAdminSide(snapshot: Snapshot): boolean {
  return (
    snapshot.settings.discovery.enabled ||
    wantsValidation(snapshot) ||
    snapshot.routes.some((r) => r.config.programs !== undefined)
  )
}

export async function createGateway(options: GatewayOptions = {}): Promise<Gateway> {
  const events = new EventTarget()
  const watcher = createConfigWatcher({
    overrides: {
      host: options.host,
      port: options.port,
      discovery: options.discovery,
      inspector: options.inspector,
    },
    onSourceError: (source, error) =>
      events.dispatchEvent(
        new CustomEvent('config-error', { detail: { source, message: error?.message ?? null } }),
      ),
    onReload: (report) => events.dispatchEvent(new CustomEvent('config-reload', { detail: report })),
  })
  const routeCounters = new CounterRegistry()
  const targetCounters = new CounterRegistry()
  const targetStates = new TargetStateRegistry()
  // OpenAPI validation asks the admin side's aggregator, once that is loaded.
  const policies = new PolicyRegistry({
    validator: () => services?.deps.openapi,
    mocker: () => services?.deps.openapi.mocks,
  })
  const healthChecker = createHealthChecker(targetStates)
  const lifecycle: Lifecycle = { ready: false, draining: false, reason: 'starting' }
  // The admin side, loaded after the proxy (services.ts).
  let services: Services | undefined
  let upstreams: UpstreamAgent | undefined
  let switcher: RouteTableSwitcher | undefined

  const tableFor = (snapshot: Snapshot): RouteTable => {
    upstreams ??= new UpstreamAgent({
      connections: snapshot.settings.connections,
      connectTimeoutMs: snapshot.settings.connectTimeoutMs,
      keepAliveTimeoutMs: snapshot.settings.keepAliveTimeoutMs,
    })
    return compileRouteTable(snapshot, {
      upstreams,
      routeCounters,
      targetCounters,
      targetStates,
      policies,
      dispatchFor,
    })
  }

  watcher.subscribe((next) => {
    const table = tableFor(next)
    if (switcher) switcher.swap(table)
    else switcher = new RouteTableSwitcher(table)
    // Live state for ids that left the configuration is dropped; the rest carries over.
    const targetIds = new Set(next.routes.flatMap((r) => r.targets.map((t) => t.id)))
    targetCounters.retain(targetIds)
    targetStates.retain(targetIds)
    healthChecker.reconcile(next)
    routeCounters.retain(new Set(next.routes.map((r) => r.id)))
    upstreams?.retain(new Set(next.routes.flatMap((r) => r.targets.map((t) => t.clientKey))))
    events.dispatchEvent(new CustomEvent('config', { detail: { version: next.version, hash: next.hash } }))
  })

  const configFile = options.configFile ? resolve(options.configFile) : undefined
  await watcher.addProvider(
    configFile ? createFileProvider(configFile) : createDefaultProvider(options.config),
  )
  // At start a bad route in the config file stops the start: say what is wrong instead of serving half.
  const fileIssue = watcher.current.issues.find((i) => i.source === 'config')
  if (fileIssue) {
    await healthChecker.close()
    throw new GatewayError('SP_ERR_CONFIG_INVALID', fileIssue.message, { issue: fileIssue })
  }
  const settings = watcher.current.settings
  assertSecureBind(settings.host, settings.adminAuth)
  // The shared store, when configured: one bounded connection for limits, breakers and admin state.
  // Its client library (~120 ms, ~28 MB) is loaded only then.
  const sharedStore = settings.redis
    ? (await import('./store/redis-connection.ts')).connectRedis(settings.redis)
    : undefined
  if (sharedStore) {
    // The table compiled while the config loaded kept its limits in memory: compile it again shared.
    policies.shareLimits(sharedStore)
    switcher?.swap(tableFor(watcher.current))
  }
  const sharedBreakers =
    sharedStore && settings.redis?.shareBreakers ? shareBreakers(sharedStore, targetStates) : undefined
  const documents = createSharedDocuments(sharedStore, options.dataDir ? resolve(options.dataDir) : undefined)
  const manual = createManualStore(documents)
  await watcher.addProvider(manual)
  const healthEvents = watchUpstreamHealth(watcher, targetStates, events)
  if (!switcher) switcher = new RouteTableSwitcher(tableFor(watcher.current))

  const traffic = { counters: new TrafficCounters(), rate: new RateMeter(), activeSse: 0, activeWs: 0 }
  const history = createHistorySampler({
    total: traffic.counters,
    routes: () => watcher.current.routes.map((r) => [r.id, routeCounters.peek(r.id)] as const),
  })
  const core: GatewayCore = {
    startedAt: new Date(),
    version: packageVersion(),
    watcher,
    switcher,
    manual,
    traffic,
    eventLoop: createEventLoopDelay(),
    history,
    routeCounters,
    targetCounters,
    targetStates,
    policies,
    healthChecker,
    requestLog: createRequestLog({
      capacity: 500,
      settings: settings.inspector,
      owns: (e) => e.traffic === traffic,
    }),
    lifecycle,
    events,
    sharedStore,
    documents,
    dataDir: manual.file ? resolve(options.dataDir as string) : undefined,
    configFile,
    dashboardDir: options.dashboardDir ?? findDashboardDir(),
    url: undefined,
  }

  // Every front-end hands its requests to this one pipeline.
  const pipeline = createPipeline({
    switcher,
    traffic,
    isDraining: () => lifecycle.draining,
    capture: core.requestLog.capture,
  })
  // inspector.* is hot-reloaded: the cap applies to the next request, redaction to the next read.
  watcher.subscribe((next) => core.requestLog.configure(next.settings.inspector))
  // Dialects on listeners of their own (gobetween and its L4 servers), bound by listen().
  const dialectListeners = await createDialectListeners(core)
  const isOwnPath = ownPathPredicate(reservedPrefixes(settings.adminBasePath))
  const server = createGatewayServer({
    isOwnPath,
    pipeline,
    headTimeoutMs: settings.headTimeoutMs,
    // An admin request that arrives while the admin side loads waits for it.
    own: (req, res) => {
      if (services) services.handle(req, res)
      else
        startServicesOnce().then(
          (s) => s.handle(req, res),
          () => startingHandler(req, res),
        )
    },
    ownUpgrade: (req, socket, head) => {
      if (services) services.upgrade(req, socket, head)
      else
        startServicesOnce().then(
          (s) => s.upgrade(req, socket, head),
          () => socket.destroy(),
        )
    },
  })
  // Plain GETs are read and answered by our own HTTP/1.1 front-end (server/fast-lane.ts); the rest
  // goes to node:http. SALLYPORT_FAST_LANE=off is the escape hatch if the lane is ever suspected.
  const lane =
    process.env.SALLYPORT_FAST_LANE === 'off'
      ? undefined
      : installFastLane(server, {
          pipeline,
          isOwnPath,
          keepAliveS: KEEP_ALIVE_TIMEOUT_MS / 1000,
          headTimeoutMs: settings.headTimeoutMs,
        })
  // HTTP/2 on the same port: h2c with prior knowledge (and h2 inside TLS) through the same pipeline.
  const http2Front = createHttp2Front({
    isOwnPath,
    pipeline,
    idleTimeoutMs: KEEP_ALIVE_TIMEOUT_MS,
    own: (req, res) => server.emit('request', req, res),
  })
  // HTTPS on the same port when configured: the local CA (or files) picked by SNI, ALPN h2 or http/1.1.
  const https = settings.tls
    ? await startHttps(settings, {
        configDir: configFile ? dirname(configFile) : process.cwd(),
        dataDir: options.dataDir ? resolve(options.dataDir) : undefined,
        http2: (socket) => http2Front.accept(socket),
        http1: (socket) => sniffer.http1(socket),
      })
    : undefined
  const sniffer = installProtocolSniffer(server, {
    http2: (socket) => http2Front.accept(socket),
    tls: https ? (socket) => https.front.accept(socket) : undefined,
    cleartextHttp1: https?.redirect,
    // A connection that sent nothing yet is idle, like one between requests.
    firstByteTimeoutMs: KEEP_ALIVE_TIMEOUT_MS,
    decideTimeoutMs: settings.headTimeoutMs,
  })
  const holders = [sniffer, ...(lane ? [lane] : []), http2Front, ...(https ? [https.front] : [])]
  let listening = false
  // Set by listen(): nothing needs the admin side until its first request, so it loads only then.
  let adminOnDemand = false
  const markReady = () => {
    if (!listening || (!services && !adminOnDemand) || lifecycle.draining) return
    lifecycle.ready = true
    lifecycle.reason = ''
  }
  // The admin side loads after the proxy: its modules are not needed to forward a request. With
  // fastStart it begins only once the port is bound, so loading it does not delay the first request.
  let servicesPromise: Promise<Services> | undefined
  let servicesUpResolve: () => void = () => {}
  let servicesUpReject: (err: unknown) => void = () => {}
  const servicesUpPromise = new Promise<void>((resolve, reject) => {
    servicesUpResolve = resolve
    servicesUpReject = reject
  })
  servicesUpPromise.catch(() => {})
  const startServicesOnce = (): Promise<Services> => {
    servicesPromise ??= import('./services.ts')
      .then(async ({ startServices }) => {
        services = await startServices(core, { server })
        markReady()
        servicesUpResolve()
        return services
      })
      .catch((err: unknown) => {
        servicesUpReject(err)
        throw err
      })
    return servicesPromise
  }
  if (!options.fastStart) await startServicesOnce()
  // A reload that turns on OpenAPI validation (or discovery) needs the admin side now, not on demand.
  watcher.subscribe((next) => {
    if (adminOnDemand && !servicesPromise && needsAdminSide(next)) startServicesOnce().catch(() => {})
  })

  let closing: Promise<void> | undefined
  return {
    core,
    events,
    inject: async (opts) => (await startServicesOnce()).app.inject(opts),
    admin: async () => (await startServicesOnce()).deps,
    dialectListener: (name) => dialectListeners.get(name),
    ready: servicesUpPromise,
    get url() {
      return core.url
    },
    get adminOnDemand() {
      return adminOnDemand
    },
    stats: () => gatewayStats(core),
    async listen() {
      const { host, port } = settings
      await new Promise<void>((ok, fail) => {
        const onError = (err: NodeJS.ErrnoException) => {
          server.off('listening', onListening)
          if (err.code === 'EADDRINUSE')
            fail(
              new GatewayError(
                'SP_ERR_SERVER_PORT_IN_USE',
                `port ${port} on ${host} is already in use (try --port ${port + 1})`,
                { host, port },
              ),
            )
          else
            fail(
              new GatewayError(
                'SP_ERR_SERVER_LISTEN',
                `cannot listen on ${host}:${port}: ${err.message}`,
                { host, port },
                { cause: err },
              ),
            )
        }
        const onListening = () => {
          server.off('error', onError)
          ok()
        }
        server.once('error', onError)
        server.once('listening', onListening)
        server.listen(port, host)
      })
      listening = true
      for (const listener of dialectListeners.values()) await listener.listen()
      const addr = server.address() as AddressInfo
      const shownHost = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address
      core.url = `http://${shownHost}:${addr.port}`
      // Pushed services to restore come back through the admin side's discovery too; with a shared
      // store, other instances may push services and dialect entities at any time.
      const pushed =
        sharedStore !== undefined ||
        (core.dataDir !== undefined && existsSync(join(core.dataDir, PUSHED_SERVICES_FILE)))
      adminOnDemand = !servicesPromise && !pushed && !needsAdminSide(watcher.current)
      markReady()
      // Loading the admin side blocks the event loop for a moment: let the first requests through first.
      if (!servicesPromise && !adminOnDemand)
        setTimeout(() => startServicesOnce().catch(() => {}), FAST_START_DELAY_MS).unref()
      return {
        url: core.url,
        host: addr.address,
        port: addr.port,
        ...(https ? { httpsUrl: `https://localhost:${addr.port}`, caFile: https.caFile } : {}),
      }
    },
    close() {
      closing ??= (async () => {
        lifecycle.draining = true
        lifecycle.ready = false
        lifecycle.reason = 'gateway is draining'
        healthEvents.close()
        core.requestLog.close()
        for (const listener of dialectListeners.values()) await listener.close()
        const svc = servicesPromise ? await servicesPromise.catch(() => undefined) : undefined
        await svc?.closeRealtime()
        if (listening) await drainServer(server, settings.drainTimeoutMs, holders)
        lane?.close()
        await watcher.close()
        await svc?.close()
        await healthChecker.close()
        await upstreams?.close()
        core.eventLoop.close()
        core.history.close()
        sharedBreakers?.close()
        documents.close()
        await sharedStore?.close()
      })()
      return closing
    },
  }
}
