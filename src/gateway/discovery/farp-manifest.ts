// FARP SchemaManifest: the fields the gateway reads, fetching with a timeout, protocol version
// compatibility and checksum verification (xraph/farp manifest.go, version.go).
import { createHash } from 'node:crypto'

/** The FARP protocol version this gateway implements. */
export const FARP_PROTOCOL_VERSION = '1.0.1'

export interface FarpSchemaDescriptor {
  readonly type: string
  readonly spec_version?: string
  readonly location?: { readonly type?: string; readonly url?: string }
  readonly hash?: string
}

export interface FarpManifest {
  readonly version?: string
  readonly service_name: string
  readonly service_version?: string
  readonly instance_id: string
  readonly instance?: { readonly address?: string }
  readonly schemas?: readonly FarpSchemaDescriptor[]
  readonly capabilities?: readonly string[]
  readonly endpoints: {
    readonly health: string
    readonly metrics?: string
    readonly openapi?: string
    readonly asyncapi?: string
    readonly grpc_reflection?: boolean
    readonly graphql?: string
  }
  readonly routing?: {
    readonly strategy?: string
    readonly base_path?: string
    readonly strip_prefix?: boolean
    readonly priority?: number
    readonly tags?: readonly string[]
  }
  readonly updated_at?: number
  readonly checksum?: string
}

/** Major equal, minor not newer than ours (farp version.go IsCompatible). */
export function isCompatibleVersion(version: string | undefined, ours = FARP_PROTOCOL_VERSION): boolean {
  if (!version) return true
  const [maj, min] = version.replace(/^v/, '').split('.').map(Number)
  const [oMaj, oMin] = ours.split('.').map(Number)
  if (maj === undefined || Number.isNaN(maj) || Number.isNaN(min ?? 0)) return false
  return maj === oMaj && (min ?? 0) <= (oMin ?? 0)
}

/** SHA-256 over the schema hashes concatenated in `type` order; no schemas give "". */
export function manifestChecksum(schemas: readonly FarpSchemaDescriptor[] | undefined): string {
  if (!schemas || schemas.length === 0) return ''
  const sorted = [...schemas].sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0))
  return createHash('sha256')
    .update(sorted.map((s) => s.hash ?? '').join(''))
    .digest('hex')
}

/** Throws an Error naming the first problem; returns the manifest typed. */
export function checkManifest(value: unknown): FarpManifest {
  if (!value || typeof value !== 'object') throw new Error('manifest is not a JSON object')
  const m = value as Partial<FarpManifest>
  if (!isCompatibleVersion(m.version))
    throw new Error(`manifest version ${m.version} is not compatible with ${FARP_PROTOCOL_VERSION}`)
  if (typeof m.service_name !== 'string' || m.service_name === '')
    throw new Error('manifest: service_name is required')
  if (typeof m.instance_id !== 'string' || m.instance_id === '')
    throw new Error('manifest: instance_id is required')
  if (!m.endpoints || typeof m.endpoints.health !== 'string' || m.endpoints.health === '')
    throw new Error('manifest: endpoints.health is required')
  if (m.schemas !== undefined && !Array.isArray(m.schemas))
    throw new Error('manifest: schemas must be a list')
  const p = m.routing?.priority
  if (p !== undefined && (typeof p !== 'number' || p < 0 || p > 100))
    throw new Error('manifest: routing.priority must be 0-100')
  if (m.routing?.strategy === 'custom' && !m.routing?.base_path)
    throw new Error('manifest: routing strategy custom needs base_path')
  if (m.checksum && m.schemas?.every((s) => s.hash)) {
    const expected = manifestChecksum(m.schemas)
    if (expected !== m.checksum) throw new Error('manifest: checksum does not match its schema hashes')
  }
  return m as FarpManifest
}

export interface FetchManifestOptions {
  readonly timeoutMs: number
  /** The manifest last fetched for this instance: kept when the checksum did not change. */
  readonly previous?: FarpManifest | undefined
}

export async function fetchManifest(url: string, opts: FetchManifestOptions): Promise<FarpManifest> {
  let res: Response
  try {
    res = await fetch(url, {
      signal: AbortSignal.timeout(opts.timeoutMs),
      headers: { accept: 'application/json' },
    })
  } catch (err) {
    const e = err as Error
    throw new Error(
      e.name === 'TimeoutError'
        ? `manifest ${url}: no answer within ${opts.timeoutMs} ms`
        : `manifest ${url}: ${(e.cause as Error | undefined)?.message ?? e.message}`,
    )
  }
  if (!res.ok) {
    await res.body?.cancel()
    throw new Error(`manifest ${url}: HTTP ${res.status}`)
  }
  let body: unknown
  try {
    body = await res.json()
  } catch {
    throw new Error(`manifest ${url}: not JSON`)
  }
  const manifest = checkManifest(body)
  // Unchanged checksum: keep the object we already have so nothing downstream refetches schemas.
  if (opts.previous?.checksum && opts.previous.checksum === manifest.checksum) return opts.previous
  return manifest
}
