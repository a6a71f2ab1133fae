// Which TLS server names may get a certificate of their own. Never an arbitrary name: a leaf for any
// name a client asks for would turn a trusted local CA into a way to impersonate any site.
import { isIP } from 'node:net'

/** The leaf every name without one of its own falls back to; it also covers 127.0.0.1 and ::1. */
export const LOCALHOST = 'localhost'

const LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/

/** A DNS name in canonical form (lower case, no trailing dot), or undefined when it is not one. */
export function canonicalDnsName(name: string): string | undefined {
  const lower = name.toLowerCase().replace(/\.$/, '')
  if (lower.length === 0 || lower.length > 253 || isIP(lower) !== 0) return undefined
  return lower.split('.').every((label) => LABEL.test(label)) ? lower : undefined
}

export interface HostPolicy {
  /** The name of the leaf that serves `servername`: itself when allowed, else `localhost`. */
  leafNameFor(servername: string | undefined): string
}

/**
 * `hosts` entries are exact names (`api.example.test`) or patterns (`*.example.test`, any name below
 * it). `localhost`, `*.localhost` (RFC 6761), 127.0.0.1 and ::1 are always allowed.
 */
export function createHostPolicy(hosts: readonly string[]): HostPolicy {
  const exact = new Set<string>()
  const suffixes: string[] = ['.localhost']
  for (const entry of hosts) {
    const pattern = entry.startsWith('*.')
    const name = canonicalDnsName(pattern ? entry.slice(2) : entry)
    if (!name || (pattern && !name.includes('.')))
      throw new Error(
        `tls.hosts: "${entry}" is not a host name or a pattern like *.example.test (IP addresses other than 127.0.0.1 and ::1 are not supported)`,
      )
    if (pattern) suffixes.push(`.${name}`)
    else exact.add(name)
  }
  return {
    leafNameFor(servername) {
      if (servername === undefined) return LOCALHOST
      const name = canonicalDnsName(servername)
      if (!name || name === LOCALHOST) return LOCALHOST
      if (exact.has(name) || suffixes.some((s) => name.endsWith(s))) return name
      return LOCALHOST
    },
  }
}
