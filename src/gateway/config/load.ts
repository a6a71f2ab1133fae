// Reads a YAML or JSON config file into a plain value, keeping enough of the parse to point at lines.
import { readFile } from 'node:fs/promises'
import { LineCounter, parseDocument, isNode, type Document } from 'yaml'
import { GatewayError } from '../errors.ts'

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
  const lineCounter = new LineCounter()
  // JSON is parsed by the YAML parser too (JSON is YAML 1.2), so both get line numbers.
  return { doc: parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true }), lineCounter }
}

export function parseConfigText(file: string, text: string): LoadedFile {
  const parsed = parse(text)
  const { doc, lineCounter } = parsed
  const first = doc.errors[0]
  if (first) {
    const line = first.linePos?.[0]?.line ?? lineCounter.linePos(first.pos[0]).line
    const detail = first.message.split('\n')[0]
    throw new GatewayError('SP_ERR_CONFIG_PARSE', `${file}${line ? `:${line}` : ''}: ${detail}`, {
      file,
      line,
    })
  }
  const value: unknown = doc.toJS({ maxAliasCount: 100 }) ?? {}
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
  // The parsed document (a node with its source range for every key and value) costs KBs per route and
  // the loaded file lives as long as its configuration: it is held weakly and parsed again from the text
  // in the rare case a line is asked for after the garbage collector took it.
  let kept = new WeakRef(parsed)
  return {
    file,
    text,
    value,
    lineOf(path) {
      let p = kept.deref()
      if (p === undefined) {
        p = parse(text)
        kept = new WeakRef(p)
      }
      for (let n = path.length; n >= 0; n--) {
        const node = p.doc.getIn(path.slice(0, n), true)
        if (isNode(node) && node.range) return p.lineCounter.linePos(node.range[0]).line
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
