// State of the service-management programs that outlives a route-table swap: the program variables
// (`global`, written by `set_global` and the dialect) and each program's counters. The dialect loads
// and persists the variables; the request path only reads them, changes one key and says so.
import { isMap } from '../programs/index.ts'

/** Per program, counted where it runs (GET …/management/program/info shows them). */
export interface ProgramCounters {
  runs: number
  refusals: number
  errors: number
}

/** A program may keep this many variables, each at most this long as JSON: set_global stays bounded. */
export const MAX_VARIABLES = 1024
export const MAX_VARIABLE_BYTES = 64 * 1024

export class ProgramRegistry {
  /** What programs read as `global`: one null-prototype map, changed in place (routes hold it). */
  readonly variables: Record<string, unknown> = Object.create(null)
  readonly #counters = new Map<string, ProgramCounters>()
  readonly #listeners = new Set<(key: string) => void>()

  /** The counters of one program of a service, made on first use (at route-table build). */
  countersFor(service: string, name: string): ProgramCounters {
    const key = `${service}\n${name}`
    let c = this.#counters.get(key)
    if (c === undefined) {
      c = { runs: 0, refusals: 0, errors: 0 }
      this.#counters.set(key, c)
    }
    return c
  }

  /** Replaces every variable (the dialect's stored ones, or an admin write); tells nobody. */
  replaceVariables(values: Readonly<Record<string, unknown>>): void {
    for (const k of Object.keys(this.variables)) delete this.variables[k]
    Object.assign(this.variables, values)
  }

  /** `set_global(key, value)` from a program: checked, applied at once, persisted later by a listener. */
  setVariable(key: unknown, value: unknown): void {
    if (typeof key !== 'string' || key === '') throw new Error('set_global needs a non-empty string key')
    if (!Object.hasOwn(this.variables, key) && Object.keys(this.variables).length >= MAX_VARIABLES)
      throw new Error(`set_global: at most ${MAX_VARIABLES} variables`)
    const json = plainJson(value)
    if (json === undefined)
      throw new Error('set_global: the value must be nil, a bool, number, string, array or map')
    if (json.length > MAX_VARIABLE_BYTES)
      throw new Error(`set_global: the value is larger than ${MAX_VARIABLE_BYTES} bytes as JSON`)
    // A copy: a map or array the program built is not shared with later runs.
    this.variables[key] = JSON.parse(json, (_k, v) => (isMap(v) ? Object.assign(Object.create(null), v) : v))
    for (const listener of this.#listeners) listener(key)
  }

  /** Called after each set_global with its key (the dialect coalesces writes); returns the unsubscribe. */
  onVariableSet(listener: (key: string) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }
}

/** JSON of plain program data (nil, bool, finite number, string, array, map); undefined for anything else. */
function plainJson(value: unknown): string | undefined {
  const plain = (v: unknown, depth: number): boolean => {
    if (depth > 32) return false
    if (v === null || v === undefined || typeof v === 'boolean' || typeof v === 'string') return true
    if (typeof v === 'number') return Number.isFinite(v)
    if (Array.isArray(v)) return v.every((item) => plain(item, depth + 1))
    if (isMap(v)) return Object.values(v).every((item) => plain(item, depth + 1))
    return false
  }
  return plain(value, 0) ? (JSON.stringify(value ?? null) as string) : undefined
}
