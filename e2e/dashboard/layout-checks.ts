// Layout defects measured from boxes in the live page (never from pixels), and the other few things the
// layout suite asks the page: each runs inside the browser through page.evaluate, so each is a
// self-contained function with nothing imported.

/** The little of the DOM these functions touch, declared for this module only: the Node test program
 * has no DOM lib (adding it would retype fetch and friends everywhere). */
interface Box {
  readonly x: number
  readonly y: number
  readonly left: number
  readonly right: number
  readonly top: number
  readonly bottom: number
  readonly width: number
  readonly height: number
}
interface DomElement {
  readonly tagName: string
  readonly className: unknown
  readonly textContent: string | null
  readonly childNodes: Iterable<{ readonly nodeType: number; readonly textContent: string | null }>
  readonly parentElement: DomElement | null
  readonly scrollWidth: number
  readonly clientWidth: number
  readonly scrollHeight: number
  readonly clientHeight: number
  getBoundingClientRect(): Box
  closest(selector: string): DomElement | null
  querySelector(selector: string): DomElement | null
  querySelectorAll(selector: string): Iterable<DomElement>
  matches(selector: string): boolean
  contains(other: DomElement): boolean
  getAttribute(name: string): string | null
}
declare const document: {
  readonly documentElement: DomElement
  readonly body: DomElement
  querySelectorAll(selector: string): Iterable<DomElement>
}
declare const window: { readonly innerWidth: number }
declare const location: { hash: string }
declare function getComputedStyle(
  el: DomElement,
): Readonly<
  Record<
    | 'visibility'
    | 'display'
    | 'opacity'
    | 'textOverflow'
    | 'overflowX'
    | 'overflowY'
    | 'fontSize'
    | 'position',
    string
  >
>
declare function matchMedia(query: string): { readonly matches: boolean }

export interface LayoutDefect {
  readonly kind: 'page overflow' | 'clipped' | 'sideways scroll' | 'overlap'
  readonly what: string
}

/**
 * - page overflow: the document is wider than the window;
 * - clipped: text cut by `overflow: hidden` / `text-overflow: ellipsis` (innermost element only);
 * - sideways scroll: a table or the nav wider than its scroll box, hiding columns or links;
 * - overlap: two interactive elements, labels, headings, badges or chart labels drawn over each other.
 * Elements marked `data-truncated-full-text` (the full text shown beside them) may be cut.
 */
export function findLayoutDefects(): LayoutDefect[] {
  const defects: LayoutDefect[] = []
  const visible = (el: DomElement): boolean => {
    const r = el.getBoundingClientRect()
    if (r.width < 1 || r.height < 1) return false
    // (aria-hidden charts are drawn all the same: they are checked)
    if (el.closest('.visually-hidden, .skip-link, [hidden]')) return false
    const cs = getComputedStyle(el)
    return cs.visibility !== 'hidden' && cs.display !== 'none' && Number(cs.opacity) > 0
  }
  const describe = (el: DomElement): string => {
    const text = (el.textContent ?? '').replace(/\s+/g, ' ').trim().slice(0, 40)
    const label = el.getAttribute('aria-label') ?? el.getAttribute('title')
    const region = el.closest('section[aria-label], table[aria-label], [role="region"][aria-label], nav')
    const where = region
      ? ` in ${region.tagName.toLowerCase()} "${region.getAttribute('aria-label') ?? ''}"`
      : ''
    const cls =
      typeof el.className === 'string' && el.className ? `.${el.className.split(/\s+/).join('.')}` : ''
    return `<${el.tagName.toLowerCase()}${cls}> "${text || label || ''}"${where}`
  }
  const TEXT_NODE = 3 // (inside: page.evaluate sends this function's source alone)
  const ownText = (el: DomElement) =>
    [...el.childNodes].some((n) => n.nodeType === TEXT_NODE && (n.textContent ?? '').trim() !== '')
  const textBox = (el: DomElement) => ownText(el) || el.matches('th, td, .badge, code, dt, dd')

  /** The part of an element's box its clipping ancestors let through (what can be drawn over). */
  const shownRect = (el: DomElement) => {
    const b = el.getBoundingClientRect()
    const r = { left: b.left, right: b.right, top: b.top, bottom: b.bottom }
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const cs = getComputedStyle(p)
      const c = p.getBoundingClientRect()
      if (cs.overflowX !== 'visible') {
        r.left = Math.max(r.left, c.left)
        r.right = Math.min(r.right, c.right)
      }
      if (cs.overflowY !== 'visible') {
        r.top = Math.max(r.top, c.top)
        r.bottom = Math.min(r.bottom, c.bottom)
      }
    }
    return r
  }

  /** The sticky or fixed box an element rides with (null: it scrolls with the page). */
  const pinnedBy = (el: DomElement): DomElement | null => {
    for (let p: DomElement | null = el; p && p !== document.body; p = p.parentElement) {
      const position = getComputedStyle(p).position
      if (position === 'sticky' || position === 'fixed') return p
    }
    return null
  }

  const width = document.documentElement.scrollWidth
  if (width > window.innerWidth + 1)
    defects.push({
      kind: 'page overflow',
      what: `document is ${width} px wide in a ${window.innerWidth} px window`,
    })

  const all = [...document.body.querySelectorAll('*')].filter(visible)
  const clipped = all.filter((el) => {
    if (el.closest('[data-truncated-full-text]')) return false
    const cs = getComputedStyle(el)
    const cutsX = cs.textOverflow === 'ellipsis' || cs.overflowX === 'hidden' || cs.overflowX === 'clip'
    const cutsY = cs.overflowY === 'hidden' || cs.overflowY === 'clip'
    const over =
      (cutsX && el.scrollWidth > el.clientWidth + 1) || (cutsY && el.scrollHeight > el.clientHeight + 2)
    return over && textBox(el)
  })
  for (const el of clipped)
    if (!clipped.some((inner) => inner !== el && el.contains(inner)))
      defects.push({
        kind: 'clipped',
        what: `${describe(el)}: ${el.scrollWidth} px of text in ${el.clientWidth} px`,
      })

  // An <svg> clips what it draws outside its box (a chart's top tick label, a long axis label).
  for (const text of all.filter((el) => el.matches('svg text'))) {
    const svg = (text.closest('svg') as DomElement).getBoundingClientRect()
    const r = text.getBoundingClientRect()
    if (r.left < svg.left - 1 || r.right > svg.right + 1 || r.top < svg.top - 1 || r.bottom > svg.bottom + 1)
      defects.push({ kind: 'clipped', what: `${describe(text)}: chart label drawn partly outside its chart` })
    if (r.height > 1.6 * Number.parseFloat(getComputedStyle(text).fontSize))
      defects.push({ kind: 'clipped', what: `${describe(text)}: chart label wraps onto two lines` })
  }

  for (const el of all) {
    const cs = getComputedStyle(el)
    if (cs.overflowX !== 'auto' && cs.overflowX !== 'scroll') continue
    if (!el.querySelector('table') && !el.matches('.nav, nav')) continue
    if (el.scrollWidth > el.clientWidth + 1)
      defects.push({
        kind: 'sideways scroll',
        what: `${describe(el.querySelector('table') ?? el)}: ${el.scrollWidth - el.clientWidth} px hidden behind a sideways scroll`,
      })
  }

  const boxes = all
    .filter((el) =>
      el.matches(
        'a, button, input, select, textarea, label, [role="switch"], [role="button"], h1, h2, h3, th, .badge, svg text',
      ),
    )
    .map((el) => ({ el, r: shownRect(el), svg: el.closest('svg'), pinned: pinnedBy(el) }))
    .filter((b) => b.r.right > b.r.left && b.r.bottom > b.r.top)
  for (let i = 0; i < boxes.length; i++) {
    const a = boxes[i] as (typeof boxes)[number]
    for (let j = i + 1; j < boxes.length; j++) {
      const b = boxes[j] as (typeof boxes)[number]
      if (a.el.contains(b.el) || b.el.contains(a.el)) continue
      // Content scrolled under a sticky top bar or table head is covered on purpose.
      if (a.pinned !== b.pinned) continue
      // Chart labels are compared with the labels of their own chart only.
      if ((a.el.matches('svg text') || b.el.matches('svg text')) && a.svg !== b.svg) continue
      const w = Math.min(a.r.right, b.r.right) - Math.max(a.r.left, b.r.left)
      const h = Math.min(a.r.bottom, b.r.bottom) - Math.max(a.r.top, b.r.top)
      if (w > 2 && h > 2) defects.push({ kind: 'overlap', what: `${describe(a.el)} and ${describe(b.el)}` })
    }
  }
  return defects
}

/** Where the page's charts, headings, tables and buttons are: equal twice in a row once it settled. */
export function layoutFingerprint(): string {
  return [...document.querySelectorAll('main *')]
    .filter((el) => el.matches('svg text, svg path, h1, h2, table, iframe, button'))
    .map((el) => {
      const r = el.getBoundingClientRect()
      return `${Math.round(r.x)},${Math.round(r.y)},${Math.round(r.width)},${Math.round(r.height)}`
    })
    .join(';')
}

export function prefersDark(): boolean {
  return matchMedia('(prefers-color-scheme: dark)').matches
}

/** In-app navigation, as a click on the nav does it (no reload). */
export function goToHash(hash: string): void {
  location.hash = `#/${hash}`
}
