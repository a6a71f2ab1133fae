// The route form's "Balancing, timeout and policies" section: only fields the native API takes
// (RouteInput), each error next to its field.
import type { ReactNode } from 'react'
import { LOAD_BALANCERS, type FormState } from './route-form-state.ts'

/** What the form hands its sections: its state, a setter, and how a field shows its error. */
export interface FormFields {
  id: string
  state: FormState
  set: <K extends keyof FormState>(key: K, value: FormState[K]) => void
  invalid: (field: string) => true | undefined
  describedBy: (field: string, ...more: string[]) => string | undefined
  fieldError: (field: string) => ReactNode
  /** Open when something in it is set or wrong. */
  open: boolean
}

export function PolicyFields({ id, state, set, invalid, describedBy, fieldError, open }: FormFields) {
  return (
    <details className="field form-section" open={open}>
      <summary>Balancing, timeout and policies</summary>
      <div className="field-row">
        <div className="field">
          <label htmlFor={`${id}-lb`}>Load balancer</label>
          <select
            id={`${id}-lb`}
            value={state.loadBalancer}
            aria-describedby={describedBy('loadBalancer')}
            onChange={(e) => set('loadBalancer', e.target.value)}
          >
            <option value="">Gateway default</option>
            {LOAD_BALANCERS.map((b) => (
              <option key={b.value} value={b.value}>
                {b.label}
              </option>
            ))}
          </select>
          {fieldError('loadBalancer')}
        </div>
        <div className="field">
          <label htmlFor={`${id}-timeout`}>Timeout</label>
          <input
            id={`${id}-timeout`}
            value={state.timeout}
            placeholder="gateway default (30s)"
            aria-invalid={invalid('timeout')}
            aria-describedby={describedBy('timeout')}
            onChange={(e) => set('timeout', e.target.value)}
          />
          {fieldError('timeout')}
        </div>
      </div>

      <Policy
        label="Cache responses"
        checked={state.cache}
        onCheck={(v) => set('cache', v)}
        error={fieldError('cache')}
      >
        <label>
          TTL
          <input
            value={state.cacheTtl}
            placeholder="from the response"
            aria-invalid={invalid('cache')}
            aria-describedby={describedBy('cache')}
            onChange={(e) => set('cacheTtl', e.target.value)}
          />
        </label>
      </Policy>
      <Policy
        label="Rate limit"
        checked={state.rateLimit}
        onCheck={(v) => set('rateLimit', v)}
        error={fieldError('rateLimit')}
      >
        <label>
          Requests per second
          <input
            type="number"
            min={0}
            value={state.rate}
            aria-invalid={invalid('rateLimit')}
            aria-describedby={describedBy('rateLimit')}
            onChange={(e) => set('rate', e.target.value)}
          />
        </label>
        <label>
          Burst
          <input
            type="number"
            min={1}
            value={state.burst}
            placeholder="= rate"
            aria-describedby={describedBy('rateLimit')}
            onChange={(e) => set('burst', e.target.value)}
          />
        </label>
      </Policy>
      <Policy
        label="Retry failed requests"
        checked={state.retry}
        onCheck={(v) => set('retry', v)}
        error={fieldError('retry')}
      >
        <label>
          Attempts in all
          <input
            type="number"
            min={1}
            max={10}
            value={state.retryAttempts}
            aria-invalid={invalid('retry')}
            aria-describedby={describedBy('retry')}
            onChange={(e) => set('retryAttempts', e.target.value)}
          />
        </label>
      </Policy>
      <fieldset className="policy" aria-describedby={describedBy('breaker')}>
        <legend>Circuit breaker (always on; empty = gateway default)</legend>
        <div className="policy-fields">
          <label>
            Opens after failures
            <input
              type="number"
              min={1}
              value={state.breakerFailures}
              placeholder="5"
              aria-invalid={invalid('breaker')}
              onChange={(e) => set('breakerFailures', e.target.value)}
            />
          </label>
          <label>
            Open for
            <input
              value={state.breakerOpen}
              placeholder="30s"
              aria-invalid={invalid('breaker')}
              onChange={(e) => set('breakerOpen', e.target.value)}
            />
          </label>
        </div>
        {fieldError('breaker')}
      </fieldset>
      <Policy label="CORS" checked={state.cors} onCheck={(v) => set('cors', v)} error={fieldError('cors')}>
        <label className="grow">
          Allowed origins (comma separated)
          <input
            value={state.corsOrigins}
            aria-describedby={describedBy('cors')}
            onChange={(e) => set('corsOrigins', e.target.value)}
          />
        </label>
      </Policy>
    </details>
  )
}

/** A policy that is on or off, with its settings shown while on. */
function Policy(props: {
  label: string
  checked: boolean
  onCheck: (on: boolean) => void
  error: ReactNode
  children: ReactNode
}) {
  return (
    <fieldset className="policy">
      <legend className="visually-hidden">{props.label}</legend>
      <label className="check">
        <input type="checkbox" checked={props.checked} onChange={(e) => props.onCheck(e.target.checked)} />
        {props.label}
      </label>
      {props.checked && <div className="policy-fields">{props.children}</div>}
      {props.error}
    </fieldset>
  )
}
