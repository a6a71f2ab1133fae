// Merges the services' 3.1 documents into the one document the gateway serves: paths prefixed as
// the gateway exposes them, servers pointing at the gateway, a tag per service, clashing components
// renamed and operationIds made unique (openapi-merge). A document that cannot be merged is left
// out and reported; it never breaks the rest.
import { isErrorResult, merge, type MergeInput, type OpenApiDocument as MergeDoc } from 'openapi-merge'
import type { OpenApiDocument } from './fetch-document.ts'

export interface MergeSource {
  readonly service: string
  /** Gateway path the service is mounted at ('' for the root); stripped before reaching it. */
  readonly prefix: string
  readonly document: OpenApiDocument
}

export interface MergeOutcome {
  readonly document: OpenApiDocument
  /** Services left out, with the reason. */
  readonly errors: Readonly<Record<string, string>>
}

export interface MergeOptions {
  /** The gateway origin (e.g. `http://127.0.0.1:8080`): "Try it out" goes through the gateway. */
  readonly serverUrl: string
  readonly title?: string
  readonly version?: string
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']

/** `user-service` → `UserService`: the prefix given to this service's clashing names. */
export function componentPrefix(service: string): string {
  return service
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0]?.toUpperCase() + w.slice(1))
    .join('')
}

/** The path part of the document's first server (`/v1` for Swagger 2.0 `basePath: /v1`). */
export function serverBasePath(doc: OpenApiDocument): string {
  const url = doc.servers?.[0]?.url
  if (!url || url.includes('{')) return ''
  try {
    return new URL(url, 'http://base.invalid').pathname.replace(/\/+$/, '')
  } catch {
    return ''
  }
}

/** The gateway path at which an upstream document path is reachable. */
export function gatewayPathPrefix(source: Pick<MergeSource, 'prefix' | 'document'>): string {
  return `${source.prefix}${serverBasePath(source.document)}`.replace(/\/+$/, '')
}

/** A shallow copy without `servers`, or the object itself when it has none. */
function dropServers<T extends object>(value: T): T {
  if (!('servers' in value)) return value
  const { servers: _servers, ...rest } = value as T & { servers?: unknown }
  return rest as T
}

/**
 * Servers anywhere in a service document would send "Try it out" around the gateway. Copies only what
 * it changes (openapi-merge deep-clones its inputs itself): the source document is left as it was.
 */
function withoutServers(doc: OpenApiDocument, prepend = ''): OpenApiDocument {
  const copy = dropServers({ ...doc })
  if (!doc.paths || typeof doc.paths !== 'object') return copy
  const paths: Record<string, Record<string, unknown>> = {}
  for (const [template, item] of Object.entries(doc.paths)) {
    if (!item || typeof item !== 'object') {
      paths[template] = item
      continue
    }
    let next = dropServers(item)
    for (const m of METHODS) {
      const op = next[m]
      if (op && typeof op === 'object' && 'servers' in op) {
        if (next === item) next = { ...item }
        next[m] = dropServers(op)
      }
    }
    paths[`${prepend}${template}`] = next
  }
  copy.paths = paths
  return copy
}

function inputFor(source: MergeSource): MergeInput[number] {
  const prepend = gatewayPathPrefix(source)
  // Prefixed here, not by openapi-merge's pathModification: that records every path as a modified
  // reference and compares each $ref of the document with all of them (1.3 s for 811 paths). Its
  // rewriting never matched an escaped pointer (`#/paths/~1a`) anyway; such refs stay as they were.
  return {
    oas: withoutServers(source.document, prepend) as unknown as MergeDoc,
    dispute: { prefix: componentPrefix(source.service) },
    tag: {
      name: source.service,
      description: source.document.info?.title
        ? `${source.document.info.title} (${source.document.info.version ?? ''})`.replace(' ()', '')
        : source.service,
    },
    duplicatePathHandling: 'merge-operations',
  }
}

function emptyDocument(opts: MergeOptions): OpenApiDocument {
  return {
    openapi: '3.1.0',
    info: { title: opts.title ?? 'Sallyport gateway', version: opts.version ?? '0.0.0' },
    servers: [{ url: opts.serverUrl }],
    paths: {},
  }
}

function finish(output: OpenApiDocument, opts: MergeOptions): OpenApiDocument {
  return {
    ...output,
    openapi: '3.1.0',
    info: {
      title: opts.title ?? 'Sallyport gateway',
      version: opts.version ?? '0.0.0',
      description: 'All services behind this gateway, as the gateway exposes them.',
    },
    servers: [{ url: opts.serverUrl, description: 'this gateway' }],
  }
}

export function mergeDocuments(sources: readonly MergeSource[], opts: MergeOptions): MergeOutcome {
  const errors: Record<string, string> = {}
  const ordered = [...sources].sort((a, b) => a.service.localeCompare(b.service))
  const inputs: MergeInput = []
  const good: MergeSource[] = []
  for (const s of ordered) {
    try {
      inputs.push(inputFor(s))
      good.push(s)
    } catch (err) {
      errors[s.service] = (err as Error).message
    }
  }
  if (inputs.length === 0) return { document: emptyDocument(opts), errors }
  const all = safeMerge(inputs)
  if (!isErrorResult(all)) return { document: finish(all.output as unknown as OpenApiDocument, opts), errors }
  // Something clashes: add the services one at a time and leave out the ones that break the merge.
  const kept: MergeInput = []
  let last: OpenApiDocument | undefined
  good.forEach((s, i) => {
    const attempt = safeMerge([...kept, inputs[i] as MergeInput[number]])
    if (isErrorResult(attempt)) errors[s.service] = `cannot be merged: ${attempt.message}`
    else {
      kept.push(inputs[i] as MergeInput[number])
      last = attempt.output as unknown as OpenApiDocument
    }
  })
  return { document: last ? finish(last, opts) : emptyDocument(opts), errors }
}

function safeMerge(inputs: MergeInput): ReturnType<typeof merge> {
  try {
    return merge(inputs)
  } catch (err) {
    return { type: 'malformed-document', message: (err as Error).message }
  }
}
