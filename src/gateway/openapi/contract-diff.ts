// What changed between two versions of a service's OpenAPI document (both in their 3.1 form), and
// whether a client written against the old one can break: operations added and removed, parameters,
// request bodies and responses, and their JSON schemas compared in the direction data flows (a new
// required request field breaks callers; a removed response field breaks readers). Runs in the OpenAPI
// worker; bounded in depth and in the number of schema nodes visited, so a huge or recursive document
// costs a bounded amount of work.
import type { OpenApiDocument } from './fetch-document.ts'
import { at } from './json-pointer.ts'

export type ContractChangeKind =
  | 'operation-added'
  | 'operation-removed'
  | 'parameter-added'
  | 'parameter-removed'
  | 'parameter-changed'
  | 'request-body-changed'
  | 'response-added'
  | 'response-removed'
  | 'schema-changed'

export interface ContractChange {
  readonly kind: ContractChangeKind
  /** `GET /users/{id}` as the new document names it (the old one for a removal). */
  readonly operation: string
  /** One sentence: where and what. */
  readonly detail: string
  readonly breaking: boolean
}

export interface ContractDiff {
  readonly added: number
  readonly removed: number
  /** Operations in both documents with at least one change. */
  readonly changed: number
  readonly breaking: number
  readonly changes: readonly ContractChange[]
  /** More changes were found than are listed (MAX_CHANGES). */
  readonly truncated: boolean
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']
export const MAX_CHANGES = 200
const MAX_DEPTH = 8
const MAX_NODES = 20_000

type Obj = Record<string, unknown>
type Direction = 'request' | 'response'

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)

/** `{id}` and `{userId}` are the same path to a client. */
const pathKey = (method: string, template: string) => `${method} ${template.replace(/\{[^}]*\}/g, '{}')}`

/** Follows local `$ref`s (a few hops): parameters, bodies, responses and schemas may all be references. */
function deref(doc: OpenApiDocument, value: unknown): Obj {
  let v = value
  for (let i = 0; i < 10 && isObj(v) && typeof v.$ref === 'string'; i++)
    v = v.$ref.startsWith('#/') ? at(doc, v.$ref.slice(1)) : undefined
  return isObj(v) ? v : {}
}

interface Operation {
  readonly name: string
  readonly op: Obj
  readonly params: Map<string, Obj>
}

function operations(doc: OpenApiDocument): Map<string, Operation> {
  const out = new Map<string, Operation>()
  for (const [template, rawItem] of Object.entries(doc.paths ?? {})) {
    const item = deref(doc, rawItem)
    for (const method of METHODS) {
      const op = item[method]
      if (!isObj(op)) continue
      const params = new Map<string, Obj>()
      for (const list of [item.parameters, op.parameters])
        if (Array.isArray(list))
          for (const raw of list) {
            const p = deref(doc, raw)
            if (typeof p.name === 'string' && typeof p.in === 'string') params.set(`${p.in}:${p.name}`, p)
          }
      out.set(pathKey(method.toUpperCase(), template), {
        name: `${method.toUpperCase()} ${template}`,
        op,
        params,
      })
    }
  }
  return out
}

function typeOf(schema: Obj): string | undefined {
  const t = schema.type
  if (Array.isArray(t)) return [...t].sort().join('|')
  return typeof t === 'string' ? t : undefined
}

class Differ {
  readonly changes: ContractChange[] = []
  truncated = false
  nodes = 0
  changedOperations = 0
  readonly #before: OpenApiDocument
  readonly #after: OpenApiDocument

  constructor(before: OpenApiDocument, after: OpenApiDocument) {
    this.#before = before
    this.#after = after
  }

  add(change: ContractChange): void {
    if (this.changes.length < MAX_CHANGES) this.changes.push(change)
    else this.truncated = true
  }

  /** Schemas compared in the direction data flows; `where` names the spot for the sentence. */
  schema(
    op: string,
    where: string,
    a: unknown,
    b: unknown,
    dir: Direction,
    depth = 0,
    seen = new Set<string>(),
  ) {
    if (depth > MAX_DEPTH || ++this.nodes > MAX_NODES) return
    // A recursive schema ($ref back to itself) is compared once per pair of references.
    const refs = `${isObj(a) ? a.$ref : ''}|${isObj(b) ? b.$ref : ''}`
    if (refs !== '|') {
      if (seen.has(refs)) return
      seen = new Set(seen).add(refs)
    }
    const before = deref(this.#before, a)
    const after = deref(this.#after, b)
    const change = (detail: string, breaking: boolean) =>
      this.add({ kind: 'schema-changed', operation: op, detail: `${where}: ${detail}`, breaking })
    const ta = typeOf(before)
    const tb = typeOf(after)
    if (ta !== tb && ta !== undefined && tb !== undefined) {
      change(`type ${ta} → ${tb}`, true)
      return
    }
    if (before.format !== after.format && before.format !== undefined && after.format !== undefined)
      change(`format ${String(before.format)} → ${String(after.format)}`, true)
    const ea = Array.isArray(before.enum) ? before.enum.map(String) : undefined
    const eb = Array.isArray(after.enum) ? after.enum.map(String) : undefined
    if (ea && eb) {
      const gone = ea.filter((v) => !eb.includes(v))
      const fresh = eb.filter((v) => !ea.includes(v))
      // A caller may still send a removed value; a reader may not know a new one.
      if (gone.length > 0) change(`enum value(s) ${gone.join(', ')} removed`, dir === 'request')
      if (fresh.length > 0) change(`enum value(s) ${fresh.join(', ')} added`, dir === 'response')
    }
    const pa = isObj(before.properties) ? before.properties : {}
    const pb = isObj(after.properties) ? after.properties : {}
    const ra = new Set(Array.isArray(before.required) ? before.required.map(String) : [])
    const rb = new Set(Array.isArray(after.required) ? after.required.map(String) : [])
    for (const name of Object.keys(pa)) {
      if (!(name in pb)) change(`property ${name} removed`, dir === 'response')
      else this.schema(op, `${where}.${name}`, pa[name], pb[name], dir, depth + 1, seen)
    }
    for (const name of Object.keys(pb))
      if (!(name in pa))
        change(
          `property ${name} added${rb.has(name) ? ' (required)' : ''}`,
          dir === 'request' && rb.has(name),
        )
    for (const name of rb)
      if (!ra.has(name) && name in pa) change(`property ${name} is now required`, dir === 'request')
    for (const name of ra)
      if (!rb.has(name) && name in pb) change(`property ${name} is no longer required`, dir === 'response')
    if (before.items !== undefined || after.items !== undefined)
      this.schema(op, `${where}[]`, before.items, after.items, dir, depth + 1, seen)
  }

  operation(name: string, a: Operation, b: Operation): void {
    const before = this.changes.length
    for (const [key, pa] of a.params) {
      const pb = b.params.get(key)
      const label = `${String(pa.in)} parameter ${String(pa.name)}`
      if (!pb) {
        this.add({ kind: 'parameter-removed', operation: name, detail: `${label} removed`, breaking: false })
        continue
      }
      if (pb.required === true && pa.required !== true)
        this.add({
          kind: 'parameter-changed',
          operation: name,
          detail: `${label} is now required`,
          breaking: true,
        })
      const sa = deref(this.#before, pa.schema)
      const sb = deref(this.#after, pb.schema)
      if (typeOf(sa) !== typeOf(sb) && typeOf(sa) && typeOf(sb))
        this.add({
          kind: 'parameter-changed',
          operation: name,
          detail: `${label}: type ${typeOf(sa)} → ${typeOf(sb)}`,
          breaking: true,
        })
      else this.schema(name, label, pa.schema, pb.schema, 'request')
    }
    for (const [key, pb] of b.params)
      if (!a.params.has(key))
        this.add({
          kind: 'parameter-added',
          operation: name,
          detail: `${String(pb.in)} parameter ${String(pb.name)} added${pb.required === true ? ' (required)' : ''}`,
          breaking: pb.required === true,
        })

    const ba = deref(this.#before, a.op.requestBody)
    const bb = deref(this.#after, b.op.requestBody)
    if (bb.required === true && ba.required !== true)
      this.add({
        kind: 'request-body-changed',
        operation: name,
        detail: 'request body is now required',
        breaking: true,
      })
    const qa = jsonSchemaRef(ba.content)
    const qb = jsonSchemaRef(bb.content)
    if (qa !== undefined && qb !== undefined) this.schema(name, 'request body', qa, qb, 'request')
    else if (qa !== qb)
      this.add({
        kind: 'request-body-changed',
        operation: name,
        detail: `request body ${qa === undefined ? 'added' : 'removed'}`,
        // A body the operation now requires breaks callers that send none (said above when required).
        breaking: false,
      })

    const ra = isObj(a.op.responses) ? a.op.responses : {}
    const rb = isObj(b.op.responses) ? b.op.responses : {}
    for (const status of Object.keys(ra)) {
      if (!(status in rb)) {
        this.add({
          kind: 'response-removed',
          operation: name,
          detail: `response ${status} removed`,
          breaking: /^2/.test(status),
        })
        continue
      }
      const xa = deref(this.#before, ra[status])
      const xb = deref(this.#after, rb[status])
      const schemaA = jsonSchemaRef(xa.content)
      const schemaB = jsonSchemaRef(xb.content)
      if (schemaA !== undefined && schemaB !== undefined)
        this.schema(name, `response ${status} body`, schemaA, schemaB, 'response')
      else if (schemaA !== schemaB)
        // A body documented for the first time (or no longer): nothing a client relied on changes shape.
        this.add({
          kind: 'schema-changed',
          operation: name,
          detail: `response ${status} body schema ${schemaA === undefined ? 'added' : 'removed'}`,
          breaking: false,
        })
    }
    for (const status of Object.keys(rb))
      if (!(status in ra))
        this.add({
          kind: 'response-added',
          operation: name,
          detail: `response ${status} added`,
          breaking: false,
        })
    if (this.changes.length > before) this.changedOperations++
  }
}

/** The JSON media type's schema as written (a `$ref` kept, so recursion is detected by reference). */
function jsonSchemaRef(content: unknown): unknown {
  if (!isObj(content)) return undefined
  // The same test as request-validator.ts's jsonMedia, which stays out of the worker (it loads Ajv).
  const media = Object.keys(content).find((k) => /^application\/(.+\+)?json\b/.test(k) || k === '*/*')
  return media ? (content[media] as Obj | undefined)?.schema : undefined
}

export function diffContracts(before: OpenApiDocument, after: OpenApiDocument): ContractDiff {
  const a = operations(before)
  const b = operations(after)
  const d = new Differ(before, after)
  let added = 0
  let removed = 0
  for (const [key, op] of a)
    if (!b.has(key)) {
      removed++
      d.add({ kind: 'operation-removed', operation: op.name, detail: `${op.name} removed`, breaking: true })
    }
  for (const [key, op] of b)
    if (!a.has(key)) {
      added++
      d.add({ kind: 'operation-added', operation: op.name, detail: `${op.name} added`, breaking: false })
    }
  for (const [key, opA] of a) {
    const opB = b.get(key)
    if (opB) d.operation(opB.name, opA, opB)
  }
  return {
    added,
    removed,
    changed: d.changedOperations,
    breaking: d.changes.filter((c) => c.breaking).length,
    changes: d.changes,
    truncated: d.truncated,
  }
}
