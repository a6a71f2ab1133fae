// Host and header conditions, compiled once per route table.
import type { IncomingHttpHeaders } from 'node:http'

export type HeaderPredicate = (headers: IncomingHttpHeaders) => boolean
export type HostPredicate = (host: string) => boolean

export function compileHosts(hosts: readonly string[]): HostPredicate | undefined {
  if (hosts.length === 0) return undefined
  const exact = new Set(hosts.filter((h) => !h.startsWith('*.')))
  const suffixes = hosts.filter((h) => h.startsWith('*.')).map((h) => h.slice(1))
  return (host) => exact.has(host) || suffixes.some((s) => host.endsWith(s) && host.length > s.length)
}

export function compileHeaders(match: Readonly<Record<string, string>>): HeaderPredicate | undefined {
  const entries = Object.entries(match)
  if (entries.length === 0) return undefined
  const tests = entries.map(([name, expected]): HeaderPredicate => {
    if (expected === '*') return (h) => h[name] !== undefined
    if (expected.startsWith('~')) {
      const re = new RegExp(expected.slice(1))
      return (h) => {
        const v = h[name]
        return v !== undefined && re.test(Array.isArray(v) ? v.join(', ') : v)
      }
    }
    return (h) => {
      const v = h[name]
      return Array.isArray(v) ? v.includes(expected) : v === expected
    }
  })
  return (h) => tests.every((t) => t(h))
}
