// A response's fields as the proxy hands them on, and which responses carry no content.

/** Lower-case names; end-to-end fields only; a repeated field is a list. */
export type ResponseFields = Record<string, string | string[]>

/** RFC 9112 §6.3: a response to HEAD, and every 1xx, 204 and 304, ends with its head. */
export function isBodiless(method: string, status: number): boolean {
  return method === 'HEAD' || status === 204 || status === 304 || (status >= 100 && status < 200)
}
