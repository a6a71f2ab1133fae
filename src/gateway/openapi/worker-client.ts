// The main thread's handle on the OpenAPI worker: one long-lived worker, started on first use, a bounded
// queue of jobs, and a crash that fails the jobs in flight (each reported for its service) and starts a
// fresh worker for the next job, never the gateway's end.
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import type { LoadJob, LoadResult, MergeJob, MergeResult, WorkerJob, WorkerReply } from './worker-protocol.ts'

export const DEFAULT_WORKER_QUEUE = 64
/** Room for a document at the size limit (fetch-document.ts) parsed, upgraded and deep-copied by the merge. */
export const DEFAULT_WORKER_HEAP_MB = 2048

export interface OpenApiWorkerOptions {
  /** Jobs waiting or running at once; more are refused (the next refresh tries again). */
  readonly maxQueue?: number
  /** The worker's heap limit: a document beyond it crashes the worker, not the gateway. */
  readonly heapMb?: number
  /** Another worker entry point (tests); default openapi-worker.ts / out/main/openapi-worker.js. */
  readonly file?: URL
}

export interface OpenApiWorker {
  load(job: Omit<LoadJob, 'kind'>): Promise<LoadResult>
  merge(job: Omit<MergeJob, 'kind'>): Promise<MergeResult>
  /** The 3.1 form of a document, as JSON bytes. */
  upgrade(original: ArrayBuffer): Promise<ArrayBuffer>
  forget(service: string): void
  close(): Promise<void>
}

/** openapi-worker.ts beside this file when running TS; out/main/openapi-worker.js beside the chunks when built. */
function workerFile(): URL {
  const candidates = ['./openapi-worker.ts', './openapi-worker.js', '../openapi-worker.js'].map(
    (p) => new URL(p, import.meta.url),
  )
  const found = candidates.find((u) => existsSync(fileURLToPath(u)))
  if (!found)
    throw new Error(`the OpenAPI worker is missing (looked for ${candidates.map(String).join(', ')})`)
  return found
}

export function createOpenApiWorker(opts: OpenApiWorkerOptions = {}): OpenApiWorker {
  const maxQueue = opts.maxQueue ?? DEFAULT_WORKER_QUEUE
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>()
  let worker: Worker | undefined
  let nextId = 0
  let closed = false

  function start(): Worker {
    const w = new Worker(opts.file ?? workerFile(), {
      resourceLimits: { maxOldGenerationSizeMb: opts.heapMb ?? DEFAULT_WORKER_HEAP_MB },
    })
    let failure: Error | undefined
    w.on('message', (reply: WorkerReply) => {
      const job = pending.get(reply.id)
      pending.delete(reply.id)
      if (reply.ok) job?.resolve(reply.result)
      else job?.reject(new Error(reply.error))
    })
    w.on('error', (err) => {
      failure = err
    })
    w.on('exit', (code) => {
      if (worker === w) worker = undefined
      const reason = new Error(`the OpenAPI worker stopped (${failure?.message ?? `exit code ${code}`})`)
      for (const job of pending.values()) job.reject(reason)
      pending.clear()
    })
    // Pending jobs hold promises, not the process: the gateway's servers keep it alive.
    w.unref()
    return w
  }

  function post<T>(job: WorkerJob, transfer: ArrayBuffer[] = []): Promise<T> {
    if (closed) return Promise.reject(new Error('the OpenAPI worker is closed'))
    if (pending.size >= maxQueue)
      return Promise.reject(new Error(`the OpenAPI worker is busy (${maxQueue} jobs queued)`))
    worker ??= start()
    const id = ++nextId
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject })
      worker?.postMessage({ id, job }, transfer)
    })
  }

  return {
    load: (job) => post({ kind: 'load', ...job }),
    merge: (job) => post({ kind: 'merge', ...job }),
    upgrade: (original) => post({ kind: 'upgrade', original }),
    forget(service) {
      if (worker) void post({ kind: 'forget', service }).catch(() => {})
    },
    async close() {
      closed = true
      const w = worker
      worker = undefined
      await w?.terminate()
    },
  }
}
