// Keeps every service's OpenAPI document: which services have one follows the live snapshot (route
// metadata `openapi`, set by FARP discovery or written in the config file); documents are fetched
// conditionally with a timeout and refreshed periodically; the merged document is rebuilt only when one
// changed. Fetching, parsing, merging and serialising run in the OpenAPI worker (worker-client.ts): the
// main thread holds bytes and small metadata, and parses a document only to validate requests with it.
import type { ServerResponse } from 'node:http'
import type { ConfigWatcher } from '../config/watcher.ts'
import type { Snapshot } from '../config/snapshot.ts'
import type {
  ContractChangeRecord,
  OpenApiServiceView,
  OpenApiValidateMode,
  OperationViolations,
  RouteConfig,
} from '../model/index.ts'
import { OPENAPI_METADATA_KEY, OPENAPI_VALIDATE_METADATA_KEY } from '../model/metadata-keys.ts'
import { sendProblem } from '../http/problem.ts'
import type { MockResponder } from '../policies/mock-answer.ts'
import type { RequestValidator } from '../policies/openapi-validation.ts'
import type { OpenApiDocument } from './fetch-document.ts'
import { gatewayPathPrefix } from './merge-documents.ts'
import { compileMockDocument, type MockDocument } from './mock/index.ts'
import { compileValidator, type OperationValidator, type ValidationFailure } from './request-validator.ts'
import { createOpenApiWorker, type OpenApiWorkerOptions } from './worker-client.ts'
import type { DocumentMeta } from './worker-protocol.ts'

export const DEFAULT_OPENAPI_REFRESH_MS = 30_000
export const DEFAULT_OPENAPI_TIMEOUT_MS = 10_000
/** Merged documents kept, one per gateway origin clients used. */
const MERGED_CACHE_SIZE = 8
/** How long after the last request for the merged document a change still merges it at once. */
const PREWARM_WINDOW_MS = 10 * 60_000

interface ServiceDoc {
  service: string
  url: string
  prefix: string
  routeIds: string[]
  validate: OpenApiValidateMode
  /** sha256 of the body: the document's identity. */
  hash?: string
  etag?: string | undefined
  lastModified?: string | undefined
  /** As the service serves it, as JSON bytes. */
  original?: Buffer
  meta?: DocumentMeta
  error?: string
  fetchedAt?: string
  inflight?: Promise<void>
  validator?: OperationValidator
  validatorFor?: string
  violations: number
  /** Response violations per operation (bounded: one entry per operation of the document). */
  byOperation: Map<string, OperationViolations>
  /** Newest first, at most CHANGES_KEPT. */
  changes: ContractChangeRecord[]
  /** A route of the service answers mocks (route option `mock`): the document is kept parsed. */
  mock: boolean
  /** The 3.1 document as objects, once validation or mocks needed it. */
  document?: OpenApiDocument
  mocker?: MockDocument
}

/** Document versions whose differences are kept per service. */
const CHANGES_KEPT = 10

export interface OpenApiAggregatorOptions {
  readonly watcher: ConfigWatcher
  readonly refreshMs?: number
  readonly timeoutMs?: number
  readonly title?: string
  readonly version?: string
  readonly worker?: OpenApiWorkerOptions
}

/** Validation (route metadata `openapiValidate`) is the RequestValidator the policies call. */
export interface OpenApiAggregator extends RequestValidator {
  services(): OpenApiServiceView[]
  /** The service's document as it serves it, before merging, as JSON bytes. */
  document(service: string): Buffer | undefined
  has(service: string): boolean
  /** The merged document for clients reaching the gateway at `serverUrl`, as JSON bytes. */
  merged(serverUrl: string): Promise<Buffer>
  /** One service's document as the gateway exposes it, as JSON bytes. */
  mergedService(service: string, serverUrl: string): Promise<Buffer | undefined>
  /** Bumped whenever the merged document would change. */
  readonly generation: number
  /** Mock answers (route option `mock`) from the documents, handed to the policies. */
  readonly mocks: MockResponder
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
  const worker = createOpenApiWorker(opts.worker)
  let generation = 0
  const mergedCache = new Map<string, { generation: number; bytes: Promise<Buffer> }>()
  let closed = false
  /** The origin the merged document was last asked for: merged again as soon as a document changes. */
  let lastAsked: { serverUrl: string; at: number } | undefined

  const validating = (d: ServiceDoc) => d.validate !== 'off'
  const parsed = (d: ServiceDoc) => validating(d) || d.mock

  function fetchOne(d: ServiceDoc): Promise<void> {
    d.inflight ??= (async () => {
      const before = generation
      try {
        const result = await worker.load({
          service: d.service,
          url: d.url,
          timeoutMs,
          etag: d.etag,
          lastModified: d.lastModified,
          hash: d.hash,
        })
        if (d.error !== undefined) generation++
        d.error = undefined
        d.fetchedAt = new Date().toISOString()
        if (result.outcome !== 'not-modified') {
          d.etag = result.etag
          d.lastModified = result.lastModified
        }
        if (result.outcome === 'changed') {
          if (result.diff)
            d.changes = [
              {
                at: new Date().toISOString(),
                ...(d.meta?.version ? { fromVersion: d.meta.version } : {}),
                ...(result.meta.version ? { toVersion: result.meta.version } : {}),
                ...result.diff,
                changes: [...result.diff.changes],
              },
              ...d.changes,
            ].slice(0, CHANGES_KEPT)
          d.hash = result.hash
          d.original = Buffer.from(result.original)
          d.meta = result.meta
          d.validator = undefined
          generation++
        }
        if (parsed(d)) await prepareValidator(d)
      } catch (err) {
        // A broken document is reported for its service; the last good one keeps being merged.
        if (d.error !== (err as Error).message) generation++
        d.error = (err as Error).message
        d.fetchedAt = new Date().toISOString()
      } finally {
        d.inflight = undefined
      }
      // A reader of the merged document (Swagger UI, the dashboard) gets the new one without waiting for it.
      if (generation !== before && lastAsked && Date.now() - lastAsked.at < PREWARM_WINDOW_MS && !closed)
        mergedFor(lastAsked.serverUrl).catch(() => {})
    })()
    return d.inflight
  }

  /**
   * Request validation needs the 3.1 document as objects on the main thread: the worker upgrades it, this
   * thread parses it (a JSON.parse of the document's size) and compiles each operation on first use.
   */
  async function prepareValidator(d: ServiceDoc): Promise<void> {
    const hash = d.hash
    if (!d.original || !hash || (d.validator && d.validatorFor === `${hash}|${d.prefix}`)) return
    const upgraded = await worker.upgrade(arrayBufferOf(d.original))
    if (d.hash !== hash) return
    const document = JSON.parse(Buffer.from(upgraded).toString('utf8')) as OpenApiDocument
    d.validator = compileValidator(document, gatewayPathPrefix({ prefix: d.prefix, document }))
    d.validatorFor = `${hash}|${d.prefix}`
    d.document = document
    d.mocker = undefined
  }

  function reconcile(snapshot: Snapshot): void {
    const wanted = openApiSources(snapshot)
    const names = new Set(wanted.map((w) => w.service))
    for (const name of docs.keys())
      if (!names.has(name)) {
        docs.delete(name)
        worker.forget(name)
        generation++
      }
    byRoute.clear()
    for (const w of wanted) {
      let d = docs.get(w.service)
      if (!d || d.url !== w.url) {
        d = { ...w, routeIds: [], violations: 0, byOperation: new Map(), changes: [], mock: false }
        docs.set(w.service, d)
        generation++
        if (!closed) void fetchOne(d)
      } else if (d.prefix !== w.prefix) {
        d.prefix = w.prefix
        d.validator = undefined
        generation++
      }
      d.validate = w.validate
      const routes = snapshot.routes.filter((r) => (r.serviceName ?? r.id) === w.service)
      d.mock = routes.some((r) => mockOn(r.config.mock))
      if (parsed(d) && !d.validator && !d.inflight && !closed) void prepareValidator(d).catch(() => {})
      d.routeIds = routes.map((r) => r.id)
      for (const id of d.routeIds) byRoute.set(id, d)
    }
  }

  let timer: NodeJS.Timeout | undefined
  let timerMs = 0
  /** The refresh timer follows `openapi.refreshInterval` (hot-reloaded) unless the options fix it. */
  function arm(snapshot: Snapshot): void {
    const ms = opts.refreshMs ?? snapshot.settings.openapiRefreshMs ?? DEFAULT_OPENAPI_REFRESH_MS
    if (ms === timerMs || closed) return
    clearInterval(timer)
    timerMs = ms
    timer = setInterval(() => {
      for (const d of docs.values()) void fetchOne(d)
    }, ms)
    timer.unref()
  }

  opts.watcher.subscribe((next) => {
    reconcile(next)
    arm(next)
  })
  reconcile(opts.watcher.current)
  arm(opts.watcher.current)

  /** Merges in the worker; restores documents a restarted worker lost from the bytes held here. */
  async function mergeInWorker(
    loaded: ServiceDoc[],
    serverUrl: string,
    info: { title: string; version: string },
    problems: Record<string, string>,
  ): Promise<Buffer> {
    const sources = loaded.map((d) => ({ service: d.service, prefix: d.prefix, hash: d.hash as string }))
    let result = await worker.merge({ sources, serverUrl, ...info, problems })
    if ('missing' in result) {
      const missing = new Set(result.missing)
      const restore = loaded
        .filter((d) => missing.has(d.service))
        .map((d) => ({
          service: d.service,
          hash: d.hash as string,
          original: arrayBufferOf(d.original as Buffer),
        }))
      result = await worker.merge({ sources, restore, serverUrl, ...info, problems })
    }
    if ('missing' in result)
      throw new Error(`documents lost by the OpenAPI worker: ${result.missing.join(', ')}`)
    return Buffer.from(result.merged)
  }

  function mergeAll(serverUrl: string): Promise<Buffer> {
    const loaded = [...docs.values()].filter((d) => d.original && d.hash)
    const problems: Record<string, string> = {}
    for (const d of docs.values()) if (d.error) problems[d.service] = d.error
    return mergeInWorker(
      loaded,
      serverUrl,
      { title: opts.title ?? 'Sallyport gateway', version: opts.version ?? '0.0.0' },
      problems,
    )
  }

  function mergedFor(serverUrl: string): Promise<Buffer> {
    const hit = mergedCache.get(serverUrl)
    if (hit?.generation === generation) return hit.bytes
    const bytes = mergeAll(serverUrl)
    const entry = { generation, bytes }
    mergedCache.delete(serverUrl)
    mergedCache.set(serverUrl, entry)
    if (mergedCache.size > MERGED_CACHE_SIZE) mergedCache.delete(mergedCache.keys().next().value as string)
    // A failed merge is not kept: the next request tries again; the last good one stays served meanwhile.
    bytes.catch(() => {
      if (mergedCache.get(serverUrl) === entry) {
        if (hit) mergedCache.set(serverUrl, hit)
        else mergedCache.delete(serverUrl)
      }
    })
    return hit ? bytes.catch(() => hit.bytes) : bytes
  }

  const mocks: MockResponder = {
    needsBody(routeId, method, path) {
      const d = byRoute.get(routeId)
      return (d && mockerOf(d)?.needsBody(method, path)) ?? false
    },
    answer(routeId, req) {
      const d = byRoute.get(routeId)
      if (!d)
        return {
          kind: 'unavailable',
          detail: `route ${routeId} has no OpenAPI document: set metadata.openapi, or the serviceName of a service that has one`,
        }
      const mocker = mockerOf(d)
      if (!mocker)
        return {
          kind: 'unavailable',
          detail: d.error
            ? `${d.service}'s OpenAPI document cannot be loaded: ${d.error}`
            : `${d.service}'s OpenAPI document is not loaded yet`,
        }
      return mocker.answer(req)
    },
  }

  return {
    mocks,
    services() {
      return [...docs.values()]
        .map((d): OpenApiServiceView => {
          const view: OpenApiServiceView = {
            service: d.service,
            url: d.url,
            prefix: d.prefix,
            routeId: d.routeIds[0] ?? '',
            routeIds: [...d.routeIds],
            status: d.error ? 'error' : d.original ? 'ok' : 'pending',
            operations: d.meta?.operations ?? 0,
          }
          if (d.error) view.error = d.error
          if (d.meta) view.specVersion = d.meta.specVersion
          if (d.meta?.title) view.title = d.meta.title
          if (d.fetchedAt) view.fetchedAt = d.fetchedAt
          if (d.validate === 'response' || d.validate === 'both') {
            view.contractViolations = d.violations
            view.violationsByOperation = [...d.byOperation.values()].sort((a, b) => b.count - a.count)
          }
          if (d.changes.length > 0) view.contractChanges = d.changes
          if (d.validate !== 'off') view.validate = d.validate
          return view
        })
        .sort((a, b) => a.service.localeCompare(b.service))
    },
    document: (service) => docs.get(service)?.original,
    has: (service) => docs.has(service),
    get generation() {
      return generation
    },
    merged(serverUrl) {
      lastAsked = { serverUrl, at: Date.now() }
      return mergedFor(serverUrl)
    },
    async mergedService(service, serverUrl) {
      const d = docs.get(service)
      if (!d?.original || !d.hash) return undefined
      return mergeInWorker(
        [d],
        serverUrl,
        { title: d.meta?.title ?? service, version: d.meta?.version ?? '' },
        {},
      )
    },
    async refresh() {
      await Promise.all([...docs.values()].map(fetchOne))
    },
    validateRequest(routeId, req) {
      const d = byRoute.get(routeId)
      if (!d || (d.validate !== 'request' && d.validate !== 'both')) return undefined
      return d.validator?.validateRequest(req)
    },
    needsBody(routeId, method, path) {
      const d = byRoute.get(routeId)
      if (!d || (d.validate !== 'request' && d.validate !== 'both')) return false
      return d.validator?.needsBody(method, path) ?? false
    },
    validateResponse(routeId, method, path, status, contentType, body) {
      const d = byRoute.get(routeId)
      if (!d || (d.validate !== 'response' && d.validate !== 'both')) return undefined
      const failures = d.validator?.validateResponse(method, path, status, contentType, body)
      if (failures && failures.length > 0) {
        d.violations++
        const first = failures[0] as ValidationFailure
        const operation = first.operation ?? `${method} (no operation)`
        const entry = d.byOperation.get(operation) ?? { operation, count: 0, lastMessage: '', lastAt: '' }
        entry.count++
        entry.lastMessage = `${first.name} ${first.message}`
        entry.lastAt = new Date().toISOString()
        d.byOperation.set(operation, entry)
      }
      return failures
    },
    async close() {
      closed = true
      clearInterval(timer)
      await Promise.all([...docs.values()].map((d) => d.inflight))
      await worker.close()
    },
  }
}

function mockOn(cfg: RouteConfig['mock']): boolean {
  const mode = typeof cfg === 'string' ? cfg : cfg?.mode
  return mode === 'fallback' || mode === 'always'
}

/** Operations compile on first use: a document nobody asks a mock of costs nothing more. */
function mockerOf(d: ServiceDoc): MockDocument | undefined {
  if (!d.document) return undefined
  d.mocker ??= compileMockDocument(d.document, d.service)
  return d.mocker
}

/** A copy the worker can own (the Buffer may share a pooled ArrayBuffer). */
function arrayBufferOf(bytes: Buffer): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer
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
