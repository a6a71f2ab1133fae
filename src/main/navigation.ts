// Pure URL policy for the window: what stays inside, what goes to the system browser, who may use IPC.

export const ADMIN_BASE_PATH = '/gateway/'

const WILDCARD_V4 = new Set(['0.0.0.0', ''])
const WILDCARD_V6 = new Set(['[::]', '::'])

function parse(url: string): URL | undefined {
  try {
    return new URL(url)
  } catch {
    return undefined
  }
}

/** The dashboard URL for a listening gateway; a wildcard bind is reached through loopback. */
export function dashboardUrl(listenUrl: string, basePath: string = ADMIN_BASE_PATH): string {
  const url = new URL(listenUrl)
  if (WILDCARD_V4.has(url.hostname)) url.hostname = '127.0.0.1'
  else if (WILDCARD_V6.has(url.hostname)) url.hostname = '[::1]'
  return new URL(basePath, url.origin).href
}

/** Links the OS may open: web pages and mail only (never file:, javascript:, custom schemes). */
export function isSafeExternalUrl(url: string): boolean {
  const parsed = parse(url)
  return parsed !== undefined && ['http:', 'https:', 'mailto:'].includes(parsed.protocol)
}

/** Same origin and under the admin base path: the dashboard, Swagger UI, the API documents. */
export function isDashboardUrl(url: string, dashboard: string | undefined): boolean {
  if (dashboard === undefined) return false
  const target = parse(url)
  const base = parse(dashboard)
  return (
    target !== undefined &&
    base !== undefined &&
    target.origin === base.origin &&
    target.pathname.startsWith(base.pathname)
  )
}

export type NavigationDecision = 'allow' | 'external' | 'deny'

/** For will-navigate and window.open: the dashboard stays in the window, other web links leave it. */
export function decideNavigation(url: string, dashboard: string | undefined): NavigationDecision {
  if (isDashboardUrl(url, dashboard)) return 'allow'
  return isSafeExternalUrl(url) ? 'external' : 'deny'
}

/** IPC is answered only for frames showing our own dashboard (not a page it navigated to, not an iframe elsewhere). */
export function isTrustedSender(frameUrl: string | undefined, dashboard: string | undefined): boolean {
  return frameUrl !== undefined && isDashboardUrl(frameUrl, dashboard)
}

// The dashboard's "copy URL" buttons use the async clipboard API; nothing else is granted.
const GRANTED_PERMISSIONS = new Set(['clipboard-sanitized-write'])

export function isPermissionGranted(
  permission: string,
  requestingUrl: string,
  dashboard: string | undefined,
): boolean {
  return GRANTED_PERMISSIONS.has(permission) && isDashboardUrl(requestingUrl, dashboard)
}
