// One request's time, as a bar of its parts: queued in the gateway, connecting, waiting for the
// first byte, receiving the rest. Each part is labelled beside the bar (colour is not the only cue).
import type { RequestRecord } from '../api/types.ts'
import { formatMs } from '../lib/format.ts'

interface Part {
  id: string
  label: string
  ms: number
}

export function timingParts(timing: RequestRecord['timing']): Part[] {
  const { queuedMs, connectMs, ttfbMs, totalMs } = timing
  const head = ttfbMs > 0 ? ttfbMs : totalMs
  return [
    { id: 'queued', label: 'Queued', ms: queuedMs },
    { id: 'connect', label: 'Connect', ms: connectMs },
    { id: 'wait', label: 'Waiting (TTFB)', ms: Math.max(0, head - queuedMs - connectMs) },
    { id: 'receive', label: 'Receiving', ms: Math.max(0, totalMs - head) },
  ]
}

export function TimingBar({ record }: { record: RequestRecord }) {
  const parts = timingParts(record.timing)
  const total = Math.max(record.timing.totalMs, 0.001)
  return (
    <figure className="timing" aria-label={`Timing: ${formatMs(record.timing.totalMs)} in all`}>
      <div className="timing-bar" aria-hidden="true">
        {parts.map((p) =>
          p.ms > 0 ? (
            <span
              key={p.id}
              className={`timing-part timing-${p.id}`}
              style={{ width: `${Math.max(0.5, (p.ms / total) * 100)}%` }}
            />
          ) : null,
        )}
      </div>
      <dl className="timing-legend">
        {parts.map((p) => (
          <div key={p.id}>
            <dt>
              <span className={`timing-swatch timing-${p.id}`} aria-hidden="true" />
              {p.label}
            </dt>
            <dd>{formatMs(p.ms)}</dd>
          </div>
        ))}
        <div>
          <dt>Time to first byte</dt>
          <dd>{record.timing.ttfbMs > 0 ? formatMs(record.timing.ttfbMs) : '—'}</dd>
        </div>
        <div>
          <dt>Total</dt>
          <dd>{formatMs(record.timing.totalMs)}</dd>
        </div>
        <div>
          <dt>Attempts</dt>
          <dd>{record.attempts}</dd>
        </div>
      </dl>
    </figure>
  )
}
