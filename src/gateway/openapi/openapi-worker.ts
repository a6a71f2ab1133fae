// The OpenAPI worker (a node:worker_threads entry point): fetching, parsing, upgrading, merging and
// serialising documents take seconds for a 13 MB document, which would stall the proxy on the main
// thread. It holds the upgraded documents for merges; the main thread holds their bytes and restores
// them after a restart.
import { createHash } from 'node:crypto'
import { readlinkSync } from 'node:fs'
import { setPriority } from 'node:os'
import { parentPort } from 'node:worker_threads'
import {
  fetchDocumentBody,
  loadDocument,
  type OpenApiDocument,
  type ParsedBody,
  toOpenApi31,
} from './fetch-document.ts'
import { diffContracts } from './contract-diff.ts'
import { mergeDocuments } from './merge-documents.ts'
import type {
  DocumentMeta,
  LoadJob,
  LoadResult,
  MergeJob,
  MergeResult,
  RestoredDocument,
  WorkerJob,
} from './worker-protocol.ts'

const WORKER_NICE = 10
const METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'])
const decoder = new TextDecoder()
const held = new Map<string, { hash: string; document: OpenApiDocument }>()

function bytesOf(text: string): ArrayBuffer {
  return new TextEncoder().encode(text).buffer as ArrayBuffer
}

function sha256(bytes: ArrayBuffer): string {
  return createHash('sha256').update(new Uint8Array(bytes)).digest('hex')
}

function metaOf(loaded: ParsedBody): DocumentMeta {
  let operations = 0
  for (const item of Object.values(loaded.document.paths ?? {}))
    for (const key of Object.keys(item ?? {})) if (METHODS.has(key)) operations++
  return { title: loaded.title, version: loaded.version, specVersion: loaded.specVersion, operations }
}

async function load(job: LoadJob): Promise<LoadResult> {
  const body = await fetchDocumentBody(job.url, job.timeoutMs, job)
  if (body.status === 'not-modified' && held.has(job.service)) return { outcome: 'not-modified' }
  if (body.status === 'not-modified') return load({ ...job, etag: undefined, lastModified: undefined })
  const hash = sha256(body.bytes)
  if (hash === job.hash && held.get(job.service)?.hash === hash)
    return { outcome: 'unchanged', etag: body.etag, lastModified: body.lastModified }
  const loaded = loadDocument(job.url, decoder.decode(body.bytes))
  const previous = held.get(job.service)
  held.set(job.service, { hash, document: loaded.document })
  // Contract drift: what a client of the previous version meets now (contract-diff.ts, bounded).
  const diff = previous ? diffContracts(previous.document, loaded.document) : undefined
  // A JSON body is served as it came; YAML is served as JSON.
  const original = loaded.yamlAsJson === undefined ? body.bytes : bytesOf(loaded.yamlAsJson)
  return {
    outcome: 'changed',
    hash,
    etag: body.etag,
    lastModified: body.lastModified,
    original,
    meta: metaOf(loaded),
    diff,
  }
}

function restore(doc: RestoredDocument): void {
  held.set(doc.service, {
    hash: doc.hash,
    document: loadDocument(doc.service, decoder.decode(doc.original)).document,
  })
}

function merge(job: MergeJob): MergeResult {
  for (const doc of job.restore ?? []) restore(doc)
  const missing = job.sources.filter((s) => held.get(s.service)?.hash !== s.hash).map((s) => s.service)
  if (missing.length > 0) return { missing }
  const outcome = mergeDocuments(
    job.sources.map((s) => ({
      service: s.service,
      prefix: s.prefix,
      document: held.get(s.service)?.document ?? {},
    })),
    { serverUrl: job.serverUrl, title: job.title, version: job.version },
  )
  const doc: OpenApiDocument = { ...outcome.document }
  const problems: Record<string, string> = { ...outcome.errors }
  for (const [service, error] of Object.entries(job.problems)) problems[service] ??= error
  if (Object.keys(problems).length > 0) doc['x-sallyport-errors'] = problems
  return { merged: bytesOf(JSON.stringify(doc)) }
}

async function run(job: WorkerJob): Promise<unknown> {
  switch (job.kind) {
    case 'load':
      return load(job)
    case 'merge':
      return merge(job)
    case 'upgrade':
      return bytesOf(
        JSON.stringify(toOpenApi31(JSON.parse(decoder.decode(job.original)), { inPlace: true }).document),
      )
    case 'forget':
      held.delete(job.service)
      return undefined
  }
}

function transferables(result: unknown): ArrayBuffer[] {
  if (result instanceof ArrayBuffer) return [result]
  const r = result as { original?: unknown; merged?: unknown } | undefined
  return [r?.original, r?.merged].filter((b): b is ArrayBuffer => b instanceof ArrayBuffer)
}

/**
 * Background work: on a busy machine the scheduler should prefer the main thread, which serves traffic.
 * Linux sets the nice value per thread (this thread's id from /proc/thread-self); elsewhere this is skipped.
 */
function lowerPriority(): void {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop())
    if (Number.isInteger(tid) && tid > 0) setPriority(tid, WORKER_NICE)
  } catch {
    // Not Linux, or not permitted: the worker runs at the process's priority.
  }
}

lowerPriority()
parentPort?.on('message', (message: { id: number; job: WorkerJob }) => {
  run(message.job).then(
    (result) => parentPort?.postMessage({ id: message.id, ok: true, result }, transferables(result)),
    (err: Error) => parentPort?.postMessage({ id: message.id, ok: false, error: err.message }),
  )
})
