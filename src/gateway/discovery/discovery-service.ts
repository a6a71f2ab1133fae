// The discovery subsystem: mDNS instances and push registrations in one registry, turned into two
// whole source configurations (`farp` and `discovery`) for the config watcher. Vanished instances
// keep their routes, targets unhealthy (503), for the grace period; manifests are refetched only
// when their checksum changes.
import type { ProviderSink, Provider } from '../config/providers/provider.ts'
import { GatewayError } from '../errors.ts'
import type { TargetStateRegistry } from '../health/target-state.ts'
import type { DiscoveredServiceView, RouteConfig, ServiceRegistration } from '../model/index.ts'
import { targetId } from '../model/ids.ts'
import { fetchManifest } from './farp-manifest.ts'
import { createServiceFilter } from './filters.ts'
import { createMdnsBrowser, type MdnsBrowser } from './mdns-browser.ts'
import type { SharedDocuments } from '../store/shared-documents.ts'
import { createPushStore, leftByDeadRun, type StoredRegistration } from './push-store.ts'
import { describeService, type ServiceDescription } from './service-routes.ts'
import { originOf, resolveServiceUrl, sanitizeServiceName, type ServiceInstance } from './service.ts'

export interface DiscoveryOptions {
  /** Browse mDNS (settings.discovery.enabled); push registration works either way. */
  readonly mdns: boolean
  readonly serviceTypes?: readonly string[] | undefined
  readonly prefixTemplate?: string | undefined
  readonly include?: readonly string[] | undefined
  readonly exclude?: readonly string[] | undefined
  readonly removalGracePeriodMs?: number | undefined
  readonly fetchTimeoutMs?: number | undefined
  /** Minimum time between two applied emissions of each source (mDNS flaps). */
  readonly throttleMs?: number | undefined
  /** Where push registrations are kept (data dir or shared store). */
  readonly documents: SharedDocuments
  readonly targetStates: TargetStateRegistry
}

export interface Discovery {
  /** Add both to the config watcher, farp first. */
  readonly providers: readonly [Provider, Provider]
  register(body: ServiceRegistration): Promise<{ status: 'registered'; service: string }>
  /** Resolves false when no service has that name. */
  deregister(name: string): Promise<boolean>
  services(): DiscoveredServiceView[]
  refresh(): Promise<void>
  close(): Promise<void>
}

export const DEFAULT_REMOVAL_GRACE_MS = 60_000
export const DEFAULT_FETCH_TIMEOUT_MS = 10_000

export function createDiscovery(opts: DiscoveryOptions): Discovery {
  const instances = new Map<string, ServiceInstance>()
  const pushStore = createPushStore(opts.documents)
  const registrations = new Map<string, StoredRegistration>()
  const graceMs = opts.removalGracePeriodMs ?? DEFAULT_REMOVAL_GRACE_MS
  const timeoutMs = opts.fetchTimeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS
  const filter = createServiceFilter({ include: opts.include, exclude: opts.exclude })
  const sinks: { farp?: ProviderSink; discovery?: ProviderSink } = {}
  const timers = new Set<NodeJS.Timeout>()
  const markedDown = new Set<string>()
  let described = new Map<string, ServiceDescription>()
  let browser: MdnsBrowser | undefined
  let closed = false
  let queue: Promise<unknown> = Promise.resolve()
  let unsubscribe = () => {}

  const groupName = (i: ServiceInstance) => sanitizeServiceName(i.manifest?.service_name ?? i.name)

  function groups(): Map<string, ServiceInstance[]> {
    const out = new Map<string, ServiceInstance[]>()
    for (const inst of instances.values()) {
      const name = groupName(inst)
      const list = out.get(name)
      if (list) list.push(inst)
      else out.set(name, [inst])
    }
    return out
  }

  /** Recomputes both sources' routes and publishes them; serialised so emissions keep their order. */
  function publish(): Promise<void> {
    const run = async () => {
      if (closed || !sinks.farp || !sinks.discovery) return
      const next = new Map<string, ServiceDescription>()
      const farp: RouteConfig[] = []
      const discovery: RouteConfig[] = []
      for (const [name, list] of groups()) {
        const d = describeService(list, { prefixTemplate: opts.prefixTemplate })
        if (!d) continue
        next.set(name, d)
        farp.push(...d.farp)
        discovery.push(...d.discovery)
      }
      described = next
      await Promise.all([
        sinks.farp.emit({ source: 'farp', routes: farp }),
        sinks.discovery.emit({ source: 'discovery', routes: discovery }),
      ])
      markTargets()
    }
    const result = queue.then(run, run)
    queue = result.catch(() => {})
    return result
  }

  /** Targets of vanished instances are unhealthy (503, not 404) until the grace period ends. */
  function markTargets(): void {
    const down = new Set<string>()
    const up = new Set<string>()
    for (const [name, list] of groups()) {
      const d = described.get(name)
      if (!d) continue
      for (const route of [...d.farp, ...d.discovery])
        for (const inst of list) {
          const id = targetId(route.path, originOf(inst.address, inst.port))
          ;(inst.vanishedAt ? down : up).add(id)
        }
    }
    for (const id of down) {
      if (up.has(id)) continue
      const state = opts.targetStates.get(id)
      state.healthy = false
      state.reason = 'the service went away (kept during the removal grace period)'
      markedDown.add(id)
    }
    for (const id of markedDown)
      if (!down.has(id) || up.has(id)) {
        markedDown.delete(id)
        const s = opts.targetStates.peek(id)
        if (s) {
          s.healthy = true
          s.reason = null
        }
      }
  }

  async function loadManifest(inst: ServiceInstance, force = false): Promise<void> {
    if (!inst.farpEnabled) return
    const base = originOf(inst.address, inst.port)
    const url = resolveServiceUrl(inst.metadata['farp.manifest'], base)
    if (!url) return
    // An announced checksum equal to the one we hold: nothing changed, skip the fetch.
    const announced = inst.metadata['farp.checksum']
    if (!force && inst.manifest && announced && announced === inst.manifest.checksum) return
    try {
      inst.manifest = await fetchManifest(url, { timeoutMs, previous: inst.manifest })
      inst.manifestError = undefined
    } catch (err) {
      inst.manifestError = (err as Error).message
    }
  }

  function instanceFromRegistration(r: StoredRegistration): ServiceInstance {
    const metadata = { ...(r.metadata ?? {}) }
    return {
      key: `push:${r.service_id || r.service_name}`,
      id: r.service_id || r.service_name,
      name: r.service_name,
      version: r.service_version ?? '',
      address: r.address,
      port: r.port,
      tags: r.tags ?? [],
      metadata,
      farpEnabled: r.farp_enabled ?? metadata['farp.enabled'] === 'true',
      origin: 'push',
      discoveredAt: r.registered_at,
    }
  }

  async function onUp(inst: ServiceInstance): Promise<void> {
    if (closed || !filter(sanitizeServiceName(inst.name), inst.tags)) return
    const known = instances.get(inst.key)
    if (known) {
      inst = { ...inst, discoveredAt: known.discoveredAt, manifest: known.manifest }
    }
    instances.set(inst.key, inst)
    await loadManifest(inst)
    await publish()
  }

  function onDown(key: string): void {
    const inst = instances.get(key)
    if (!inst || closed) return
    inst.vanishedAt = Date.now()
    void publish()
    const timer = setTimeout(() => {
      timers.delete(timer)
      const current = instances.get(key)
      if (current?.vanishedAt && Date.now() - current.vanishedAt >= graceMs - 5) {
        instances.delete(key)
        void publish()
      }
    }, graceMs)
    timer.unref()
    timers.add(timer)
  }

  const pushKey = (r: StoredRegistration) => `push:${r.service_id || r.service_name}`

  /** Makes the push instances what is stored (this instance's writes and other instances' alike). */
  /** Answers the instances that are new or changed. */
  function adopt(stored: readonly StoredRegistration[]): ServiceInstance[] {
    const added: ServiceInstance[] = []
    const before = new Map(registrations)
    registrations.clear()
    for (const r of stored) registrations.set(pushKey(r), r)
    for (const inst of [...instances.values()])
      if (inst.origin === 'push' && !registrations.has(inst.key)) instances.delete(inst.key)
    for (const [key, r] of registrations) {
      const known = instances.get(key)
      const inst = instanceFromRegistration(r)
      if (known?.manifest) inst.manifest = known.manifest
      if (JSON.stringify(before.get(key)) !== JSON.stringify(r)) added.push(inst)
      instances.set(key, inst)
    }
    return added
  }

  let started = 0
  async function startAll(): Promise<void> {
    if (++started < 2) return
    let stored = await pushStore.read()
    if (!opts.documents.shared && stored.some(leftByDeadRun))
      stored = await pushStore.update((all) => all.filter((r) => !leftByDeadRun(r))).catch(() => stored)
    adopt(stored)
    await publish()
    // Registrations made on other instances (shared store) arrive here as they are stored.
    unsubscribe = pushStore.onChange(() => {
      void pushStore.read().then(async (stored) => {
        if (closed) return
        const changed = adopt(stored)
        await publish()
        await Promise.all(changed.map((i) => loadManifest(i, true)))
        if (changed.some((i) => i.manifest)) await publish()
      })
    })
    // Manifests of persisted services arrive in the background: starting never waits on a network.
    void Promise.all([...instances.values()].map((i) => loadManifest(i))).then(() => publish())
    if (opts.mdns)
      browser = createMdnsBrowser(
        { serviceTypes: opts.serviceTypes ?? [] },
        { up: (i) => void onUp(i), down: onDown },
      )
  }

  let closing: Promise<void> | undefined
  function closeAll(): Promise<void> {
    closing ??= (async () => {
      closed = true
      unsubscribe()
      for (const t of timers) clearTimeout(t)
      timers.clear()
      await browser?.close()
      await queue
    })()
    return closing
  }

  const provider = (source: 'farp' | 'discovery'): Provider => ({
    source,
    throttleMs: opts.throttleMs ?? 500,
    async start(sink) {
      sinks[source] = sink
      await sink.emit({ source, routes: [] })
      await startAll()
    },
    close: closeAll,
  })

  return {
    providers: [provider('farp'), provider('discovery')],
    async register(body) {
      const name = body.service_name?.trim()
      if (!name) throw new GatewayError('SP_ERR_ADMIN_BAD_BODY', 'service_name is required')
      if (!body.address || body.port === undefined || body.port === 0)
        throw new GatewayError('SP_ERR_ADMIN_BAD_BODY', 'address and port are required')
      const reg: StoredRegistration = {
        ...body,
        service_name: name,
        address: body.address,
        port: body.port,
        registered_at: new Date().toISOString(),
      }
      const key = pushKey(reg)
      const stored = await pushStore.update((all) => {
        const previous = all.find((r) => pushKey(r) === key)
        const next = previous ? { ...reg, registered_at: previous.registered_at } : reg
        return [...all.filter((r) => pushKey(r) !== key), next]
      })
      adopt(stored)
      const inst = instances.get(key) as ServiceInstance
      await loadManifest(inst, true)
      await publish()
      return { status: 'registered', service: name }
    },
    async deregister(rawName) {
      const name = sanitizeServiceName(rawName)
      const keys = [...instances.values()].filter((i) => groupName(i) === name).map((i) => i.key)
      const pushKeys = [...registrations.keys()].filter(
        (k) => sanitizeServiceName((registrations.get(k) as StoredRegistration).service_name) === name,
      )
      if (keys.length === 0 && pushKeys.length === 0) return false
      const gone = (r: StoredRegistration) => sanitizeServiceName(r.service_name) === name
      if (pushKeys.length > 0) adopt(await pushStore.update((all) => all.filter((r) => !gone(r))))
      for (const k of keys) instances.delete(k)
      await publish()
      return true
    },
    services() {
      const out: DiscoveredServiceView[] = []
      for (const [name, list] of groups()) {
        const d = described.get(name)
        if (!d) continue
        const live = list.filter((i) => !i.vanishedAt)
        const lead = live[0] ?? (list[0] as ServiceInstance)
        const routes = [...d.farp, ...d.discovery]
        const healthy =
          live.length > 0 &&
          live.some((i) =>
            routes.every(
              (r) => opts.targetStates.peek(targetId(r.path, originOf(i.address, i.port)))?.healthy ?? true,
            ),
          )
        const view: DiscoveredServiceView = {
          name,
          version: lead.version || lead.manifest?.service_version || '',
          address: lead.address,
          port: lead.port,
          protocols: d.protocols,
          schemaTypes: d.schemaTypes,
          capabilities: d.capabilities,
          healthy,
          metadata: { ...lead.metadata },
          routeCount: routes.length,
          discoveredAt: list.map((i) => i.discoveredAt).sort()[0] ?? lead.discoveredAt,
          source: lead.origin,
          instances: list.length,
          farpEnabled: list.some((i) => i.farpEnabled),
        }
        const vanished = list.every((i) => i.vanishedAt) ? Math.max(...list.map((i) => i.vanishedAt ?? 0)) : 0
        if (vanished) view.vanishedAt = new Date(vanished).toISOString()
        if (lead.manifestError) view.manifestError = lead.manifestError
        out.push(view)
      }
      return out.sort((a, b) => a.name.localeCompare(b.name))
    },
    async refresh() {
      browser?.refresh()
      await Promise.all([...instances.values()].map((i) => loadManifest(i, true)))
      await publish()
    },
    close: closeAll,
  }
}
