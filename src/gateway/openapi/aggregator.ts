// Keeps every service's OpenAPI document: which services have one follows the live snapshot (route
// metadata `openapi`, set by FARP discovery or written in the config file); documents are fetched
// with a timeout and refreshed periodically; the merged document is rebuilt only when one changed.
import type { ServerResponse } from 'node:http'
import type { ConfigWatcher } from '../config/watcher.ts'
import type { Snapshot } from '../config/snapshot.ts'
import type { OpenApiServiceView, OpenApiValidateMode } from '../model/index.ts'
import { OPENAPI_METADATA_KEY, OPENAPI_VALIDATE_METADATA_KEY } from '../model/metadata-keys.ts'
import { sendProblem } from '../http/problem.ts'
import type { RequestValidator } from '../policies/openapi-validation.ts'
import { contentHash } from '../util/content-hash.ts'
import { fetchOpenApiDocument, type LoadedDocument, type OpenApiDocument } from './fetch-document.ts'
import { gatewayPathPrefix, mergeDocuments } from './merge-documents.ts'
import { compileValidator, type OperationValidator, type ValidationFailure } from './request-validator.ts'

export const DEFAULT_OPENAPI_REFRESH_MS = 30_000
export const DEFAULT_OPENAPI_TIMEOUT_MS = 10_000

interface ServiceDoc {
  service: string
  url: string
  prefix: string
  routeIds: string[]
  validate: OpenApiValidateMode
  loaded?: LoadedDocument
  hash?: string
  error?: string
  fetchedAt?: string
  inflight?: Promise<void>
  validator?: OperationValidator
  violations: number
}

export interface OpenApiAggregatorOptions {
  readonly watcher: ConfigWatcher
  readonly refreshMs?: number
  readonly timeoutMs?: number
  readonly title?: string
  readonly version?: string
}

/** Validation (route metadata `openapiValidate`) is the RequestValidator the policies call. */
export interface OpenApiAggregator extends RequestValidator {
  services(): OpenApiServiceView[]
  /** The service's document as it serves it, before merging. */
  document(service: string): OpenApiDocument | undefined
  has(service: string): boolean
  merged(serverUrl: string): OpenApiDocument
  refresh(): Promise<void>
  close(): Promise<void>
}

function validateMode(value: string | undefined): OpenApiValidateMode {
  return value === 'request' || value === 'response' || value === 'both' ? value : 'off'
}

/** Which services have a document, from the routes of a snapshot (highest priority first). */
export function openApiSources(
  snapshot: Snapshot,
): { service: string; url: string; prefix: string; routeId: string; validate: OpenApiValidateMode }[] {
  const out = new Map<string, ReturnType<typeof openApiSources>[number]>()
  const routes = [...snapshot.routes].sort((a, b) => b.priority - a.priority)
  for (const r of routes) {
    const ref = r.config.metadata?.[OPENAPI_METADATA_KEY]
    if (!ref || !r.enabled) continue
    let url: string
    try {
      url = new URL(ref, r.targets[0]?.url.replace(/^ws/, 'http')).href
    } catch {
      continue
    }
    const service = r.serviceName ?? r.id
    if (out.has(service)) continue
    const prefix = r.pathType === 'prefix' && r.stripPrefix && r.matchPath !== '/' ? r.matchPath : ''
    out.set(service, {
      service,
      url,
      prefix,
      routeId: r.id,
      validate: validateMode(r.config.metadata?.[OPENAPI_VALIDATE_METADATA_KEY]),
    })
  }
  return [...out.values()]
}

export function createOpenApiAggregator(opts: OpenApiAggregatorOptions): OpenApiAggregator {
  const docs = new Map<string, ServiceDoc>()
  const byRoute = new Map<string, ServiceDoc>()
  const timeoutMs = opts.timeoutMs ?? DEFAULT_OPENAPI_TIMEOUT_MS
  let generation = 0
  let cache: { key: string; doc: OpenApiDocument } | undefined
  let closed = false

  function fetchOne(d: ServiceDoc): Promise<void> {
    d.inflight ??= (async () => {
      try {
        const loaded = await fetchOpenApiDocument(d.url, timeoutMs)
        const hash = contentHash(loaded.original)
        d.error = undefined
        d.fetchedAt = new Date().toISOString()
        if (hash !== d.hash) {
          d.loaded = loaded
          d.hash = hash
          d.validator = undefined
          generation++
        }
      } catch (err) {
        // A broken document is reported for its service; the last good one keeps being merged.
        if (d.error !== (err as Error).message) generation++
        d.error = (err as Error).message
        d.fetchedAt = new Date().toISOString()
      } finally {
        d.inflight = undefined
      }
    })()
    return d.inflight
  }

  function reconcile(snapshot: Snapshot): void {
    const wanted = openApiSources(snapshot)
    const names = new Set(wanted.map((w) => w.service))
    for (const name of docs.keys())
      if (!names.has(name)) {
        docs.delete(name)
        generation++
      }
    byRoute.clear()
    for (const w of wanted) {
      let d = docs.get(w.service)
      if (!d || d.url !== w.url) {
        d = { ...w, routeIds: [], violations: 0 }
        docs.set(w.service, d)
        generation++
        if (!closed) void fetchOne(d)
      } else if (d.prefix !== w.prefix) {
        d.prefix = w.prefix
        d.validator = undefined
        generation++
      }
      d.validate = w.validate
      d.routeIds = snapshot.routes.filter((r) => (r.serviceName ?? r.id) === w.service).map((r) => r.id)
      for (const id of d.routeIds) byRoute.set(id, d)
    }
  }

  opts.watcher.subscribe((next) => reconcile(next))
  reconcile(opts.watcher.current)
  const timer = setInterval(() => {
    for (const d of docs.values()) void fetchOne(d)
  }, opts.refreshMs ?? DEFAULT_OPENAPI_REFRESH_MS)
  timer.unref()

  function validatorOf(d: ServiceDoc): OperationValidator | undefined {
    if (!d.loaded) return undefined
    d.validator ??= compileValidator(
      d.loaded.document,
      gatewayPathPrefix({ prefix: d.prefix, document: d.loaded.document }),
    )
    return d.validator
  }

  return {
    services() {
      return [...docs.values()]
        .map((d): OpenApiServiceView => {
          const view: OpenApiServiceView = {
            service: d.service,
            url: d.url,
            prefix: d.prefix,
            routeId: d.routeIds[0] ?? '',
            status: d.error ? 'error' : d.loaded ? 'ok' : 'pending',
            operations: Object.values(d.loaded?.document.paths ?? {}).reduce(
              (n, item) =>
                n +
                Object.keys(item ?? {}).filter((k) =>
                  ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'].includes(k),
                ).length,
              0,
            ),
          }
          if (d.error) view.error = d.error
          if (d.loaded) view.specVersion = d.loaded.specVersion
          if (d.loaded?.original.info?.title) view.title = d.loaded.original.info.title
          if (d.fetchedAt) view.fetchedAt = d.fetchedAt
          if (d.validate === 'response' || d.validate === 'both') view.contractViolations = d.violations
          if (d.validate !== 'off') view.validate = d.validate
          return view
        })
        .sort((a, b) => a.service.localeCompare(b.service))
    },
    document: (service) => docs.get(service)?.loaded?.original,
    has: (service) => docs.has(service),
    merged(serverUrl) {
      const key = `${generation}|${serverUrl}`
      if (cache?.key === key) return cache.doc
      const sources = [...docs.values()].flatMap((d) =>
        d.loaded ? [{ service: d.service, prefix: d.prefix, document: d.loaded.document }] : [],
      )
      const outcome = mergeDocuments(sources, {
        serverUrl,
        title: opts.title ?? 'Sallyport gateway',
        version: opts.version ?? '0.0.0',
      })
      const doc: OpenApiDocument = { ...outcome.document }
      const problems: Record<string, string> = { ...outcome.errors }
      for (const d of docs.values()) if (d.error) problems[d.service] ??= d.error
      if (Object.keys(problems).length > 0) doc['x-sallyport-errors'] = problems
      cache = { key, doc }
      return doc
    },
    async refresh() {
      await Promise.all([...docs.values()].map(fetchOne))
    },
    validateRequest(routeId, req) {
      const d = byRoute.get(routeId)
      if (!d || (d.validate !== 'request' && d.validate !== 'both')) return undefined
      return validatorOf(d)?.validateRequest(req)
    },
    needsBody(routeId, method, path) {
      const d = byRoute.get(routeId)
      if (!d || (d.validate !== 'request' && d.validate !== 'both')) return false
      return validatorOf(d)?.needsBody(method, path) ?? false
    },
    validateResponse(routeId, method, path, status, contentType, body) {
      const d = byRoute.get(routeId)
      if (!d || (d.validate !== 'response' && d.validate !== 'both')) return undefined
      const failures = validatorOf(d)?.validateResponse(method, path, status, contentType, body)
      if (failures && failures.length > 0) d.violations++
      return failures
    },
    async close() {
      closed = true
      clearInterval(timer)
      await Promise.all([...docs.values()].map((d) => d.inflight))
    },
  }
}

/** The 400 answer for a request that fails validation: one entry per failure. */
export function sendValidationProblem(
  res: ServerResponse,
  opts: { instance: string; traceId: string; service?: string },
  failures: readonly ValidationFailure[],
): void {
  sendProblem(res, 'validation-failed', {
    detail: `request does not match the OpenAPI document${opts.service ? ` of ${opts.service}` : ''}: ${failures
      .map((f) => f.message)
      .join('; ')}`,
    instance: opts.instance,
    traceId: opts.traceId,
    extra: { errors: failures },
  })
}
