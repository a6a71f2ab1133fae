// The optional desktop bridge (window.sallyport, typed by src/main/preload/index.d.ts; absent when
// headless). The dashboard uses it only to open external links.

/** Opens a URL in the system browser on the desktop, or a new tab in a browser. */
export function openExternal(url: string): void {
  const bridge = window.sallyport
  if (bridge) void bridge.openExternal(url)
  else window.open(url, '_blank', 'noopener,noreferrer')
}
