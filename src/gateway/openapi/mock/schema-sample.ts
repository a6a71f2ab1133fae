// Sample data from a JSON Schema (OpenAPI 3.1): types, formats, enums, required, min/max, arrays,
// local `$ref`s, allOf/oneOf/anyOf. Runs on the request path, so it is bounded: nesting deeper than
// `maxDepth` keeps only required members, and past `maxNodes` values only what validity needs, so a
// recursive `$ref` or a huge schema ends quickly.
import { at } from '../json-pointer.ts'
import type { Random } from './seeded-random.ts'
import { sampleFromPattern } from './pattern-sample.ts'

export interface SampleOptions {
  readonly random: Random
  /** Use the schema's own `example`/`examples`/`default` (static answers); false generates everything. */
  readonly useExamples: boolean
  /** Leave out `writeOnly` members (a response) or `readOnly` ones (a request). */
  readonly direction: 'response' | 'request'
  readonly maxDepth?: number
  readonly maxNodes?: number
}

export const DEFAULT_MAX_DEPTH = 8
export const DEFAULT_MAX_NODES = 2000
/** Past this depth (or twice maxNodes) nothing more is built: null ends the branch. */
const HARD_EXTRA_DEPTH = 8
const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet']
const BASE_TIME = Date.UTC(2025, 0, 1)
/** minItems, minProperties and minLength beyond these are not met: the answer stays small. */
const MAX_COUNT = 1000
const MAX_LENGTH = 65_536
const YEAR_MS = 365 * 24 * 3600 * 1000

type Schema = Record<string, unknown>

interface State {
  readonly doc: unknown
  readonly opts: SampleOptions
  readonly maxDepth: number
  readonly maxNodes: number
  nodes: number
}

/** A value valid for `schema`, resolving `$ref`s against `doc`. */
export function sampleSchema(doc: unknown, schema: unknown, opts: SampleOptions): unknown {
  const state: State = {
    doc,
    opts,
    maxDepth: opts.maxDepth ?? DEFAULT_MAX_DEPTH,
    maxNodes: opts.maxNodes ?? DEFAULT_MAX_NODES,
    nodes: 0,
  }
  return sample(state, schema, 0)
}

/** The schema a `$ref` names, with the referring object's other keywords laid over it (3.1 allows them). */
function resolve(state: State, schema: unknown): Schema | boolean {
  let s = schema
  for (let i = 0; i < 16; i++) {
    if (!s || typeof s !== 'object') return s !== false
    const ref = (s as Schema).$ref
    if (typeof ref !== 'string' || !ref.startsWith('#')) return s as Schema
    const { $ref: _ref, ...rest } = s as Schema
    const target = at(state.doc, ref.slice(1))
    s = Object.keys(rest).length === 0 ? target : { ...(target as Schema), ...rest }
  }
  return true
}

/** Nested allOf levels merged at most (a schema whose allOf refers back to itself ends here). */
const MAX_ALLOF_DEPTH = 16

/**
 * allOf as one schema: properties and required joined, other keywords laid over each other. A `$ref`
 * already being merged is skipped and nesting is bounded, so `A: {allOf: [{$ref: A}]}` ends.
 */
function mergeAll(state: State, base: Schema, parts: unknown[], depth = 0, seen = new Set<string>()): Schema {
  const { allOf: _allOf, ...rest } = base
  let out: Schema = { ...rest }
  for (const part of parts) {
    const ref = part && typeof part === 'object' ? (part as Schema).$ref : undefined
    if (typeof ref === 'string') {
      if (seen.has(ref)) continue
      seen = new Set(seen).add(ref)
    }
    state.nodes++
    let p = resolve(state, part)
    if (typeof p === 'boolean') continue
    if (Array.isArray(p.allOf))
      p = depth < MAX_ALLOF_DEPTH ? mergeAll(state, p, p.allOf, depth + 1, seen) : { ...p, allOf: undefined }
    const properties = { ...(out.properties as Schema), ...(p.properties as Schema) }
    const required = [
      ...new Set([...((out.required as string[]) ?? []), ...((p.required as string[]) ?? [])]),
    ]
    out = { ...out, ...p, properties, required }
  }
  return out
}

function sample(state: State, raw: unknown, depth: number): unknown {
  state.nodes++
  if (depth > state.maxDepth + HARD_EXTRA_DEPTH || state.nodes > state.maxNodes * 2) return null
  let s = resolve(state, raw)
  if (s === true) return 'string'
  if (s === false) return null
  if ('const' in s) return s.const
  if (state.opts.useExamples) {
    if (s.example !== undefined) return s.example
    if (Array.isArray(s.examples) && s.examples.length > 0) return s.examples[0]
    if (s.default !== undefined) return s.default
  }
  if (Array.isArray(s.enum) && s.enum.length > 0) return pick(state, s.enum)
  if (Array.isArray(s.allOf)) s = mergeAll(state, s, s.allOf)
  // The first alternative: with oneOf, the one most likely to match only itself.
  const alternatives = Array.isArray(s.oneOf) ? s.oneOf : Array.isArray(s.anyOf) ? s.anyOf : undefined
  if (alternatives && alternatives.length > 0) {
    const { oneOf: _o, anyOf: _a, ...rest } = s
    const chosen = resolve(state, alternatives[0])
    return sample(state, typeof chosen === 'boolean' ? rest : mergeAll(state, rest, [chosen]), depth)
  }
  switch (typeOf(s)) {
    case 'object':
      return sampleObject(state, s, depth)
    case 'array':
      return sampleArray(state, s, depth)
    case 'integer':
      return sampleNumber(state, s, true)
    case 'number':
      return sampleNumber(state, s, false)
    case 'boolean':
      return state.opts.random() < 0.5
    case 'null':
      return null
    default:
      return sampleString(state, s)
  }
}

function typeOf(s: Schema): string {
  const t = s.type
  if (typeof t === 'string') return t
  if (Array.isArray(t)) return (t.find((x) => x !== 'null') ?? t[0] ?? 'string') as string
  if (s.properties || s.required || s.additionalProperties) return 'object'
  if (s.items || s.prefixItems) return 'array'
  if (s.minimum !== undefined || s.maximum !== undefined || s.multipleOf !== undefined) return 'number'
  return 'string'
}

function pick<T>(state: State, list: readonly T[]): T {
  return list[Math.floor(state.opts.random() * list.length)] as T
}

/** Past the limits only what validity needs is built. */
function lean(state: State, depth: number): boolean {
  return depth >= state.maxDepth || state.nodes >= state.maxNodes
}

function sampleObject(state: State, s: Schema, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  const required = new Set(Array.isArray(s.required) ? (s.required as string[]) : [])
  const properties = (s.properties ?? {}) as Schema
  const skip = state.opts.direction === 'response' ? 'writeOnly' : 'readOnly'
  for (const [name, sub] of Object.entries(properties)) {
    if (!required.has(name)) {
      if (lean(state, depth)) continue
      const r = resolve(state, sub)
      if (typeof r === 'object' && r[skip] === true) continue
    }
    out[name] = sample(state, sub, depth + 1)
  }
  const extra = typeof s.additionalProperties === 'object' ? s.additionalProperties : {}
  for (const name of required) if (!(name in out)) out[name] = sample(state, extra, depth + 1)
  const min = typeof s.minProperties === 'number' ? Math.min(s.minProperties, MAX_COUNT) : 0
  for (let i = 1; Object.keys(out).length < min && s.additionalProperties !== false; i++)
    if (!(`property${i}` in out)) out[`property${i}`] = sample(state, extra, depth + 1)
  return out
}

function sampleArray(state: State, s: Schema, depth: number): unknown[] {
  const min = typeof s.minItems === 'number' ? Math.min(s.minItems, MAX_COUNT) : 0
  const max = typeof s.maxItems === 'number' ? s.maxItems : Number.POSITIVE_INFINITY
  const prefix = Array.isArray(s.prefixItems) ? s.prefixItems : []
  const wanted = lean(state, depth)
    ? min
    : Math.max(min, prefix.length, state.opts.useExamples ? 1 : 1 + Math.floor(state.opts.random() * 3))
  const n = Math.min(wanted, max)
  const out: unknown[] = []
  const seen = new Set<string>()
  for (let i = 0; i < n; i++) {
    const sub = i < prefix.length ? prefix[i] : s.items === undefined ? {} : s.items
    if (sub === false) break
    let value = sample(state, sub, depth + 1)
    // uniqueItems: a few more draws for a value not yet in the list.
    for (let tries = 0; s.uniqueItems === true && seen.has(JSON.stringify(value)) && tries < 4; tries++)
      value = sample(
        state,
        { ...(resolve(state, sub) as Schema), example: undefined, examples: undefined, default: undefined },
        depth + 1,
      )
    if (s.uniqueItems === true) {
      if (seen.has(JSON.stringify(value))) break
      seen.add(JSON.stringify(value))
    }
    out.push(value)
  }
  return out
}

function sampleNumber(state: State, s: Schema, integer: boolean): number {
  const num = (v: unknown) => (typeof v === 'number' ? v : undefined)
  const exMin = num(s.exclusiveMinimum)
  const exMax = num(s.exclusiveMaximum)
  let lo = num(s.minimum) ?? (exMin !== undefined ? exMin : undefined)
  let hi = num(s.maximum) ?? (exMax !== undefined ? exMax : undefined)
  if (s.format === 'int32' || s.format === 'int8' || s.format === 'uint8') {
    lo = Math.max(lo ?? -(2 ** 31), s.format === 'int8' ? -128 : s.format === 'uint8' ? 0 : -(2 ** 31))
    hi = Math.min(hi ?? 2 ** 31 - 1, s.format === 'int8' ? 127 : s.format === 'uint8' ? 255 : 2 ** 31 - 1)
  }
  lo ??= hi === undefined ? 0 : Math.min(0, hi - 1000)
  hi ??= lo + 1000
  const step = num(s.multipleOf) ?? (integer ? 1 : 0)
  if (step > 0) {
    let first = Math.ceil(lo / step) * step
    if (exMin !== undefined && first <= exMin) first += step
    let last = Math.floor(hi / step) * step
    if (exMax !== undefined && last >= exMax) last -= step
    if (last < first) return first
    const count = Math.floor((last - first) / step) + 1
    const value = first + Math.floor(state.opts.random() * count) * step
    return integer ? Math.round(value) : Number(value.toPrecision(12))
  }
  let value = Math.round((lo + state.opts.random() * (hi - lo)) * 100) / 100
  if (
    (exMin !== undefined && value <= exMin) ||
    (exMax !== undefined && value >= exMax) ||
    value < lo ||
    value > hi
  )
    value = (lo + hi) / 2
  return value
}

function sampleString(state: State, s: Schema): string {
  const r = state.opts.random
  const n = Math.floor(r() * 1000)
  const time = new Date(BASE_TIME + Math.floor(r() * YEAR_MS)).toISOString().replace(/\.\d+Z$/, 'Z')
  let value: string | undefined
  switch (s.format) {
    case 'date-time':
      value = time
      break
    case 'date':
      value = time.slice(0, 10)
      break
    case 'time':
      value = time.slice(11)
      break
    case 'email':
      value = `${pick(state, WORDS)}${n}@example.com`
      break
    case 'uri':
    case 'url':
    case 'iri':
      value = `https://example.com/${pick(state, WORDS)}/${n}`
      break
    case 'uri-reference':
    case 'iri-reference':
      value = `/${pick(state, WORDS)}/${n}`
      break
    case 'uuid':
      value = uuid(r)
      break
    case 'hostname':
    case 'idn-hostname':
      value = `${pick(state, WORDS)}${n}.example.com`
      break
    case 'ipv4':
      value = `192.0.2.${n % 255}`
      break
    case 'ipv6':
      value = `2001:db8::${n.toString(16)}`
      break
    case 'byte':
      value = Buffer.from(`${pick(state, WORDS)}-${n}`).toString('base64')
      break
    case 'duration':
      value = `P${1 + (n % 30)}D`
      break
    case 'regex':
      value = '^[a-z]+$'
      break
  }
  if (value === undefined && typeof s.pattern === 'string') value = sampleFromPattern(s.pattern, r)
  value ??= `${pick(state, WORDS)}-${n}`
  const min = typeof s.minLength === 'number' ? Math.min(s.minLength, MAX_LENGTH) : 0
  const max = typeof s.maxLength === 'number' ? s.maxLength : Number.POSITIVE_INFINITY
  // Lengths count code points; the values built here are ASCII.
  while (value.length < min) value += 'x'.repeat(Math.min(min - value.length, 64))
  if (value.length > max) value = value.slice(0, max)
  return value
}

function uuid(r: Random): string {
  let hex = ''
  for (let i = 0; i < 32; i++) hex += Math.floor(r() * 16).toString(16)
  const variant = ((Number.parseInt(hex[16] as string, 16) & 0x3) | 0x8).toString(16)
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`
}
