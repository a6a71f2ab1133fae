// The program variables between the dialect's stored state and what programs read (`global`): loaded
// at start, written by the admin endpoints at once, and by set_global coalesced — the keys a program
// changed are merged into the stored variables at most once a second (never a write per request), so
// a write of one key does not undo another's.
import type { ProgramRegistry } from '../../../policies/program-registry.ts'
import type { StateFile } from '../state-file.ts'
import type { ServiceState } from './mapping.ts'

/** set_global's changes reach the store at most this often. */
const WRITE_DELAY_MS = 1000

type Variables = Record<string, unknown>

/** Plain data, as stored and answered (the registry's maps have no prototype). */
const plain = (v: unknown): unknown => (v === undefined ? null : JSON.parse(JSON.stringify(v)))

export interface VariableSync {
  /** The variables as programs see them now (set_global's changes included), as plain data. */
  current(): Variables
  /** An admin write: stored at once, then what programs read. */
  set(key: string, value: unknown): Promise<void>
  remove(key: string): Promise<void>
  /** The stored variables changed (another instance wrote them): programs read them, keeping unsaved changes. */
  refresh(stored: Variables): void
  /** Writes what set_global changed and is not stored yet. */
  close(): Promise<void>
}

/** Where the variables are stored: the dialect's state (its `update` is all this part needs). */
export type VariableStore = Pick<StateFile<ServiceState>, 'update'>

export function syncVariables(
  store: VariableStore,
  registry: ProgramRegistry,
  stored: Variables,
): VariableSync {
  /** Keys set_global changed since the last write. */
  const dirty = new Set<string>()
  let timer: NodeJS.Timeout | undefined
  let writing: Promise<unknown> = Promise.resolve()
  let closed = false

  const refresh = (next: Variables) => {
    const live: Variables = { ...next }
    for (const key of dirty) live[key] = registry.variables[key]
    registry.replaceVariables(live)
  }

  const write = () => {
    timer = undefined
    const keys = [...dirty]
    dirty.clear()
    const changes = Object.fromEntries(keys.map((k) => [k, plain(registry.variables[k])]))
    writing = store
      .update((s) => ({ ...s, variables: { ...s.variables, ...changes } }))
      .then(
        (next) => refresh(next.variables),
        () => {
          // The store refused (down): the changes are written with the next attempt.
          for (const k of keys) dirty.add(k)
          if (closed || timer !== undefined) return
          timer = setTimeout(write, WRITE_DELAY_MS)
          timer.unref()
        },
      )
    return writing
  }

  registry.replaceVariables(stored)
  const stop = registry.onVariableSet((key) => {
    dirty.add(key)
    if (timer === undefined) {
      timer = setTimeout(write, WRITE_DELAY_MS)
      timer.unref()
    }
  })

  return {
    current: () => plain(registry.variables) as Variables,
    async set(key, value) {
      dirty.delete(key)
      const next = await store.update((s) => ({ ...s, variables: { ...s.variables, [key]: value } }))
      refresh(next.variables)
    },
    async remove(key) {
      dirty.delete(key)
      const next = await store.update((s) => {
        const { [key]: _gone, ...rest } = s.variables
        return { ...s, variables: rest }
      })
      refresh(next.variables)
    },
    refresh,
    async close() {
      closed = true
      stop()
      if (timer !== undefined) {
        clearTimeout(timer)
        timer = undefined
      }
      if (dirty.size > 0) await write()
      await writing
    },
  }
}
