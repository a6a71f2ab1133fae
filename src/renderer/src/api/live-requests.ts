// The Requests page's list: loaded once per filter, then followed live (GET api/requests/live, an
// event stream of rows as they are recorded). New rows wait in `pending` while the tail is paused
// or the pointer is over the table, so the row under the cursor never moves; `showPending` lets
// them in. Without EventSource (or when the stream fails) the list is polled instead.
import { useCallback, useEffect, useRef, useState } from 'react'
import { adminUrl, api, ApiError } from './client.ts'
import type { RequestRecord } from './types.ts'

export interface RequestFilters {
  route: string
  status: string
  outcome: string
  method: string
  q: string
}

/** The gateway keeps 500; the page shows as many. */
const MAX_ROWS = 500
const POLL_MS = 3000

export function filterQuery(filters: RequestFilters, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams()
  for (const [k, v] of Object.entries({ ...filters, ...extra })) if (v) params.set(k, v)
  const text = params.toString()
  return text ? `?${text}` : ''
}

/** Newest first by start time; an id seen twice keeps its latest copy. */
export function mergeRows(
  current: readonly RequestRecord[],
  fresh: readonly RequestRecord[],
): RequestRecord[] {
  const byId = new Map(current.map((r) => [r.id, r]))
  for (const r of fresh) byId.set(r.id, r)
  return [...byId.values()]
    .sort((a, b) => Date.parse(b.time) - Date.parse(a.time) || Number(b.id) - Number(a.id))
    .slice(0, MAX_ROWS)
}

export interface LiveRequests {
  rows: RequestRecord[] | undefined
  error: unknown
  loading: boolean
  /** Rows that arrived while held (paused, or the pointer over the table). */
  pending: number
  live: boolean
  setLive(live: boolean): void
  /** Hold new rows while true (the pointer is over the table). */
  setHeld(held: boolean): void
  showPending(): void
  reload(): void
}

export function useLiveRequests(filters: RequestFilters): LiveRequests {
  const [rows, setRows] = useState<RequestRecord[]>()
  const [error, setError] = useState<unknown>()
  const [loading, setLoading] = useState(true)
  const [pendingRows, setPendingRows] = useState<RequestRecord[]>([])
  const [live, setLive] = useState(true)
  const [held, setHeld] = useState(false)
  const [generation, setGeneration] = useState(0)
  const query = filterQuery(filters)
  const holding = useRef(false)
  holding.current = held || !live

  const accept = useCallback((fresh: RequestRecord[]) => {
    if (fresh.length === 0) return
    if (holding.current) setPendingRows((p) => mergeRows(p, fresh))
    else setRows((r) => mergeRows(r ?? [], fresh))
  }, [])

  // biome-ignore lint/correctness/useExhaustiveDependencies: `generation` reloads on demand
  useEffect(() => {
    const controller = new AbortController()
    let source: EventSource | undefined
    let poll: ReturnType<typeof setInterval> | undefined
    let newest = '0'
    setLoading(true)
    setPendingRows([])
    const follow = () => {
      const since = (): string => newest
      const startPolling = () => {
        if (poll !== undefined) return
        poll = setInterval(() => {
          api<RequestRecord[]>(`api/requests${query}${query ? '&' : '?'}since=${since()}`, {
            signal: controller.signal,
          })
            .then((fresh) => {
              for (const r of fresh) if (Number(r.id) > Number(newest)) newest = r.id
              accept(fresh)
            })
            .catch(() => {})
        }, POLL_MS)
      }
      if (typeof EventSource === 'undefined') return startPolling()
      source = new EventSource(adminUrl(`api/requests/live${query}${query ? '&' : '?'}since=${newest}`))
      source.addEventListener('requests', (e) => {
        const fresh = JSON.parse((e as MessageEvent<string>).data) as RequestRecord[]
        for (const r of fresh) if (Number(r.id) > Number(newest)) newest = r.id
        accept(fresh)
      })
      source.onerror = () => {
        // Closed for good (the endpoint is missing, or refused): poll instead.
        if (source?.readyState === EventSource.CLOSED) startPolling()
      }
    }
    api<RequestRecord[]>(`api/requests${query}`, { signal: controller.signal })
      .then((list) => {
        for (const r of list) if (Number(r.id) > Number(newest)) newest = r.id
        setRows(mergeRows([], list))
        setError(undefined)
        setLoading(false)
        follow()
      })
      .catch((e: unknown) => {
        if (controller.signal.aborted) return
        setError(e instanceof Error ? e : new ApiError(0, String(e)))
        setLoading(false)
      })
    return () => {
      controller.abort()
      source?.close()
      clearInterval(poll)
    }
  }, [query, accept, generation])

  const showPending = useCallback(() => {
    setPendingRows((p) => {
      if (p.length > 0) setRows((r) => mergeRows(r ?? [], p))
      return []
    })
  }, [])

  // Resuming lets in what waited; so does the pointer leaving the table.
  useEffect(() => {
    if (live && !held) showPending()
  }, [live, held, showPending])

  return {
    rows,
    error,
    loading,
    pending: pendingRows.length,
    live,
    setLive,
    setHeld,
    showPending,
    reload: () => setGeneration((g) => g + 1),
  }
}
