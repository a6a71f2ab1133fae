// `sallyport announce`: advertises a local service FARP-style over mDNS (`_farp._tcp` with the FARP
// TXT keys). Without --manifest it serves a generated manifest on an ephemeral loopback port.
import type { Server } from 'node:http'
import { http } from '../util/node-http.ts'
import type { AddressInfo } from 'node:net'
import { Bonjour } from 'bonjour-service'
import { FARP_PROTOCOL_VERSION } from './farp-manifest.ts'
import { sanitizeServiceName } from './service.ts'

export interface AnnounceOptions {
  readonly name: string
  readonly port: number
  /** Host the service listens on (manifest URLs); default 127.0.0.1. */
  readonly host?: string | undefined
  readonly openapi?: string | undefined
  readonly health?: string | undefined
  /** URL (or path on the service) of the service's own manifest. */
  readonly manifest?: string | undefined
  readonly version?: string | undefined
  readonly capabilities?: readonly string[] | undefined
}

export interface Announcement {
  readonly txt: Record<string, string>
  /** Where the generated manifest is served (undefined when --manifest was given). */
  readonly manifestUrl: string | undefined
  close(): Promise<void>
}

export function generatedManifest(opts: AnnounceOptions): Record<string, unknown> {
  const base = `http://${opts.host ?? '127.0.0.1'}:${opts.port}`
  return {
    version: FARP_PROTOCOL_VERSION,
    service_name: opts.name,
    service_version: opts.version ?? '0.0.0',
    instance_id: `${sanitizeServiceName(opts.name)}-${opts.port}`,
    instance: { address: base },
    schemas: opts.openapi
      ? [
          {
            type: 'openapi',
            spec_version: '3.1.0',
            location: { type: 'http', url: new URL(opts.openapi, base).href },
          },
        ]
      : [],
    capabilities: [...(opts.capabilities ?? ['rest'])],
    endpoints: {
      health: opts.health ?? '/health',
      ...(opts.openapi ? { openapi: opts.openapi } : {}),
    },
    routing: { strategy: 'service' },
    updated_at: Math.floor(Date.now() / 1000),
  }
}

export async function announceService(opts: AnnounceOptions): Promise<Announcement> {
  let server: Server | undefined
  let manifestUrl: string | undefined
  let manifestRef = opts.manifest
  if (!manifestRef) {
    const body = JSON.stringify(generatedManifest(opts))
    server = http.createServer((req, res) => {
      if (req.url?.split('?')[0] === '/_farp/manifest') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(body)
      } else res.writeHead(404).end()
    })
    await new Promise<void>((ok) => server?.listen(0, '127.0.0.1', ok))
    manifestUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/_farp/manifest`
    manifestRef = manifestUrl
  }
  const txt: Record<string, string> = {
    version: opts.version ?? '0.0.0',
    id: `${sanitizeServiceName(opts.name)}-${opts.port}`,
    'farp.service': opts.name,
    'farp.enabled': 'true',
    'farp.manifest': manifestRef,
    'farp.capabilities': `[${(opts.capabilities ?? ['rest']).join(' ')}]`,
    'farp.strategy': 'pull',
    'mdns.service_type': '_farp._tcp',
  }
  if (opts.openapi) txt['farp.openapi'] = opts.openapi
  if (opts.health) txt['farp.health'] = opts.health
  const bonjour = new Bonjour({} as never, () => {})
  bonjour.publish({ name: txt.id as string, type: 'farp', port: opts.port, txt })
  let closing: Promise<void> | undefined
  return {
    txt,
    manifestUrl,
    close() {
      closing ??= (async () => {
        await new Promise<void>((ok) => bonjour.unpublishAll(() => ok()))
        await new Promise<void>((ok) => bonjour.destroy(() => ok()))
        await new Promise<void>((ok) => (server ? server.close(() => ok()) : ok()))
      })()
      return closing
    },
  }
}
