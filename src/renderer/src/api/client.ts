// Every admin API call goes through here: URLs are relative to the page (served under /gateway/), and
// non-2xx answers become an ApiError carrying the gateway's own `{error}` message.

export class ApiError extends Error {
  readonly status: number

  constructor(status: number, message: string) {
    super(message)
    this.name = 'ApiError'
    this.status = status
  }
}

/** Resolves an admin path such as `api/routes` against the page, so it works under any base path. */
export function adminUrl(path: string): string {
  return new URL(path, document.baseURI).toString()
}

/** A path segment for ids that contain slashes or colons (`manual-/products`, `target-/x-http://…`). */
export const seg = (id: string): string => encodeURIComponent(id)

function messageOf(status: number, statusText: string, data: unknown): string {
  if (data && typeof data === 'object') {
    const body = data as { error?: unknown; message?: unknown; detail?: unknown }
    // fastify's own 404 says `error: "Not Found"` and puts the detail in `message`
    if (typeof body.message === 'string' && (typeof body.error !== 'string' || body.error === statusText)) {
      return body.message
    }
    if (typeof body.error === 'string') return body.error
    if (typeof body.detail === 'string') return body.detail
  }
  if (typeof data === 'string' && data.length > 0 && data.length < 300) return data
  return `${status} ${statusText}`.trim()
}

export async function api<T>(
  path: string,
  init: { method?: string; body?: unknown; signal?: AbortSignal } = {},
): Promise<T> {
  const hasBody = init.body !== undefined
  let response: Response
  try {
    response = await fetch(adminUrl(path), {
      method: init.method ?? 'GET',
      // no content-type on empty POSTs: fastify rejects an empty JSON body
      headers: hasBody ? { 'content-type': 'application/json' } : undefined,
      body: hasBody ? JSON.stringify(init.body) : undefined,
      signal: init.signal,
    })
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error
    throw new ApiError(0, 'The gateway is not reachable')
  }
  const text = await response.text()
  let data: unknown
  if (text.length > 0) {
    try {
      data = JSON.parse(text)
    } catch {
      data = text
    }
  }
  if (!response.ok) throw new ApiError(response.status, messageOf(response.status, response.statusText, data))
  return data as T
}

/** True when the endpoint itself does not exist in this gateway build (the capability has not landed). */
export function isMissingEndpoint(error: unknown): boolean {
  return error instanceof ApiError && (error.status === 404 || error.status === 501)
}

export function errorText(error: unknown): string {
  if (error instanceof Error) return error.message
  return String(error)
}

/** fastify's own 404 for a path it has no handler for ("Route POST:/gateway/api/x not found"). */
export function isUnknownEndpoint(error: unknown): boolean {
  return (
    error instanceof ApiError && error.status === 404 && /^Route [A-Z]+:\S* not found$/.test(error.message)
  )
}

/** An action's error for the user: says plainly when the gateway lacks the endpoint altogether. */
export function actionError(error: unknown, action: string, endpoint: string): string {
  if (isUnknownEndpoint(error))
    return `${action} is not available in this gateway yet (${endpoint} answers 404).`
  return errorText(error)
}
