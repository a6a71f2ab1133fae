// A flame graph (SVG) from a V8 .cpuprofile: one box per call stack frame, as wide as the time spent in it
// and everything it called, callers below callees. Hover a box for its name and time (the SVG's <title>).

const WIDTH = 1200
const ROW = 17
const MIN_PX = 0.3

const frameName = (cf) => {
  const file = cf.url
    ? cf.url.replace(/^file:\/\//, '').replace(/.*\/(node_modules|out|src|bench)\//, '$1/')
    : ''
  return `${cf.functionName || '(anonymous)'}${file ? ` ${file}:${cf.lineNumber + 1}` : ''}`
}

const colorOf = (name) =>
  /^\((garbage collector|idle|program)\)/.test(name)
    ? '#adb5bd'
    : / (out|src)\//.test(name)
      ? '#f08c00' // Sallyport's own code
      : / node:|^[\w$]+$/.test(name)
        ? '#74c0fc' // Node core and natives
        : '#b197fc' // dependencies

const xmlText = (s) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')

/**
 * Merges the profile's samples into a tree of frames keyed by name (so one function called from one place
 * is one box however many times it ran), counting only samples inside `win` ([start, end] in the
 * profile's microseconds) when given.
 */
export function stackTree(prof, win = null) {
  const byId = new Map(prof.nodes.map((n) => [n.id, n]))
  const parent = new Map()
  for (const n of prof.nodes) for (const c of n.children || []) parent.set(c, n.id)
  const root = { name: 'all', us: 0, children: new Map() }
  const useWin = win && win[0] < prof.endTime && win[1] > prof.startTime
  let t = prof.startTime
  for (let i = 0; i < prof.samples.length; i++) {
    const dt = prof.timeDeltas[i] || 0
    t += dt
    if (useWin && (t < win[0] || t > win[1])) continue
    const stack = []
    for (let id = prof.samples[i]; id !== undefined; id = parent.get(id)) {
      const n = byId.get(id)
      if (n.callFrame.functionName !== '(root)') stack.push(frameName(n.callFrame))
    }
    let node = root
    node.us += dt
    for (let d = stack.length - 1; d >= 0; d--) {
      const name = stack[d]
      let child = node.children.get(name)
      if (!child) {
        child = { name, us: 0, children: new Map() }
        node.children.set(name, child)
      }
      child.us += dt
      node = child
    }
  }
  return root
}

/** The flame graph of `prof` as an SVG document. */
export function flameGraphSvg(prof, { title = 'CPU profile', win = null } = {}) {
  const root = stackTree(prof, win)
  const boxes = []
  let depth = 0
  const place = (node, x, level) => {
    const w = root.us > 0 ? (WIDTH * node.us) / root.us : 0
    if (w < MIN_PX) return
    depth = Math.max(depth, level)
    boxes.push({ node, x, w, level })
    let cx = x
    for (const child of [...node.children.values()].sort((a, b) => b.us - a.us)) {
      place(child, cx, level + 1)
      cx += root.us > 0 ? (WIDTH * child.us) / root.us : 0
    }
  }
  place(root, 0, 0)
  const top = 40
  const height = top + (depth + 1) * ROW + 10
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="DejaVu Sans Mono, monospace" font-size="11" role="img" aria-label="flame graph: ${xmlText(title)}">`,
    `<title>Flame graph: ${xmlText(title)}</title>`,
    `<rect width="${WIDTH}" height="${height}" fill="#fff"/>`,
    `<text x="6" y="16" font-size="14" font-family="DejaVu Sans, sans-serif" font-weight="600">${xmlText(title)}</text>`,
    `<text x="6" y="32" font-family="DejaVu Sans, sans-serif" fill="#495057">${(root.us / 1000).toFixed(0)} ms sampled; width = time in a function and its callees; orange: Sallyport, blue: Node core, purple: dependencies, grey: GC / idle. Hover a box for its time.</text>`,
  ]
  for (const { node, x, w, level } of boxes) {
    const y = height - 10 - (level + 1) * ROW
    const pct = ((100 * node.us) / root.us).toFixed(2)
    const label = w > 30 ? xmlText(node.name.slice(0, Math.floor((w - 4) / 6.6))) : ''
    parts.push(
      `<g><title>${xmlText(node.name)}: ${(node.us / 1000).toFixed(1)} ms, ${pct} %</title>` +
        `<rect x="${x.toFixed(2)}" y="${y}" width="${w.toFixed(2)}" height="${ROW - 1}" fill="${colorOf(node.name)}" stroke="#fff" stroke-width="0.5"/>` +
        (label ? `<text x="${(x + 2).toFixed(2)}" y="${y + ROW - 5}">${label}</text>` : '') +
        '</g>',
    )
  }
  parts.push('</svg>\n')
  return parts.join('\n')
}
