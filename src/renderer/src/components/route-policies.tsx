// The route page's policies: each with the settings it runs with and what it did since the start.
import type { RouteDetail, RouteStatsDetail } from '../api/route-detail-queries.ts'
import type { ReactNode } from 'react'
import { formatCount, formatMs, formatPercent } from '../lib/format.ts'
import { hrefFor } from '../lib/hash-route.ts'

const count = (n: number | undefined) => formatCount(n)
/** A policy the route runs because the gateway's `defaults` set it says so beside its name. */
const named = (name: string, p: { fromDefault?: boolean }) =>
  p.fromDefault ? `${name} (gateway default)` : name

interface PolicyRow {
  name: string
  settings: string
  live?: ReactNode
}

function policyRows(route: RouteDetail, stats: RouteStatsDetail | undefined): PolicyRow[] {
  const p = route.policies
  const rows: PolicyRow[] = []
  if (p.cors)
    rows.push({
      name: named('CORS', p.cors),
      settings: `origins ${p.cors.origins.join(', ')}${p.cors.credentials ? ', credentials' : ''}`,
    })
  if (p.rateLimit)
    rows.push({
      name: named('Rate limit', p.rateLimit),
      settings: `${p.rateLimit.requestsPerSec}/s, burst ${p.rateLimit.burst ?? '–'}, per ${p.rateLimit.scope ?? 'route'}${p.rateLimit.key ? ` (${p.rateLimit.key})` : ''}`,
      live: `${count(stats?.rateLimited)} limited (429)`,
    })
  if (p.jwt)
    rows.push({
      name: named('JWT', p.jwt),
      settings: [
        `keys: ${p.jwt.keys}`,
        p.jwt.issuer && `issuer ${p.jwt.issuer}`,
        p.jwt.algorithms?.join(', '),
      ]
        .filter(Boolean)
        .join(' · '),
    })
  if (p.validation)
    rows.push({
      name: 'OpenAPI validation',
      settings: p.validation,
      live: `${count(stats?.validationFailures)} refused (400) · ${count(stats?.contractViolations)} contract violations`,
    })
  if (p.mock)
    rows.push({
      name: 'Mock answers',
      settings: `${p.mock.mode === 'always' ? 'always (the upstream is never called)' : 'fallback (when no target can answer)'} · from ${p.mock.service}'s OpenAPI document · seed ${p.mock.seed}`,
      live: <a href={hrefFor('requests', { route: route.id, outcome: 'mock' })}>Mock answers in Requests</a>,
    })
  if (p.cache) {
    const hits = stats?.cacheHits
    const misses = stats?.cacheMisses
    const looked = (hits ?? 0) + (misses ?? 0)
    rows.push({
      name: named('Cache', p.cache),
      settings: [
        p.cache.ttlMs !== undefined ? `ttl ${formatMs(p.cache.ttlMs)}` : 'ttl from the response',
        p.cache.maxEntries !== undefined && `${p.cache.maxEntries} entries`,
        p.cache.varyBy?.length && `vary by ${p.cache.varyBy.join(', ')}`,
      ]
        .filter(Boolean)
        .join(' · '),
      live:
        hits === undefined
          ? '–'
          : `${formatPercent(looked > 0 ? (hits / looked) * 100 : undefined)} hit ratio (${count(hits)} hits, ${count(misses)} misses)`,
    })
  }
  if (p.retry)
    rows.push({
      name: 'Retry',
      settings: `up to ${p.retry.maxAttempts} attempts${p.retry.backoff ? `, ${p.retry.backoff} backoff` : ''} on ${p.retry.retryOn?.join(', ') ?? '5xx'}`,
      live: `${count(stats?.retryAttempts)} retries`,
    })
  const b = p.circuitBreaker
  rows.push({
    name: 'Circuit breaker',
    settings: b.enabled
      ? `opens after ${b.maxFailures} failures in ${formatMs(b.intervalMs)}, for ${formatMs(b.openTimeoutMs)}`
      : 'off',
    live: `${count(stats?.circuitBreaks)} refused while open (503)`,
  })
  rows.push({ name: 'Timeout', settings: formatMs(p.timeoutMs) })
  rows.push({ name: 'Load balancer', settings: p.loadBalancer })
  const h = p.healthCheck
  rows.push({
    name: 'Health checks',
    settings: !h.enabled
      ? 'off'
      : [
          h.active && `active every ${formatMs(h.intervalMs)}${h.path ? ` on ${h.path}` : ''}`,
          h.passiveFailures > 0 ? `passive: out after ${h.passiveFailures} failed requests` : 'passive off',
        ]
          .filter(Boolean)
          .join(', '),
  })
  return rows
}

export function RoutePolicies({ route, stats }: { route: RouteDetail; stats: RouteStatsDetail | undefined }) {
  return (
    <section className="detail-card wide" aria-labelledby="policies-title">
      <h2 id="policies-title">Policies</h2>
      <table className="kv-table policy-table">
        <thead>
          <tr>
            <th scope="col">Policy</th>
            <th scope="col">Settings</th>
            <th scope="col">Since start</th>
          </tr>
        </thead>
        <tbody>
          {policyRows(route, stats).map((row) => (
            <tr key={row.name}>
              <th scope="row">{row.name}</th>
              <td>{row.settings}</td>
              <td>{row.live ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  )
}
