// Self-contained pages the window shows when there is no dashboard to show (launch failure, paused).
// No script: each button is a GET form to https://sallyport.invalid/<token>/<action>, which the window's
// will-navigate guard intercepts; `.invalid` never resolves (RFC 2606), so nothing can leave the machine.

export const ACTION_ORIGIN = 'https://sallyport.invalid'

export type PageAction =
  | { type: 'retry' }
  | { type: 'resume' }
  | { type: 'use-port'; port: number }
  | { type: 'open-config' }
  | { type: 'use-default-config' }
  | { type: 'reveal-data-dir' }
  | { type: 'quit' }

export type PageActionType = PageAction['type']

export interface PageButton {
  type: Exclude<PageActionType, 'use-port'>
  label: string
  primary?: boolean
}

export interface StatusPageModel {
  title: string
  lead: string
  /** Verbatim text (the gateway's message: file, line, field), shown preformatted. */
  detail?: string | undefined
  /** Offers a port field with this value and a "use this port" button. */
  portSuggestion?: number | undefined
  buttons: PageButton[]
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ESCAPES[ch] ?? ch)
}

function actionUrl(token: string, type: PageActionType): string {
  return `${ACTION_ORIGIN}/${encodeURIComponent(token)}/${type}`
}

const STYLE = `
:root{color-scheme:light dark;font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif}
body{margin:0;display:grid;place-items:center;min-height:100vh;background:Canvas;color:CanvasText}
main{max-width:40rem;padding:2rem}
h1{font-size:1.4rem;margin:0 0 .5rem}
pre{white-space:pre-wrap;word-break:break-word;padding:.75rem 1rem;border-radius:6px;background:color-mix(in srgb,CanvasText 8%,Canvas);font-size:.85rem}
.actions{display:flex;flex-wrap:wrap;gap:.5rem;margin-top:1.25rem;align-items:center}
form{margin:0;display:flex;gap:.5rem;align-items:center}
button{font:inherit;padding:.4rem .9rem;border-radius:6px;border:1px solid color-mix(in srgb,CanvasText 30%,Canvas);background:Canvas;color:CanvasText;cursor:pointer}
button.primary{background:#2563eb;border-color:#2563eb;color:#fff}
input{font:inherit;width:6rem;padding:.35rem .5rem;border-radius:6px;border:1px solid color-mix(in srgb,CanvasText 30%,Canvas)}
`

/** The whole page as one HTML string; every dynamic value is escaped. */
export function renderStatusPage(model: StatusPageModel, token: string): string {
  const forms: string[] = []
  if (model.portSuggestion !== undefined) {
    forms.push(
      `<form method="get" action="${escapeHtml(actionUrl(token, 'use-port'))}">` +
        `<label for="port">Port</label>` +
        `<input id="port" name="port" type="number" min="1" max="65535" required value="${model.portSuggestion}">` +
        `<button class="primary" type="submit" data-action="use-port">Use this port</button></form>`,
    )
  }
  for (const button of model.buttons) {
    forms.push(
      `<form method="get" action="${escapeHtml(actionUrl(token, button.type))}">` +
        `<button type="submit"${button.primary ? ' class="primary"' : ''} data-action="${button.type}">${escapeHtml(button.label)}</button></form>`,
    )
  }
  const csp = `default-src 'none'; style-src 'unsafe-inline'; form-action ${ACTION_ORIGIN}; base-uri 'none'`
  return [
    '<!doctype html><html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">`,
    `<title>${escapeHtml(model.title)} · Sallyport</title><style>${STYLE}</style></head>`,
    `<body><main role="main"><h1>${escapeHtml(model.title)}</h1><p>${escapeHtml(model.lead)}</p>`,
    model.detail === undefined ? '' : `<pre data-testid="failure-detail">${escapeHtml(model.detail)}</pre>`,
    `<div class="actions">${forms.join('')}</div></main></body></html>`,
  ].join('')
}

export function toDataUrl(html: string): string {
  return `data:text/html;charset=utf-8,${encodeURIComponent(html)}`
}

const SIMPLE_ACTIONS: ReadonlyMap<string, PageAction> = new Map(
  (['retry', 'resume', 'open-config', 'use-default-config', 'reveal-data-dir', 'quit'] as const).map(
    (type) => [type, { type }],
  ),
)

/** The action a navigation asks for, or undefined when the URL is not one of this page's buttons. */
export function parsePageAction(url: string, token: string): PageAction | undefined {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return undefined
  }
  if (parsed.origin !== ACTION_ORIGIN) return undefined
  const [, pageToken, type, ...rest] = parsed.pathname.split('/')
  if (
    pageToken === undefined ||
    decodeURIComponent(pageToken) !== token ||
    type === undefined ||
    rest.length > 0
  ) {
    return undefined
  }
  if (type === 'use-port') {
    const port = Number(parsed.searchParams.get('port'))
    return Number.isInteger(port) && port >= 1 && port <= 65535 ? { type, port } : undefined
  }
  return SIMPLE_ACTIONS.get(type)
}

export function isActionUrl(url: string): boolean {
  return url.startsWith(`${ACTION_ORIGIN}/`)
}
