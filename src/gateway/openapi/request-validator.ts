// Validates proxied requests (and optionally responses) against a service's OpenAPI 3.1 document.
// One Ajv 2020 instance per document; the document is registered whole and every schema is
// compiled by JSON pointer into it, so $refs (even circular ones) resolve without dereferencing.
// Schemas compile on an operation's first use: a 1,000-operation document compiles only what is called.
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js'
import addFormatsModule from 'ajv-formats'
import type { OpenApiDocument } from './fetch-document.ts'
import { at, deref, escapePointer } from './json-pointer.ts'
import { compilePathTemplate } from './path-template.ts'

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020

export interface ValidationFailure {
  /** `path`, `query`, `header`, `body`, `operation` or `response`. */
  readonly in: string
  /** Parameter name or JSON pointer into the body. */
  readonly name: string
  readonly message: string
  /** The document's operation (`GET /users/{id}`), on response failures. */
  readonly operation?: string
}

export interface RequestToValidate {
  readonly method: string
  /** The gateway path (without the query string). */
  readonly path: string
  readonly query: URLSearchParams
  readonly headers: Readonly<Record<string, string | string[] | undefined>>
  /** Parsed JSON body when the operation declares one (see OperationValidator.needsBody). */
  readonly body?: unknown
  readonly contentType?: string | undefined
}

interface ParamCheck {
  readonly name: string
  readonly in: 'path' | 'query' | 'header'
  readonly required: boolean
  readonly validate: () => ValidateFunction | undefined
}

interface Operation {
  readonly method: string
  readonly template: string
  readonly regex: RegExp
  readonly pathNames: readonly string[]
  readonly params: readonly ParamCheck[]
  readonly bodyRequired: boolean
  /** Undefined when the operation declares no JSON body schema. */
  readonly body: (() => ValidateFunction | undefined) | undefined
  readonly responses: ReadonlyMap<string, () => ValidateFunction | undefined>
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']

function jsonMedia(content: Record<string, unknown> | undefined): string | undefined {
  if (!content) return undefined
  return Object.keys(content).find((k) => /^application\/(.+\+)?json\b/.test(k) || k === '*/*')
}

export interface OperationValidator {
  /** True when the matching operation declares a JSON body to check (buffer it only then). */
  needsBody(method: string, path: string): boolean
  validateRequest(req: RequestToValidate): ValidationFailure[]
  validateResponse(
    method: string,
    path: string,
    status: number,
    contentType: string | undefined,
    body: unknown,
  ): ValidationFailure[]
}

/** `pathPrefix` is where the document's paths are mounted on the gateway (prefix + server base path). */
export function compileValidator(doc: OpenApiDocument, pathPrefix: string): OperationValidator {
  const opts = { strict: false, allErrors: true, validateSchema: false, validateFormats: true } as const
  const bodyAjv = addFormats(new Ajv2020(opts))
  const paramAjv = addFormats(new Ajv2020({ ...opts, coerceTypes: 'array' }))
  const KEY = 'https://sallyport.invalid/service.json'
  bodyAjv.addSchema(doc, KEY)
  paramAjv.addSchema(doc, KEY)
  /** A validator compiled on first call; undefined when the pointer names nothing. */
  const compile = (ajv: Ajv2020, pointer: string): (() => ValidateFunction | undefined) | undefined => {
    if (at(doc, pointer) === undefined) return undefined
    let compiled: ValidateFunction | undefined
    let tried = false
    return () => {
      if (!tried) {
        tried = true
        try {
          compiled = ajv.compile({ $ref: `${KEY}#${pointer}` })
        } catch {
          compiled = undefined
        }
      }
      return compiled
    }
  }
  const none = () => undefined
  const ops: Operation[] = []
  for (const [template, item] of Object.entries(doc.paths ?? {})) {
    const itemPtr = `/paths/${escapePointer(template)}`
    const { regex, names: pathNames } = compilePathTemplate(pathPrefix, template)
    for (const method of METHODS) {
      const op = (item as Record<string, unknown>)[method] as Record<string, unknown> | undefined
      if (!op) continue
      const opPtr = `${itemPtr}/${method}`
      const params = new Map<string, ParamCheck>()
      const collect = (listPtr: string) => {
        const list = at(doc, listPtr)
        if (!Array.isArray(list)) return
        list.forEach((_, i) => {
          const { pointer, value } = deref(doc, `${listPtr}/${i}`)
          const where = value.in as string
          if (where !== 'path' && where !== 'query' && where !== 'header') return
          const name = String(value.name)
          params.set(`${where}:${where === 'header' ? name.toLowerCase() : name}`, {
            name,
            in: where,
            required: where === 'path' || value.required === true,
            validate: compile(paramAjv, `${pointer}/schema`) ?? none,
          })
        })
      }
      collect(`${itemPtr}/parameters`)
      collect(`${opPtr}/parameters`)
      let body: (() => ValidateFunction | undefined) | undefined
      let bodyRequired = false
      if (op.requestBody) {
        const rb = deref(doc, `${opPtr}/requestBody`)
        bodyRequired = rb.value.required === true
        const media = jsonMedia(rb.value.content as Record<string, unknown> | undefined)
        if (media) body = compile(bodyAjv, `${rb.pointer}/content/${escapePointer(media)}/schema`)
      }
      const responses = new Map<string, () => ValidateFunction | undefined>()
      for (const code of Object.keys((op.responses as Record<string, unknown>) ?? {})) {
        const r = deref(doc, `${opPtr}/responses/${escapePointer(code)}`)
        const media = jsonMedia(r.value.content as Record<string, unknown> | undefined)
        const v = media ? compile(bodyAjv, `${r.pointer}/content/${escapePointer(media)}/schema`) : undefined
        if (v) responses.set(code.toUpperCase(), v)
      }
      ops.push({
        method: method.toUpperCase(),
        template,
        regex,
        pathNames,
        params: [...params.values()],
        bodyRequired,
        body,
        responses,
      })
    }
  }
  // Literal paths before templated ones (`/users/me` before `/users/{id}`).
  ops.sort((a, b) => a.pathNames.length - b.pathNames.length)

  const find = (method: string, path: string) => {
    for (const op of ops) {
      if (op.method !== method.toUpperCase()) continue
      const m = op.regex.exec(path)
      if (m) return { op, values: m.slice(1) }
    }
    return undefined
  }
  const explain = (v: ValidateFunction, where: string, name: string): ValidationFailure[] =>
    (v.errors ?? []).map((e) => ({
      in: where,
      name: where === 'body' ? e.instancePath || '/' : name,
      message:
        `${where === 'body' ? '' : `${name}${e.instancePath ? e.instancePath : ''} `}${e.message ?? 'is invalid'}`.trim(),
    }))

  return {
    needsBody(method, path) {
      const hit = find(method, path)
      return !!hit && (hit.op.body !== undefined || hit.op.bodyRequired)
    },
    validateRequest(req) {
      const hit = find(req.method, req.path)
      if (!hit)
        return [
          {
            in: 'operation',
            name: `${req.method.toUpperCase()} ${req.path}`,
            message: 'the service declares no such operation',
          },
        ]
      const { op, values } = hit
      const failures: ValidationFailure[] = []
      const pathValues = new Map(op.pathNames.map((n, i) => [n, decodeURIComponent(values[i] ?? '')]))
      for (const p of op.params) {
        let value: unknown
        if (p.in === 'path') value = pathValues.get(p.name)
        else if (p.in === 'query') {
          const all = req.query.getAll(p.name)
          value = all.length === 0 ? undefined : all.length === 1 ? all[0] : all
        } else value = req.headers[p.name.toLowerCase()]
        if (value === undefined) {
          if (p.required) failures.push({ in: p.in, name: p.name, message: `${p.name} is required` })
          continue
        }
        const holder = { v: value }
        const validate = p.validate()
        if (validate && !validate(holder.v)) {
          // Coercion happens on a copy: the request itself is forwarded unchanged.
          failures.push(...explain(validate, p.in, p.name))
        }
      }
      if (req.body === undefined) {
        if (op.bodyRequired) failures.push({ in: 'body', name: '/', message: 'request body is required' })
      } else {
        const body = op.body?.()
        if (body && !body(req.body)) failures.push(...explain(body, 'body', ''))
      }
      return failures
    },
    validateResponse(method, path, status, contentType, body) {
      const hit = find(method, path)
      if (!hit || (contentType && !/json/.test(contentType))) return []
      const r = hit.op.responses
      const v = (r.get(String(status)) ?? r.get(`${String(status)[0]}XX`) ?? r.get('DEFAULT'))?.()
      if (!v || v(body)) return []
      const operation = `${hit.op.method} ${hit.op.template}`
      return explain(v, 'body', '').map((f) => ({ ...f, in: 'response', operation }))
    },
  }
}
