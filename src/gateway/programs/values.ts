// How values of the environment look from inside a program: expr-lang's runtime rules (vm/runtime) over
// plain JavaScript values. A plain object is a map (a missing key is nil); any other object is a struct
// (a missing field is an error) whose own fields and prototype methods are visible. `constructor`,
// `__proto__`, `prototype` and what Object/Function.prototype define are never reachable.

/** A failure while running a program (a type error, a missing field, a bad index). */
export class ProgramRuntimeError extends Error {}

const FORBIDDEN = new Set(['constructor', '__proto__', 'prototype'])

export const isNil = (v: unknown): v is null | undefined => v === null || v === undefined

export function isMap(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false
  const proto = Object.getPrototypeOf(v)
  return proto === Object.prototype || proto === null
}

/** expr-lang's type names (its `type()` built-in); a host object is named by its class. */
export function typeName(v: unknown): string {
  if (isNil(v)) return 'nil'
  if (typeof v === 'boolean') return 'bool'
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float'
  if (typeof v === 'string') return 'string'
  if (typeof v === 'function') return 'func'
  if (Array.isArray(v)) return 'array'
  if (isMap(v)) return 'map'
  return (v as object).constructor?.name || 'object'
}

const describeKey = (key: unknown) => (typeof key === 'string' ? key : String(key))
// Go prints a nil's type as <nil>: "cannot fetch bar from <nil>"
const describeOwner = (v: unknown) => (isNil(v) ? '<nil>' : typeName(v))

/** `from.key` / `from[key]`; nil for a missing map key; an error for nil, a missing field, a bad index. */
export function fetch(from: unknown, key: unknown): unknown {
  if (isNil(from) || typeof from === 'function' || typeof from === 'boolean' || typeof from === 'number')
    throw new ProgramRuntimeError(`cannot fetch ${describeKey(key)} from ${describeOwner(from)}`)
  if (typeof from === 'string' || Array.isArray(from)) {
    if (typeof key !== 'number' || !Number.isInteger(key))
      throw new ProgramRuntimeError(`invalid operation: int(${typeName(key)})`)
    const items = typeof from === 'string' ? Array.from(from) : from
    const index = key < 0 ? items.length + key : key
    if (index < 0 || index >= items.length)
      throw new ProgramRuntimeError(`index out of range: ${index} (array length is ${items.length})`)
    return items[index] ?? null
  }
  const name = typeof key === 'number' ? String(key) : key
  if (typeof name !== 'string' || FORBIDDEN.has(name))
    throw new ProgramRuntimeError(`cannot fetch ${describeKey(key)} from ${describeOwner(from)}`)
  if (Object.hasOwn(from, name)) return (from as Record<string, unknown>)[name] ?? null
  if (isMap(from)) return null
  const method = inheritedMethod(from, name)
  if (method !== undefined) return method
  throw new ProgramRuntimeError(`cannot fetch ${name} from ${typeName(from)}`)
}

/** A method a host object's class defines (never one of Object's or Function's own). */
function inheritedMethod(from: object, name: string): unknown {
  for (let proto = Object.getPrototypeOf(from); proto !== null; proto = Object.getPrototypeOf(proto)) {
    if (proto === Object.prototype || proto === Function.prototype) return undefined
    const d = Object.getOwnPropertyDescriptor(proto, name)
    if (d === undefined) continue
    if (d.get !== undefined) return Reflect.apply(d.get, from, []) ?? null
    return typeof d.value === 'function' ? d.value : undefined
  }
  return undefined
}

/** `needle in haystack`: an equal item of an array, a key of a map or a field of a struct; false for nil. */
export function contains(needle: unknown, haystack: unknown): boolean {
  if (isNil(haystack)) return false
  if (Array.isArray(haystack)) return haystack.some((item) => equal(item, needle))
  if (typeof haystack === 'object') {
    if (typeof needle !== 'string' && typeof needle !== 'number') {
      if (isMap(haystack)) return false
      throw new ProgramRuntimeError(`cannot use ${typeName(needle)} as field name of ${typeName(haystack)}`)
    }
    const name = String(needle)
    if (FORBIDDEN.has(name)) return false
    return (
      Object.hasOwn(haystack, name) || (!isMap(haystack) && inheritedMethod(haystack, name) !== undefined)
    )
  }
  throw new ProgramRuntimeError(`operator "in" not defined on ${typeName(haystack)}`)
}

/** `==`: numbers by value (1 == 1.0), arrays and maps deeply, different types are unequal. */
export function equal(a: unknown, b: unknown): boolean {
  if (isNil(a) || isNil(b)) return isNil(a) && isNil(b)
  if (typeof a !== 'object' || typeof b !== 'object') return a === b
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false
    return a.every((item, i) => equal(item, b[i]))
  }
  if (isMap(a) && isMap(b)) {
    const keys = Object.keys(a)
    if (keys.length !== Object.keys(b).length) return false
    return keys.every((k) => Object.hasOwn(b, k) && equal(a[k], b[k]))
  }
  return a === b
}

/** `len(v)`: characters of a string (code points, as Go's runes), items of an array, keys of a map. */
export function length(v: unknown): number {
  if (typeof v === 'string') {
    let n = 0
    for (const _ of v) n++
    return n
  }
  if (Array.isArray(v)) return v.length
  if (isMap(v)) return Object.keys(v).length
  throw new ProgramRuntimeError(`invalid argument for len (type ${typeName(v)})`)
}
