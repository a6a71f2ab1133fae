// The messages between the aggregator (main thread) and the OpenAPI worker. Documents cross as bytes
// (transferred ArrayBuffers): a 13 MB object graph posted back would be deserialised on the main thread.
import type { ContractDiff } from './contract-diff.ts'

export interface DocumentMeta {
  readonly title?: string | undefined
  readonly version?: string | undefined
  /** `2.0`, `3.0.3`, `3.1.0`… as declared. */
  readonly specVersion: string
  readonly operations: number
}

/** Fetch (conditionally), parse, upgrade; the worker keeps the 3.1 document for merges. */
export interface LoadJob {
  readonly kind: 'load'
  readonly service: string
  readonly url: string
  readonly timeoutMs: number
  readonly etag?: string | undefined
  readonly lastModified?: string | undefined
  /** sha256 of the body last loaded: identical bytes change nothing. */
  readonly hash?: string | undefined
}

export type LoadResult =
  /** A 304 (validators unchanged), or the same bytes again (with the validators that answer carried). */
  | { readonly outcome: 'not-modified' }
  | {
      readonly outcome: 'unchanged'
      readonly etag?: string | undefined
      readonly lastModified?: string | undefined
    }
  | {
      readonly outcome: 'changed'
      readonly hash: string
      readonly etag?: string | undefined
      readonly lastModified?: string | undefined
      /** The document as the service serves it, as JSON. */
      readonly original: ArrayBuffer
      readonly meta: DocumentMeta
      /** Against the document the worker held before (none on the first load or after a worker restart). */
      readonly diff?: ContractDiff | undefined
    }

/** A document the worker no longer holds (it was restarted), sent again from the main thread's copy. */
export interface RestoredDocument {
  readonly service: string
  readonly hash: string
  readonly original: ArrayBuffer
}

export interface MergeJob {
  readonly kind: 'merge'
  readonly sources: readonly { readonly service: string; readonly prefix: string; readonly hash: string }[]
  readonly restore?: readonly RestoredDocument[]
  readonly serverUrl: string
  readonly title: string
  readonly version: string
  /** Fetch errors per service, for `x-sallyport-errors` (merge errors come first). */
  readonly problems: Readonly<Record<string, string>>
}

export type MergeResult = { readonly missing: readonly string[] } | { readonly merged: ArrayBuffer }

/** The 3.1 form of one document, for request validation on the main thread. */
export interface UpgradeJob {
  readonly kind: 'upgrade'
  readonly original: ArrayBuffer
}

export interface ForgetJob {
  readonly kind: 'forget'
  readonly service: string
}

export type WorkerJob = LoadJob | MergeJob | UpgradeJob | ForgetJob

export type WorkerReply =
  | { readonly id: number; readonly ok: true; readonly result: unknown }
  | { readonly id: number; readonly ok: false; readonly error: string }
