// Fetches one service's API description (Swagger 2.0 or OpenAPI 3.0/3.1, JSON or YAML) with a
// timeout and brings it to OpenAPI 3.1, the one dialect the merger and the validator speak. Runs in
// the OpenAPI worker (openapi-worker.ts): parsing and upgrading a large document takes seconds.
import { upgrade } from '@scalar/openapi-upgrader'
import { yaml } from '../util/yaml.ts'

export type OpenApiDocument = Record<string, unknown> & {
  openapi?: string
  swagger?: string
  info?: { title?: string; version?: string; description?: string }
  paths?: Record<string, Record<string, unknown>>
  servers?: { url: string; description?: string }[]
  components?: Record<string, Record<string, unknown>>
}

export interface LoadedDocument {
  /** As the service serves it (GET /gateway/api/openapi/services/:service). */
  readonly original: OpenApiDocument
  /** Upgraded to 3.1. */
  readonly document: OpenApiDocument
  /** `2.0`, `3.0.3`, `3.1.0`… as declared. */
  readonly specVersion: string
}

/** What the last answer said, so a refresh can ask "changed since?" (If-None-Match / If-Modified-Since). */
export interface DocumentValidators {
  readonly etag?: string | undefined
  readonly lastModified?: string | undefined
}

export type FetchedBody =
  | { readonly status: 'not-modified' }
  | ({ readonly status: 'ok'; readonly bytes: ArrayBuffer } & DocumentValidators)

export function parseDocumentText(text: string): OpenApiDocument {
  const trimmed = text.trimStart()
  let value: unknown
  if (trimmed.startsWith('{')) value = JSON.parse(text)
  else value = yaml().parse(text)
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error('not an object')
  return value as OpenApiDocument
}

/**
 * Throws with a one-line reason when the value is no OpenAPI 2.0/3.x document. `inPlace` upgrades the
 * given object itself (then `original` is that same upgraded object): a deep copy of a 13 MB document
 * costs a second, and the worker keeps only the upgraded form.
 */
export function toOpenApi31(original: OpenApiDocument, { inPlace = false } = {}): LoadedDocument {
  const specVersion = String(original.swagger ?? original.openapi ?? '')
  if (!/^(2\.0|3\.[01](\.\d+)?)$/.test(specVersion))
    throw new Error(
      specVersion
        ? `unsupported OpenAPI version ${specVersion}`
        : 'not an OpenAPI document (no "openapi" or "swagger" field)',
    )
  if (!original.paths || typeof original.paths !== 'object') throw new Error('document has no paths')
  const document = upgrade(
    (inPlace ? original : structuredClone(original)) as never,
    '3.1',
  ) as unknown as OpenApiDocument
  return { original, document, specVersion }
}

/**
 * The largest document read. Beyond it a document is refused, not parsed: parsing, upgrading and merging
 * take about 30 times its size in heap, and a worker that runs out of heap can take the process with it.
 */
export const MAX_DOCUMENT_BYTES = 64 * 1024 * 1024

/** Reads the body up to MAX_DOCUMENT_BYTES; throws beyond it. */
async function readBounded(url: string, res: Response): Promise<ArrayBuffer> {
  const tooLarge = () =>
    new Error(`${url}: the document is larger than ${MAX_DOCUMENT_BYTES / 1024 / 1024} MiB`)
  if (Number(res.headers.get('content-length')) > MAX_DOCUMENT_BYTES) {
    await res.body?.cancel()
    throw tooLarge()
  }
  const chunks: Uint8Array[] = []
  let size = 0
  for await (const chunk of res.body ?? []) {
    size += chunk.byteLength
    if (size > MAX_DOCUMENT_BYTES) {
      await res.body?.cancel().catch(() => {})
      throw tooLarge()
    }
    chunks.push(chunk)
  }
  const bytes = new Uint8Array(size)
  let at = 0
  for (const c of chunks) {
    bytes.set(c, at)
    at += c.byteLength
  }
  return bytes.buffer
}

/** GET with a timeout; conditional when the last answer carried an ETag or Last-Modified. */
export async function fetchDocumentBody(
  url: string,
  timeoutMs: number,
  last: DocumentValidators = {},
): Promise<FetchedBody> {
  const headers: Record<string, string> = { accept: 'application/json, application/yaml;q=0.9, */*;q=0.5' }
  if (last.etag) headers['if-none-match'] = last.etag
  if (last.lastModified) headers['if-modified-since'] = last.lastModified
  let res: Response
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), headers })
  } catch (err) {
    const e = err as Error
    throw new Error(
      e.name === 'TimeoutError'
        ? `${url}: no answer within ${timeoutMs} ms`
        : `${url}: ${(e.cause as Error | undefined)?.message ?? e.message}`,
    )
  }
  if (res.status === 304) {
    await res.body?.cancel()
    return { status: 'not-modified' }
  }
  if (!res.ok) {
    await res.body?.cancel()
    throw new Error(`${url}: HTTP ${res.status}`)
  }
  const bytes = await readBounded(url, res)
  return {
    status: 'ok',
    bytes,
    etag: res.headers.get('etag') ?? undefined,
    lastModified: res.headers.get('last-modified') ?? undefined,
  }
}

export interface ParsedBody {
  /** Upgraded to 3.1 (the parsed original itself, upgraded in place). */
  readonly document: OpenApiDocument
  readonly specVersion: string
  readonly title?: string | undefined
  readonly version?: string | undefined
  /** The original as JSON when the body was YAML (taken before the upgrade). */
  readonly yamlAsJson?: string
}

/** Parses and upgrades a fetched body; errors name the URL. */
export function loadDocument(url: string, text: string): ParsedBody {
  let doc: OpenApiDocument
  try {
    doc = parseDocumentText(text)
  } catch (err) {
    throw new Error(`${url}: cannot parse as JSON or YAML (${(err as Error).message.split('\n')[0]})`)
  }
  const info = { title: doc.info?.title, version: doc.info?.version }
  const yamlAsJson = text.trimStart().startsWith('{') ? undefined : JSON.stringify(doc)
  try {
    const { document, specVersion } = toOpenApi31(doc, { inPlace: true })
    return { document, specVersion, ...info, ...(yamlAsJson === undefined ? {} : { yamlAsJson }) }
  } catch (err) {
    throw new Error(`${url}: ${(err as Error).message}`)
  }
}
