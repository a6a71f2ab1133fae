// Answers a request from one service's OpenAPI 3.1 document, the way Prism's mock server decides
// (docs/guides/01-mocking.md): the operation by method and path template, the request validated
// first (an invalid one gets the operation's 422, 400 or default response, else a validation problem),
// the lowest 2xx unless `Prefer: code=` picks another, the media type by `Accept` (406 when none
// fits), then the named or first example, else data sampled from the schema with a seed.
import type { MockRequest, MockResult } from '../../policies/mock-answer.ts'
import type { OpenApiDocument } from '../fetch-document.ts'
import { at, deref, escapePointer } from '../json-pointer.ts'
import { serverBasePath } from '../merge-documents.ts'
import { compilePathTemplate } from '../path-template.ts'
import { compileValidator, type OperationValidator } from '../request-validator.ts'
import { negotiateMediaType } from './media-negotiation.ts'
import { parsePrefer } from './prefer.ts'
import { sampleSchema } from './schema-sample.ts'
import { seededRandom, seedFor } from './seeded-random.ts'

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']
/** Response failures named in the violations header, at most. */
const MAX_LISTED_VIOLATIONS = 3

interface MockOperation {
  readonly method: string
  readonly template: string
  readonly regex: RegExp
  readonly names: number
  /** JSON pointer of the operation object. */
  readonly pointer: string
}

export interface MockDocument {
  needsBody(method: string, path: string): boolean
  answer(req: MockRequest): MockResult
}

const isJson = (media: string) => /^application\/(.+\+)?json\b/.test(media) || media === '*/*'

export function compileMockDocument(doc: OpenApiDocument, service: string): MockDocument {
  const base = serverBasePath(doc)
  const ops: MockOperation[] = []
  for (const [template, item] of Object.entries(doc.paths ?? {})) {
    if (!item || typeof item !== 'object') continue
    for (const method of METHODS) {
      if (!(item as Record<string, unknown>)[method]) continue
      const { regex, names } = compilePathTemplate('', template)
      ops.push({
        method: method.toUpperCase(),
        template,
        regex,
        names: names.length,
        pointer: `/paths/${escapePointer(template)}/${method}`,
      })
    }
  }
  // Literal paths before templated ones (`/users/me` before `/users/{id}`), as validation does.
  ops.sort((a, b) => a.names - b.names)
  let validator: OperationValidator | undefined
  const validatorOf = () => {
    validator ??= compileValidator(doc, '')
    return validator
  }

  /** The operation and the path as its template sees it (the server's base path taken off if there). */
  const findExactly = (m: string, path: string) => {
    const paths = base !== '' && path.startsWith(`${base}/`) ? [path.slice(base.length), path] : [path]
    for (const p of paths)
      for (const op of ops) if (op.method === m && op.regex.test(p)) return { op, path: p }
    return undefined
  }
  /** HEAD is answered as GET where the document declares no HEAD (the exchange drops the body). */
  const find = (method: string, path: string) => {
    const m = method.toUpperCase()
    return findExactly(m, path) ?? (m === 'HEAD' ? findExactly('GET', path) : undefined)
  }

  const responseFor = (op: MockOperation, code: string): { status: number; pointer: string } | undefined => {
    const responses = (at(doc, `${op.pointer}/responses`) ?? {}) as Record<string, unknown>
    const keys = Object.keys(responses)
    const exact = keys.find((k) => k === code)
    const range = keys.find((k) => k.toUpperCase() === `${code[0]}XX`)
    const key = exact ?? range ?? (keys.includes('default') ? 'default' : undefined)
    if (key === undefined) return undefined
    return { status: Number(code), pointer: `${op.pointer}/responses/${escapePointer(key)}` }
  }

  const lowestSuccess = (op: MockOperation): { status: number; pointer: string } | undefined => {
    const keys = Object.keys((at(doc, `${op.pointer}/responses`) ?? {}) as Record<string, unknown>)
    const codes = keys.filter((k) => /^2\d\d$/.test(k)).sort()
    const code = codes[0] ?? (keys.some((k) => k.toUpperCase() === '2XX') ? '200' : undefined)
    if (code !== undefined) return responseFor(op, code)
    return keys.includes('default') ? { status: 200, pointer: `${op.pointer}/responses/default` } : undefined
  }

  return {
    needsBody(method, path) {
      const hit = find(method, path)
      return !!hit && validatorOf().needsBody(hit.op.method, hit.path)
    },
    answer(req) {
      const method = req.method.toUpperCase()
      const hit = find(method, req.path)
      if (!hit)
        return {
          kind: 'problem',
          problem: 'operation-not-found',
          detail: `no operation ${method} ${req.path} in ${service}'s document`,
        }
      const { op, path } = hit
      const prefer = parsePrefer(req.headers.prefer, req.query)
      const failures = validatorOf()
        .validateRequest({ method: op.method, path, query: req.query, headers: req.headers, body: req.body })
        .filter((f) => req.bodyRead || f.in !== 'body')
      let chosen: { status: number; pointer: string } | undefined
      if (failures.length > 0) {
        // As Prism: the operation's own answer for an invalid request, when it declares one.
        chosen = responseFor(op, '422') ?? responseFor(op, '400')
        if (chosen && /\/default$/.test(chosen.pointer)) chosen = { ...chosen, status: 400 }
        if (!chosen)
          return {
            kind: 'problem',
            problem: 'validation-failed',
            detail: `request does not match ${service}'s document: ${failures.map((f) => f.message).join('; ')}`,
            extra: { errors: failures },
          }
      } else if (prefer.code !== undefined) {
        chosen = responseFor(op, String(prefer.code))
        if (!chosen)
          return {
            kind: 'problem',
            problem: 'mock-failed',
            detail: `${method} ${op.template} in ${service}'s document declares no response ${prefer.code} (it has: ${declared(op)})`,
          }
      } else {
        chosen = lowestSuccess(op)
        if (!chosen)
          return {
            kind: 'problem',
            problem: 'mock-failed',
            detail: `${method} ${op.template} in ${service}'s document declares no 2xx or default response`,
          }
      }
      const response = deref(doc, chosen.pointer)
      const headers: Record<string, string> = { 'x-sallyport-mock': 'true' }
      const random = seededRandom(
        prefer.dynamic
          ? Math.floor(Math.random() * 4294967296)
          : seedFor(req.seed, `${method} ${req.path}?${req.query.toString()}|${chosen.status}`),
      )
      const sampling = { random, useExamples: !prefer.dynamic, direction: 'response' } as const
      addDeclaredHeaders(doc, response, headers, sampling)
      const content = (response.value.content ?? {}) as Record<string, unknown>
      const types = Object.keys(content)
      // 204 and 304 have no content whatever the document says; a 204 has no Content-Length either.
      if (chosen.status === 204 || chosen.status === 304 || types.length === 0) {
        if (chosen.status !== 204) headers['content-length'] = '0'
        return { kind: 'answer', status: chosen.status, headers, body: Buffer.alloc(0) }
      }
      const accept = req.headers.accept
      const type = negotiateMediaType(Array.isArray(accept) ? accept.join(',') : accept, types)
      if (type === undefined)
        return {
          kind: 'problem',
          problem: 'not-acceptable',
          detail: `${method} ${op.template} answers ${types.join(', ')}; Accept: ${String(accept)}`,
        }
      const mediaPointer = `${response.pointer}/content/${escapePointer(type)}`
      const media = (content[type] ?? {}) as Record<string, unknown>
      let value: unknown
      if (prefer.example !== undefined) {
        const examples = (media.examples ?? {}) as Record<string, unknown>
        if (!Object.hasOwn(examples, prefer.example))
          return {
            kind: 'problem',
            problem: 'mock-failed',
            detail: `${method} ${op.template} ${chosen.status} ${type} has no example '${prefer.example}' (it has: ${Object.keys(examples).join(', ') || 'none'})`,
          }
        value = deref(doc, `${mediaPointer}/examples/${escapePointer(prefer.example)}`).value.value
      } else if (!prefer.dynamic && media.example !== undefined) value = media.example
      else if (!prefer.dynamic && firstExample(doc, mediaPointer, media) !== undefined)
        value = firstExample(doc, mediaPointer, media)
      else if (media.schema !== undefined) value = sampleSchema(doc, media.schema, sampling)
      const contentType = type.includes('*') ? 'application/json' : type
      const json = isJson(contentType)
      const text =
        value === undefined ? '' : !json && typeof value === 'string' ? value : JSON.stringify(value)
      const body = Buffer.from(text)
      headers['content-type'] = fieldValue(contentType)
      headers['content-length'] = String(body.length)
      // A mock answer is checked like an upstream's: an example that breaks its own schema is named.
      if (json && value !== undefined) {
        const violations = validatorOf().validateResponse(op.method, path, chosen.status, contentType, value)
        if (violations.length > 0)
          headers['x-sallyport-mock-violations'] = fieldValue(
            violations
              .slice(0, MAX_LISTED_VIOLATIONS)
              .map((v) => `${v.name} ${v.message}`)
              .join('; '),
          )
      }
      return { kind: 'answer', status: chosen.status, headers, body }
    },
  }

  function declared(op: MockOperation): string {
    return (
      Object.keys((at(doc, `${op.pointer}/responses`) ?? {}) as Record<string, unknown>).join(', ') || 'none'
    )
  }
}

/** The first of `examples` with a value (`$ref`s to components followed); undefined when none has one. */
function firstExample(doc: unknown, mediaPointer: string, media: Record<string, unknown>): unknown {
  const examples = media.examples
  if (!examples || typeof examples !== 'object') return undefined
  for (const name of Object.keys(examples)) {
    const ex = deref(doc, `${mediaPointer}/examples/${escapePointer(name)}`).value
    if (ex.value !== undefined) return ex.value
  }
  return undefined
}

/** A document's text as a field value: what is not printable ASCII would make the answer unsendable. */
function fieldValue(text: string): string {
  return text.replace(/[^\t\x20-\x7e]/g, '?')
}

/** RFC 9110 token: a declared header with another name is left out. */
const FIELD_NAME = /^[!#$%&'*+.^_`|~0-9a-z-]+$/
/** Fields the answer sets itself or that belong to the connection. */
const OWN_FIELDS = new Set([
  'content-type',
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'trailer',
  'x-sallyport-mock',
  'x-sallyport-mock-violations',
])

/** The response's declared headers, from their example or schema (never framing fields). */
function addDeclaredHeaders(
  doc: unknown,
  response: { pointer: string; value: Record<string, unknown> },
  out: Record<string, string>,
  sampling: Parameters<typeof sampleSchema>[2],
): void {
  const declared = response.value.headers
  if (!declared || typeof declared !== 'object') return
  for (const name of Object.keys(declared)) {
    const lower = name.toLowerCase()
    if (!FIELD_NAME.test(lower) || OWN_FIELDS.has(lower)) continue
    const h = deref(doc, `${response.pointer}/headers/${escapePointer(name)}`).value
    const value = h.example ?? (h.schema === undefined ? undefined : sampleSchema(doc, h.schema, sampling))
    if (value !== undefined && value !== null)
      out[lower] = fieldValue(typeof value === 'string' ? value : JSON.stringify(value))
  }
}
