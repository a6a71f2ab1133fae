// What the gateway knows about one discovered service instance, wherever it came from.
import type { FarpManifest } from './farp-manifest.ts'

export type InstanceOrigin = 'mdns' | 'push'

export interface ServiceInstance {
  /** Unique per instance: the mDNS fqdn, or `push:<service_id or name>`. */
  readonly key: string
  readonly id: string
  /** As announced; routes and ids use the sanitized form. */
  readonly name: string
  readonly version: string
  readonly address: string
  readonly port: number
  readonly tags: readonly string[]
  /** TXT record (mDNS) or registration metadata (push). */
  readonly metadata: Readonly<Record<string, string>>
  readonly farpEnabled: boolean
  readonly origin: InstanceOrigin
  readonly discoveredAt: string
  /** Set when the instance went away; its routes stay (targets unhealthy) for the grace period. */
  vanishedAt?: number | undefined
  manifest?: FarpManifest | undefined
  manifestError?: string | undefined
}

/** Lowercase; `_` and spaces become `-` (Bastion and Forge do the same). */
export function sanitizeServiceName(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/[_\s]+/g, '-')
    .replace(/[^a-z0-9.-]/g, '-')
}

/** `http://host:port`, with IPv6 addresses bracketed. */
export function originOf(address: string, port: number): string {
  const host = address.includes(':') && !address.startsWith('[') ? `[${address}]` : address
  return `http://${host}:${port}`
}

/** Resolves a TXT/metadata value that is either a full URL or a path on the instance. */
export function resolveServiceUrl(value: string | undefined, base: string): string | undefined {
  if (!value) return undefined
  try {
    return new URL(value, `${base}/`).href
  } catch {
    return undefined
  }
}

/**
 * `farp.capabilities`: Forge writes Go's `%v` of a slice (`[rest websocket]`), Bastion reads a
 * comma list (`rest,websocket`); accept both and any mix.
 */
export function parseCapabilities(value: string | undefined): string[] {
  if (!value) return []
  return value
    .replace(/^\s*\[|\]\s*$/g, '')
    .split(/[\s,]+/)
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean)
}

export function parseTags(value: string | undefined): string[] {
  if (!value) return []
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
}
