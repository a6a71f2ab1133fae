// Kubernetes object names from Sallyport's ids and target URLs. Route names are DNS-1123 subdomains,
// Service names DNS-1123 labels (lowercase letters, digits and '-', starting with a letter, ≤ 63).
import { isIP } from 'node:net'
import { httpUrlOf } from '../config/route-spec.ts'

export const DNS1123_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/
export const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/

/** Any text as a DNS-1123 label: lowercased, other characters runs → '-', a letter first, ≤ max. */
export function dnsLabel(text: string, fallback = 'route', max = 63): string {
  let name = text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^[^a-z]+/, '')
  name = name.slice(0, max).replace(/-+$/, '')
  return name === '' ? fallback : name
}

/** A name not in `used` (adds it): `name`, then `name-2`, `name-3`… within the length limit. */
export function uniqueName(name: string, used: Set<string>, max = 63): string {
  let candidate = name
  for (let n = 2; used.has(candidate); n++) {
    const suffix = `-${n}`
    candidate = `${name.slice(0, max - suffix.length).replace(/-+$/, '')}${suffix}`
  }
  used.add(candidate)
  return candidate
}

export interface BackendService {
  readonly name: string
  readonly port: number
  /** How the name was derived, for the comment beside the backendRef. */
  readonly derivation: string
}

/** A target whose host names a machine in a cluster: not an IP address, not localhost. */
export function inCluster(url: string): boolean {
  const bare = new URL(httpUrlOf(url)).hostname.replace(/^\[|\]$/g, '')
  return isIP(bare) === 0 && bare !== 'localhost' && !bare.endsWith('.localhost')
}

/**
 * The Service a target URL becomes. A cluster host name gives its first label (`users.shop.svc` →
 * `users`); a local address (127.0.0.1, localhost) gives the route's serviceName, else its id; several
 * local targets of one route are numbered. The port is the URL's, else the scheme's.
 */
export function backendService(
  url: string,
  route: { readonly id: string; readonly serviceName?: string | undefined },
  localIndex: number | undefined,
): BackendService {
  const u = new URL(httpUrlOf(url))
  const port = u.port === '' ? (u.protocol === 'https:' ? 443 : 80) : Number(u.port)
  if (inCluster(url)) {
    const label = u.hostname.split('.')[0] as string
    const name = dnsLabel(label, 'backend')
    return { name, port, derivation: `from its host "${u.hostname}"` }
  }
  const base = route.serviceName
    ? { text: route.serviceName, why: `serviceName "${route.serviceName}"` }
    : { text: route.id.replace(/^[a-z]+-/, ''), why: `route id "${route.id}"` }
  const n = localIndex === undefined ? undefined : localIndex + 1
  const numbered = n === undefined ? '' : `-${n}`
  const name = `${dnsLabel(base.text, 'backend', 63 - numbered.length)}${numbered}`
  return {
    name,
    port,
    derivation: `from ${base.why}${n === undefined ? '' : `, local target ${n}`} (${u.hostname} is a local address)`,
  }
}
