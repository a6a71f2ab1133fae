// Browses DNS-SD service types with bonjour-service and reports instances appearing and leaving.
// Multicast: only ever started when discovery is enabled (tests run it inside a private netns).
import { Bonjour, type Browser, type Service } from 'bonjour-service'
import { parseTags, type ServiceInstance } from './service.ts'

export const DEFAULT_SERVICE_TYPES = ['_farp._tcp', '_http._tcp'] as const

export interface MdnsBrowserEvents {
  up(instance: ServiceInstance): void
  down(key: string): void
}

export interface MdnsBrowser {
  /** Re-query every type now (discovery refresh). */
  refresh(): void
  close(): Promise<void>
}

/** `_farp._tcp` → `{type: 'farp', protocol: 'tcp'}`; a bare `farp` is taken as TCP. */
export function parseServiceType(value: string): { type: string; protocol: 'tcp' | 'udp' } {
  const m = /^_?([^.]+?)(?:\._(tcp|udp))?\.?(?:local\.?)?$/.exec(value.trim())
  return { type: m?.[1] ?? value, protocol: m?.[2] === 'udp' ? 'udp' : 'tcp' }
}

function txtOf(svc: Service): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries((svc.txt ?? {}) as Record<string, unknown>)) {
    if (v === undefined || v === null) continue
    out[k] = Buffer.isBuffer(v) ? v.toString('utf8') : String(v)
  }
  return out
}

/** The address to dial: IPv4 from the A records first, else the packet's source (lo-only netns). */
function addressOf(svc: Service): string | undefined {
  const addrs = svc.addresses ?? []
  return addrs.find((a) => !a.includes(':')) ?? addrs[0] ?? svc.referer?.address
}

export function toInstance(svc: Service, now = new Date()): ServiceInstance | undefined {
  const address = addressOf(svc)
  if (!address || !svc.port) return undefined
  const txt = txtOf(svc)
  return {
    key: `mdns:${svc.fqdn ?? `${svc.name}.${svc.type}`}`,
    id: txt.id || svc.name,
    // Forge registers `_<service>._tcp` with the instance id as the name; FARP TXT keys say more.
    name: txt['farp.service'] || txt.service_name || txt.service || svc.name,
    version: txt.version ?? '',
    address,
    port: svc.port,
    tags: parseTags(txt.tags),
    metadata: txt,
    farpEnabled: txt['farp.enabled'] === 'true',
    origin: 'mdns',
    discoveredAt: now.toISOString(),
  }
}

export interface MdnsBrowserOptions {
  readonly serviceTypes: readonly string[]
  /** Re-query and expire stale records this often (Forge's watch re-browses every 5 s). */
  readonly requeryMs?: number
}

export function createMdnsBrowser(opts: MdnsBrowserOptions, events: MdnsBrowserEvents): MdnsBrowser {
  // bonjour-service's constructor typings name ServiceConfig where multicast-dns options go.
  const bonjour = new Bonjour({} as never, () => {})
  const types = [...new Set([...DEFAULT_SERVICE_TYPES, ...opts.serviceTypes])]
  const browsers: Browser[] = types.map((t) => {
    const b = bonjour.find(parseServiceType(t))
    // The well-known types carry everything on a LAN: only FARP services are taken from them.
    const requireFarp = !opts.serviceTypes.includes(t)
    const onUp = (svc: Service) => {
      const inst = toInstance(svc)
      if (inst && (inst.farpEnabled || !requireFarp)) events.up(inst)
    }
    b.on('up', onUp)
    b.on('txt-update', onUp)
    b.on('srv-update', onUp)
    b.on('down', (svc) => events.down(`mdns:${svc.fqdn ?? `${svc.name}.${svc.type}`}`))
    return b
  })
  const timer = setInterval(() => {
    for (const b of browsers) {
      b.expire()
      b.update()
    }
  }, opts.requeryMs ?? 5000)
  timer.unref()
  let closed: Promise<void> | undefined
  return {
    refresh() {
      for (const b of browsers) b.update()
    },
    close() {
      closed ??= new Promise<void>((resolve) => {
        clearInterval(timer)
        for (const b of browsers) b.stop()
        bonjour.destroy(() => resolve())
      })
      return closed
    },
  }
}
