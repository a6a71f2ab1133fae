// Reads a YAML or JSON config file into a plain value, keeping enough of the parse to point at lines.
//
// Two YAML parsers, each for what it is good at: js-yaml turns the text into a value ~10× faster (a
// 10,000-route file: ~70 ms against ~800 ms, see BENCHMARKS.md), and yaml's document, with a source
// range for every node, explains a file that does not parse and finds the line of a field named in an
// error. A file with anchors goes through yaml alone: its alias limit guards against expansion bombs.
import { readFile } from 'node:fs/promises'
import { CORE_SCHEMA, load as loadYaml } from 'js-yaml'
import type { Document, LineCounter } from 'yaml'
import { GatewayError } from '../errors.ts'
import { yaml } from '../util/yaml.ts'

export interface LoadedFile {
  readonly file: string
  readonly text: string
  readonly value: unknown
  /** 1-based line of the node at a path such as ['routes', 0, 'targets'], or of its nearest parent. */
  lineOf(path: readonly (string | number)[]): number | undefined
}

interface Parsed {
  readonly doc: Document
  readonly lineCounter: LineCounter
}

function parse(text: string): Parsed {
  const { LineCounter, parseDocument } = yaml()
  const lineCounter = new LineCounter()
  // JSON is parsed by the YAML parser too (JSON is YAML 1.2), so both get line numbers.
  return { doc: parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true }), lineCounter }
}

function parseError(file: string, parsed: Parsed): GatewayError | undefined {
  const first = parsed.doc.errors[0]
  if (!first) return undefined
  const pos = first.linePos?.[0] ?? parsed.lineCounter.linePos(first.pos[0])
  const detail = first.message.split('\n')[0]
  return new GatewayError(
    'SP_ERR_CONFIG_PARSE',
    `${file}${pos.line ? `:${pos.line}:${pos.col}` : ''}: ${detail}`,
    { file, line: pos.line, column: pos.col },
  )
}

/** The value by the fast parser, or undefined when only the full one can say (anchors, any error). */
function fastValue(text: string): { value: unknown } | undefined {
  if (/(^|[\s[{,])&\S/.test(text)) return undefined
  try {
    // CORE_SCHEMA: YAML 1.2 scalars as yaml reads them (no timestamps, no `<<` merge keys).
    return { value: loadYaml(text, { schema: CORE_SCHEMA }) }
  } catch {
    return undefined
  }
}

/** A `.json` file is held to JSON (YAML would let a trailing comma or a comment through). */
function jsonValue(file: string, text: string): { value: unknown } {
  try {
    return { value: JSON.parse(text) }
  } catch (err) {
    const message = (err as Error).message
    const at = /at position (\d+)/.exec(message)
    const offset = at ? Number(at[1]) : text.length
    const before = text.slice(0, offset).split('\n')
    const line = before.length
    const column = (before.at(-1)?.length ?? 0) + 1
    const detail = message.replace(/\s*(in JSON )?at position \d+.*$/, '').replace(/^JSON\.parse: /, '')
    throw new GatewayError('SP_ERR_CONFIG_PARSE', `${file}:${line}:${column}: ${detail || 'not JSON'}`, {
      file,
      line,
      column,
    })
  }
}

export function parseConfigText(file: string, text: string): LoadedFile {
  // The parsed document (a node with its source range for every key and value) costs KBs per route and
  // the loaded file lives as long as its configuration: it is held weakly and parsed again from the text
  // in the rare case a line is asked for after the garbage collector took it.
  let kept: WeakRef<Parsed> | undefined
  const document = (): Parsed => {
    let p = kept?.deref()
    if (p === undefined) {
      p = parse(text)
      kept = new WeakRef(p)
    }
    return p
  }
  let value: unknown
  const fast = file.endsWith('.json') ? jsonValue(file, text) : fastValue(text)
  if (fast) value = fast.value ?? {}
  else {
    const parsed = document()
    const error = parseError(file, parsed)
    if (error) throw error
    value = parsed.doc.toJS({ maxAliasCount: 100 }) ?? {}
  }
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new GatewayError(
      'SP_ERR_CONFIG_INVALID',
      `${file}:1: the top level must be a mapping (key: value)`,
      {
        file,
        line: 1,
      },
    )
  }
  return {
    file,
    text,
    value,
    lineOf(path) {
      const p = document()
      for (let n = path.length; n >= 0; n--) {
        const node = p.doc.getIn(path.slice(0, n), true)
        if (yaml().isNode(node) && node.range) return p.lineCounter.linePos(node.range[0]).line
      }
      return undefined
    },
  }
}

export async function loadConfigFile(file: string): Promise<LoadedFile> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    const why = code === 'ENOENT' ? 'file not found' : code === 'EACCES' ? 'permission denied' : String(err)
    throw new GatewayError('SP_ERR_CONFIG_READ', `${file}: ${why}`, { file }, { cause: err })
  }
  return parseConfigText(file, text)
}
