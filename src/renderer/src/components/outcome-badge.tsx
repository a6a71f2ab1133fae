// Who answered a request, as a badge: the upstream, or the gateway itself (and why).
import type { Outcome } from '../api/types.ts'
import { Badge } from './badges.tsx'

export const OUTCOME_LABELS: Record<Outcome, string> = {
  upstream: 'upstream',
  cache: 'cache hit',
  mock: 'mock',
  preflight: 'preflight',
  'rate-limited': 'rate limited',
  'circuit-open': 'circuit open',
  'no-target': 'no healthy target',
  'no-route': 'no route',
  unauthorized: 'unauthorized',
  'invalid-request': 'invalid request',
  'program-refused': 'program refused',
  'program-failed': 'program failed',
  'upstream-failed': 'upstream failed',
  timeout: 'timeout',
  'client-gone': 'client gone',
}

const TONES: Record<Outcome, 'ok' | 'warn' | 'bad' | 'muted' | 'info'> = {
  upstream: 'muted',
  cache: 'info',
  mock: 'info',
  preflight: 'info',
  'rate-limited': 'warn',
  'circuit-open': 'bad',
  'no-target': 'bad',
  'no-route': 'warn',
  unauthorized: 'warn',
  'invalid-request': 'warn',
  'program-refused': 'warn',
  'program-failed': 'bad',
  'upstream-failed': 'bad',
  timeout: 'bad',
  'client-gone': 'muted',
}

export function OutcomeBadge({ outcome }: { outcome: Outcome }) {
  return <Badge tone={TONES[outcome] ?? 'muted'}>{OUTCOME_LABELS[outcome] ?? outcome}</Badge>
}

export function statusTone(status: number) {
  return status === 0
    ? 'muted'
    : status >= 500
      ? 'bad'
      : status >= 400
        ? 'warn'
        : status >= 300
          ? 'info'
          : 'ok'
}
