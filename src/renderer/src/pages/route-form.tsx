// Create / edit a manual route. Client-side checks catch the obvious; the API's own 400/409 message is
// shown next to the field it names.
import { type FormEvent, useId, useState } from 'react'
import { ApiError, actionError, errorText, isUnknownEndpoint } from '../api/client.ts'
import { useSaveRoute } from '../api/mutations.ts'
import type { RouteInput, RouteProtocol, RouteView } from '../api/types.ts'

const PROTOCOLS: RouteProtocol[] = ['http', 'websocket', 'sse', 'grpc', 'graphql']
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']
const TARGET_URL = /^(http|https|ws|wss):\/\/[^\s/]+/

type Field = 'path' | 'targets' | 'protocol' | 'priority' | 'methods' | 'headers' | 'form'
type Errors = Partial<Record<Field, string>>

interface TargetRow {
  key: number
  url: string
  weight: string
}

interface FormState {
  path: string
  targets: TargetRow[]
  stripPrefix: boolean
  protocol: RouteProtocol
  priority: string
  enabled: boolean
  methods: string[]
  addHeaders: string
  removeHeaders: string
}

let nextKey = 1

/**
 * Manual routes are listed with their priority raised by this much (bastion: a manual route given
 * priority 0 is shown with 100), so the form edits the priority as it was given.
 */
export const MANUAL_PRIORITY_BOOST = 100

/** The path given to the API: manual ids are `manual-<given path>`. */
export function givenPath(route: RouteView): string {
  return route.id.startsWith('manual-') ? route.id.slice('manual-'.length) : route.path
}

function initialState(route?: RouteView): FormState {
  if (!route) {
    return {
      path: '',
      targets: [{ key: nextKey++, url: '', weight: '1' }],
      stripPrefix: true,
      protocol: 'http',
      priority: '0',
      enabled: true,
      methods: [],
      addHeaders: '',
      removeHeaders: '',
    }
  }
  return {
    path: givenPath(route),
    targets: route.targets.map((t) => ({ key: nextKey++, url: t.url, weight: String(t.weight) })),
    stripPrefix: route.stripPrefix,
    protocol: route.protocol,
    priority: String(route.source === 'manual' ? route.priority - MANUAL_PRIORITY_BOOST : route.priority),
    enabled: route.enabled,
    methods: route.methods.map((m) => m.toUpperCase()),
    addHeaders: Object.entries(route.headers?.add ?? {})
      .map(([k, v]) => `${k}: ${v}`)
      .join('\n'),
    removeHeaders: (route.headers?.remove ?? []).join(', '),
  }
}

function validate(state: FormState): { errors: Errors; input?: RouteInput } {
  const errors: Errors = {}
  const path = state.path.trim()
  if (!path.startsWith('/')) errors.path = 'Path must start with "/", for example /users'
  else if (/\s/.test(path)) errors.path = 'Path must not contain spaces'
  const targets = state.targets.filter((t) => t.url.trim() !== '')
  if (targets.length === 0) errors.targets = 'Add at least one target URL, for example http://127.0.0.1:3000'
  for (const t of targets) {
    const weight = Number(t.weight)
    if (!TARGET_URL.test(t.url.trim())) errors.targets = `"${t.url}" is not a URL like http://127.0.0.1:3000`
    else if (!Number.isInteger(weight) || weight < 0 || weight > 1000)
      errors.targets = 'Weights are whole numbers from 0 to 1000'
  }
  const priority = Number(state.priority || '0')
  if (!Number.isInteger(priority)) errors.priority = 'Priority is a whole number'
  const add: Record<string, string> = {}
  for (const line of state.addHeaders.split('\n')) {
    if (line.trim() === '') continue
    const colon = line.indexOf(':')
    if (colon <= 0) {
      errors.headers = `"${line.trim()}" should look like "X-Name: value"`
      continue
    }
    add[line.slice(0, colon).trim()] = line.slice(colon + 1).trim()
  }
  const remove = state.removeHeaders
    .split(',')
    .map((h) => h.trim())
    .filter(Boolean)
  if (Object.keys(errors).length > 0) return { errors }
  const input: RouteInput = {
    path,
    targets: targets.map((t) => ({ url: t.url.trim(), weight: Number(t.weight) })),
    stripPrefix: state.stripPrefix,
    protocol: state.protocol,
    priority,
    enabled: state.enabled,
    methods: state.methods,
  }
  if (Object.keys(add).length > 0 || remove.length > 0) {
    input.headers = {}
    if (Object.keys(add).length > 0) input.headers.add = add
    if (remove.length > 0) input.headers.remove = remove
  }
  return { errors, input }
}

/** Which form field an API error message is about ("body/targets/0/url must match…", "path: …"). */
export function fieldOf(message: string): Field {
  const m = message.toLowerCase()
  if (/target|url|weight/.test(m)) return 'targets'
  if (/\bpath\b|already exists|shadow|reserved/.test(m)) return 'path'
  if (/protocol/.test(m)) return 'protocol'
  if (/priority/.test(m)) return 'priority'
  if (/method/.test(m)) return 'methods'
  if (/header/.test(m)) return 'headers'
  return 'form'
}

interface RouteFormProps {
  route?: RouteView
  routePrefix: string
  onDone: (saved: RouteView | undefined, message: string) => void
  onCancel: () => void
}

export function RouteForm({ route, routePrefix, onDone, onCancel }: RouteFormProps) {
  const [state, setState] = useState(() => initialState(route))
  const [errors, setErrors] = useState<Errors>({})
  const save = useSaveRoute()
  const id = useId()
  const set = <K extends keyof FormState>(key: K, value: FormState[K]) =>
    setState((s) => ({ ...s, [key]: value }))

  const onSubmit = (event: FormEvent) => {
    event.preventDefault()
    const { errors: found, input } = validate(state)
    setErrors(found)
    if (!input) return
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

  const errorIdFor = (field: Field) => (errors[field] ? `${id}-${field}-error` : undefined)
  const fieldError = (field: Field) =>
    errors[field] ? (
      <p className="field-error" id={`${id}-${field}-error`} role="alert">
        {errors[field]}
      </p>
    ) : null

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
          readOnly={route !== undefined}
          aria-invalid={errors.path ? true : undefined}
          aria-describedby={[`${id}-path-hint`, errorIdFor('path')].filter(Boolean).join(' ')}
          onChange={(e) => set('path', e.target.value)}
          // biome-ignore lint/a11y/noAutofocus: the dialog opens to fill this in
          autoFocus={route === undefined}
        />
        <p className="hint" id={`${id}-path-hint`}>
          Served at <code>{routePrefix + (state.path.trim() || '/…')}</code> and everything below it.
          {route && ' The path is part of the route id and cannot change; create a new route instead.'}
        </p>
        {fieldError('path')}
      </div>

      <fieldset
        className="field"
        aria-describedby={errorIdFor('targets')}
        aria-invalid={errors.targets ? true : undefined}
      >
        <legend>Targets</legend>
        {state.targets.map((target, index) => (
          <div className="target-row" key={target.key}>
            <input
              aria-label={`Target ${index + 1} URL`}
              name="target-url"
              value={target.url}
              placeholder="http://127.0.0.1:3000"
              autoComplete="off"
              aria-invalid={errors.targets ? true : undefined}
              onChange={(e) =>
                set(
                  'targets',
                  state.targets.map((t) => (t.key === target.key ? { ...t, url: e.target.value } : t)),
                )
              }
            />
            <input
              aria-label={`Target ${index + 1} weight`}
              className="weight"
              type="number"
              min={0}
              max={1000}
              value={target.weight}
              onChange={(e) =>
                set(
                  'targets',
                  state.targets.map((t) => (t.key === target.key ? { ...t, weight: e.target.value } : t)),
                )
              }
            />
            <button
              type="button"
              className="button ghost small"
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
        ))}
        <button
          type="button"
          className="button ghost small"
          onClick={() => set('targets', [...state.targets, { key: nextKey++, url: '', weight: '1' }])}
        >
          Add target
        </button>
        {fieldError('targets')}
      </fieldset>

      <div className="field-row">
        <div className="field">
          <label htmlFor={`${id}-protocol`}>Protocol</label>
          <select
            id={`${id}-protocol`}
            value={state.protocol}
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
            aria-invalid={errors.priority ? true : undefined}
            aria-describedby={errorIdFor('priority')}
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

      <fieldset className="field">
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

      <details className="field" open={Boolean(state.addHeaders || state.removeHeaders || errors.headers)}>
        <summary>Request headers</summary>
        <label htmlFor={`${id}-add`}>Add (one "Name: value" per line)</label>
        <textarea
          id={`${id}-add`}
          rows={2}
          value={state.addHeaders}
          onChange={(e) => set('addHeaders', e.target.value)}
        />
        <label htmlFor={`${id}-remove`}>Remove (comma separated)</label>
        <input
          id={`${id}-remove`}
          value={state.removeHeaders}
          onChange={(e) => set('removeHeaders', e.target.value)}
        />
        {fieldError('headers')}
      </details>

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
