// A string matching a schema's `pattern`, for the regular expressions API documents use (classes,
// groups, alternation, quantifiers). Anything it cannot build, or builds wrongly, gives undefined.
import type { Random } from './seeded-random.ts'

const DIGITS = '0123456789'
const WORD = `abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ${DIGITS}_`
const PRINTABLE = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join('')
/** Open quantifiers (`*`, `+`, `{n,}`) repeat at most this many times more than their minimum. */
const EXTRA_REPEATS = 2
const MAX_OUTPUT = 256

type Node =
  | { kind: 'chars'; set: string }
  | { kind: 'group'; alternatives: Node[][] }
  | { kind: 'repeat'; node: Node; min: number; max: number }

export function sampleFromPattern(pattern: string, random: Random): string | undefined {
  let re: RegExp
  try {
    re = new RegExp(pattern, 'u')
  } catch {
    return undefined
  }
  try {
    const parser = new Parser(pattern)
    const tree = parser.alternatives()
    if (parser.i < pattern.length) return undefined
    let out = ''
    const emit = (nodes: Node[]) => {
      for (const n of nodes) {
        if (out.length > MAX_OUTPUT) return
        if (n.kind === 'chars') out += n.set[Math.floor(random() * n.set.length)] ?? ''
        else if (n.kind === 'group')
          emit(n.alternatives[Math.floor(random() * n.alternatives.length)] as Node[])
        else {
          const times = n.min + Math.floor(random() * (Math.min(n.max, n.min + EXTRA_REPEATS) - n.min + 1))
          for (let k = 0; k < times; k++) emit([n.node])
        }
      }
    }
    emit(tree.alternatives[Math.floor(random() * tree.alternatives.length)] as Node[])
    // Unanchored patterns match anywhere: what was built is enough either way; the check is the proof.
    return re.test(out) ? out : undefined
  } catch {
    return undefined
  }
}

class Parser {
  i = 0
  readonly src: string
  constructor(src: string) {
    this.src = src
  }

  alternatives(): { kind: 'group'; alternatives: Node[][] } {
    const alternatives: Node[][] = [this.sequence()]
    while (this.src[this.i] === '|') {
      this.i++
      alternatives.push(this.sequence())
    }
    return { kind: 'group', alternatives }
  }

  sequence(): Node[] {
    const out: Node[] = []
    while (this.i < this.src.length && this.src[this.i] !== '|' && this.src[this.i] !== ')') {
      const c = this.src[this.i] as string
      if (c === '^' || c === '$') {
        this.i++
        continue
      }
      const atom = this.atom()
      out.push(this.quantified(atom))
    }
    return out
  }

  atom(): Node {
    const c = this.src[this.i++] as string
    if (c === '(') {
      if (this.src[this.i] === '?') {
        if (this.src[this.i + 1] !== ':') throw new Error('lookaround')
        this.i += 2
      }
      const group = this.alternatives()
      if (this.src[this.i++] !== ')') throw new Error('unclosed group')
      return group
    }
    if (c === '[') return this.charClass()
    if (c === '.') return { kind: 'chars', set: WORD }
    if (c === '\\') return { kind: 'chars', set: this.escape() }
    return { kind: 'chars', set: c }
  }

  escape(): string {
    const e = this.src[this.i++] as string
    if (e === 'd') return DIGITS
    if (e === 'w') return WORD
    if (e === 's') return ' '
    if (e === 'D' || e === 'W' || e === 'S')
      return [...PRINTABLE].filter((ch) => !this.escapeSet(e.toLowerCase()).includes(ch)).join('')
    if (e === 'b' || e === 'B') throw new Error('word boundary')
    return e
  }

  escapeSet(e: string): string {
    return e === 'd' ? DIGITS : e === 'w' ? WORD : ' \t\n'
  }

  charClass(): Node {
    const negate = this.src[this.i] === '^'
    if (negate) this.i++
    let set = ''
    let first = true
    while (this.i < this.src.length && (this.src[this.i] !== ']' || first)) {
      first = false
      let c = this.src[this.i++] as string
      if (c === '\\') {
        const e = this.escape()
        if (e.length > 1) {
          set += e
          continue
        }
        c = e
      }
      if (this.src[this.i] === '-' && this.src[this.i + 1] !== ']' && this.i + 1 < this.src.length) {
        this.i++
        let end = this.src[this.i++] as string
        if (end === '\\') end = this.escape()
        for (let code = c.charCodeAt(0); code <= end.charCodeAt(0) && set.length < 4096; code++)
          set += String.fromCharCode(code)
      } else set += c
    }
    if (this.src[this.i++] !== ']') throw new Error('unclosed class')
    if (negate) set = [...PRINTABLE].filter((ch) => !set.includes(ch)).join('')
    if (set.length === 0) throw new Error('empty class')
    return { kind: 'chars', set }
  }

  quantified(node: Node): Node {
    const c = this.src[this.i]
    let min = 1
    let max = 1
    if (c === '*' || c === '+' || c === '?') {
      this.i++
      min = c === '+' ? 1 : 0
      max = c === '?' ? 1 : Number.POSITIVE_INFINITY
    } else if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(this.i))
      if (!m) return node
      this.i += m[0].length
      min = Number(m[1])
      max = m[2] === undefined ? min : m[3] === '' ? Number.POSITIVE_INFINITY : Number(m[3])
    } else return node
    if (this.src[this.i] === '?') this.i++
    return { kind: 'repeat', node, min: Math.min(min, MAX_OUTPUT), max }
  }
}
