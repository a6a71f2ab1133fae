// Which of a response's media types to answer with, by the request's `Accept` field (RFC 9110 §12.5.1).

interface Range {
  readonly type: string
  readonly subtype: string
  readonly q: number
}

function parseAccept(accept: string): Range[] {
  const out: Range[] = []
  for (const part of accept.split(',')) {
    const [range = '', ...params] = part.split(';')
    const [type = '', subtype = ''] = range.trim().toLowerCase().split('/')
    if (!type || !subtype) continue
    let q = 1
    for (const p of params) {
      const m = /^\s*q\s*=\s*([\d.]+)\s*$/i.exec(p)
      if (m) q = Number(m[1])
    }
    if (q > 0) out.push({ type, subtype, q })
  }
  return out
}

const isJson = (t: string) => /^application\/(.+\+)?json$/.test(t)

/**
 * The best of `available` for `accept`: the highest q, then the most specific range, then the
 * document's order. No Accept (or `*\/*`) prefers JSON. Undefined when nothing is acceptable.
 */
export function negotiateMediaType(
  accept: string | undefined,
  available: readonly string[],
): string | undefined {
  if (available.length === 0) return undefined
  const plain = available.map((a) => (a.split(';')[0] as string).trim().toLowerCase())
  const ranges = accept === undefined || accept.trim() === '' ? [] : parseAccept(accept)
  if (ranges.length === 0 && accept !== undefined && accept.trim() !== '') return undefined
  let best: { index: number; q: number; specificity: number } | undefined
  plain.forEach((media, index) => {
    const [type, subtype] = media.split('/')
    // A document's `*/*` or `application/*` answers any range of its kind.
    for (const r of ranges.length === 0 ? [{ type: '*', subtype: '*', q: 1 }] : ranges) {
      const typeOk = r.type === '*' || type === '*' || r.type === type
      const subOk = r.subtype === '*' || subtype === '*' || r.subtype === subtype
      if (!typeOk || !subOk) continue
      const specificity = (r.type === '*' ? 0 : 2) + (r.subtype === '*' ? 0 : 1) + (isJson(media) ? 0.5 : 0)
      if (!best || r.q > best.q || (r.q === best.q && specificity > best.specificity))
        best = { index, q: r.q, specificity }
    }
  })
  return best === undefined ? undefined : available[best.index]
}
