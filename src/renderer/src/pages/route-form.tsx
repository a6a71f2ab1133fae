// Create / edit a manual route. Client-side checks catch the obvious, each message next to its field;
// the API's own 400/409 message is shown next to the field it names.
import { type FormEvent, useId, useState } from 'react'
import type { RouteConfig } from '../../../gateway/model/index.ts'
import { ApiError, actionError, errorText, isUnknownEndpoint } from '../api/client.ts'
import { useSaveRoute } from '../api/mutations.ts'
import type { RouteProtocol, RouteView } from '../api/types.ts'
import {
  type Errors,
  type FormState,
  fieldOf,
  initialState,
  newKey,
  validate,
  withScheme,
} from './route-form-state.ts'
import { HeaderRows } from './route-form-headers.tsx'
import { PolicyFields } from './route-form-policies.tsx'

export { givenPath, MANUAL_PRIORITY_BOOST } from './route-form-state.ts'

const PROTOCOLS: RouteProtocol[] = ['http', 'websocket', 'sse', 'grpc', 'graphql']
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']

interface RouteFormProps {
  route?: RouteView
  /** The route's whole configuration (secrets redacted): an edit keeps what the form does not show. */
  config?: RouteConfig
  routePrefix: string
  onDone: (saved: RouteView | undefined, message: string) => void
  onCancel: () => void
}

export function RouteForm({ route, config, routePrefix, onDone, onCancel }: RouteFormProps) {
  const [state, setState] = useState(() => initialState(route, config))
  const [errors, setErrors] = useState<Errors>({})
  const save = useSaveRoute()
  const id = useId()
  const set = <K extends keyof FormState>(key: K, value: FormState[K]) => {
    setState((s) => ({ ...s, [key]: value }))
    // A field being fixed loses its old message (the next save checks it again).
    setErrors((e) => {
      if (!(key in e)) return e
      const { [key]: _fixed, ...rest } = e
      return rest
    })
  }

  const onSubmit = (event: FormEvent) => {
    event.preventDefault()
    const { errors: found, input } = validate(state, config)
    setErrors(found)
    if (!input) {
      // Take the keyboard to the first field that needs fixing.
      const form = event.currentTarget as HTMLFormElement
      requestAnimationFrame(() => form.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus())
      return
    }
    save.mutate(
      { id: route?.id, input },
      {
        onSuccess: (saved) =>
          onDone(saved, `Route ${saved?.path ?? routePrefix + input.path} ${route ? 'saved' : 'created'}`),
        onError: (error) => {
          if (isUnknownEndpoint(error)) {
            const action = route ? 'Editing routes' : 'Creating routes'
            setErrors({ form: actionError(error, action, route ? 'PUT api/routes/:id' : 'POST api/routes') })
            return
          }
          const message = errorText(error)
          const field = error instanceof ApiError && error.status === 409 ? 'path' : fieldOf(message)
          setErrors({ [field]: message })
        },
      },
    )
  }

  const errorId = (field: string) => `${id}-${field}-error`
  const describedBy = (field: string, ...more: string[]) =>
    [...more, errors[field] ? errorId(field) : ''].filter(Boolean).join(' ') || undefined
  const invalid = (field: string) => (errors[field] ? true : undefined)
  const fieldError = (field: string) =>
    errors[field] ? (
      <p className="field-error" id={errorId(field)} role="alert">
        {errors[field]}
      </p>
    ) : null

  const setTarget = (key: number, change: Partial<FormState['targets'][number]>) =>
    set(
      'targets',
      state.targets.map((t) => (t.key === key ? { ...t, ...change } : t)),
    )
  const policiesSet =
    state.loadBalancer !== '' ||
    state.timeout !== '' ||
    state.cache ||
    state.rateLimit ||
    state.retry ||
    state.cors ||
    state.breakerFailures !== '' ||
    state.breakerOpen !== ''
  const policyErrors = ['loadBalancer', 'timeout', 'cache', 'rateLimit', 'retry', 'breaker', 'cors'].some(
    (f) => errors[f],
  )

  return (
    <form className="route-form" onSubmit={onSubmit} noValidate>
      {fieldError('form')}
      <div className="field">
        <label htmlFor={`${id}-path`}>Path</label>
        <input
          id={`${id}-path`}
          name="path"
          value={state.path}
          placeholder="/users"
          autoComplete="off"
          required
          readOnly={route !== undefined}
          aria-invalid={invalid('path')}
          aria-describedby={describedBy('path', `${id}-path-hint`)}
          onChange={(e) => set('path', e.target.value)}
        />
        <p className="hint" id={`${id}-path-hint`}>
          Served at <code>{routePrefix + (state.path.trim() || '/…')}</code> and everything below it.
          {route && ' The path is part of the route id and cannot change; create a new route instead.'}
        </p>
        {fieldError('path')}
      </div>

      <fieldset className="field" aria-describedby={describedBy('targets')}>
        <legend>Targets</legend>
        <div className="target-row target-head" aria-hidden="true">
          <span>URL</span>
          <span className="weight">Weight</span>
          <span className="remove-slot" />
        </div>
        {state.targets.map((target, index) => {
          const rowError = `target-${target.key}`
          return (
            <div key={target.key}>
              <div className="target-row">
                <input
                  aria-label={`Target ${index + 1} URL`}
                  name="target-url"
                  value={target.url}
                  placeholder="http://127.0.0.1:3000"
                  autoComplete="off"
                  aria-invalid={invalid(rowError) ?? invalid('targets')}
                  aria-describedby={describedBy(
                    rowError,
                    target.assumedScheme ? `${id}-${target.key}-assumed` : '',
                  )}
                  onChange={(e) => setTarget(target.key, { url: e.target.value, assumedScheme: false })}
                  onBlur={() => {
                    const { url, assumed } = withScheme(target.url)
                    if (assumed) setTarget(target.key, { url, assumedScheme: true })
                  }}
                />
                <input
                  aria-label={`Target ${index + 1} weight`}
                  className="weight"
                  type="number"
                  min={0}
                  max={1000}
                  value={target.weight}
                  onChange={(e) => setTarget(target.key, { weight: e.target.value })}
                />
                <button
                  type="button"
                  className="button ghost small remove-slot"
                  aria-label={`Remove target ${index + 1}`}
                  disabled={state.targets.length === 1}
                  onClick={() =>
                    set(
                      'targets',
                      state.targets.filter((t) => t.key !== target.key),
                    )
                  }
                >
                  Remove
                </button>
              </div>
              {target.assumedScheme && (
                <p className="hint" id={`${id}-${target.key}-assumed`}>
                  No scheme given: http:// assumed.
                </p>
              )}
              {fieldError(rowError)}
            </div>
          )
        })}
        <button
          type="button"
          className="button ghost small"
          onClick={() => set('targets', [...state.targets, { key: newKey(), url: '', weight: '1' }])}
        >
          Add target
        </button>
        <p className="hint">Weight: a target's share of requests against the others (0 takes none).</p>
        {fieldError('targets')}
      </fieldset>

      <div className="field-row">
        <div className="field">
          <label htmlFor={`${id}-protocol`}>Protocol</label>
          <select
            id={`${id}-protocol`}
            value={state.protocol}
            aria-describedby={describedBy('protocol')}
            onChange={(e) => set('protocol', e.target.value as RouteProtocol)}
          >
            {PROTOCOLS.map((p) => (
              <option key={p}>{p}</option>
            ))}
          </select>
          {fieldError('protocol')}
        </div>
        <div className="field">
          <label htmlFor={`${id}-priority`}>Priority</label>
          <input
            id={`${id}-priority`}
            type="number"
            value={state.priority}
            aria-invalid={invalid('priority')}
            aria-describedby={describedBy('priority')}
            onChange={(e) => set('priority', e.target.value)}
          />
          {fieldError('priority')}
        </div>
      </div>

      <div className="field-row checks">
        <label className="check">
          <input
            type="checkbox"
            checked={state.stripPrefix}
            onChange={(e) => set('stripPrefix', e.target.checked)}
          />
          Strip the path before forwarding
        </label>
        <label className="check">
          <input type="checkbox" checked={state.enabled} onChange={(e) => set('enabled', e.target.checked)} />
          Enabled
        </label>
      </div>

      <fieldset className="field" aria-describedby={describedBy('methods')}>
        <legend>Methods (none checked = all)</legend>
        <div className="method-list">
          {METHODS.map((method) => (
            <label className="check" key={method}>
              <input
                type="checkbox"
                checked={state.methods.includes(method)}
                onChange={(e) =>
                  set(
                    'methods',
                    e.target.checked ? [...state.methods, method] : state.methods.filter((m) => m !== method),
                  )
                }
              />
              {method}
            </label>
          ))}
        </div>
        {fieldError('methods')}
      </fieldset>

      <details
        className="field form-section"
        open={state.addHeaders.length > 0 || state.removeHeaders.length > 0 || Boolean(errors.headers)}
      >
        <summary>Request headers</summary>
        <HeaderRows
          title="Add or replace"
          rows={state.addHeaders}
          withValue
          onChange={(rows) => set('addHeaders', rows)}
        />
        <HeaderRows
          title="Remove"
          rows={state.removeHeaders}
          onChange={(rows) => set('removeHeaders', rows)}
        />
        {fieldError('headers')}
      </details>

      <PolicyFields
        id={id}
        state={state}
        set={set}
        invalid={invalid}
        describedBy={describedBy}
        fieldError={fieldError}
        open={policiesSet || policyErrors}
      />

      <div className="form-actions">
        <button type="button" className="button ghost" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="button primary" disabled={save.isPending}>
          {save.isPending ? 'Saving…' : route ? 'Save route' : 'Create route'}
        </button>
      </div>
    </form>
  )
}
