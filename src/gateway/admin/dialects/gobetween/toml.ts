// A small TOML writer for /dump: nested tables of strings, numbers, booleans and lists of those.
type Value = string | number | boolean | null | undefined | Value[] | { [k: string]: Value }

const bare = (k: string) => (/^[A-Za-z0-9_-]+$/.test(k) ? k : JSON.stringify(k))
const isTable = (v: Value): v is { [k: string]: Value } =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

function scalar(v: Value): string {
  if (Array.isArray(v)) return `[${v.map(scalar).join(', ')}]`
  if (typeof v === 'string') return JSON.stringify(v)
  if (isTable(v))
    return `{ ${Object.entries(v)
      .filter(([, x]) => x != null)
      .map(([k, x]) => `${bare(k)} = ${scalar(x)}`)
      .join(', ')} }`
  return String(v)
}

export function toToml(root: { [k: string]: Value }): string {
  const out: string[] = []
  const walk = (table: { [k: string]: Value }, path: string[]) => {
    const entries = Object.entries(table).filter(([, v]) => v !== null && v !== undefined)
    const plain = entries.filter(([, v]) => !isTable(v))
    if (path.length > 0 && (plain.length > 0 || entries.length === 0))
      out.push(`\n[${path.map(bare).join('.')}]`)
    for (const [k, v] of plain) out.push(`${bare(k)} = ${scalar(v)}`)
    for (const [k, v] of entries) if (isTable(v)) walk(v, [...path, k])
  }
  walk(root, [])
  return `${out.join('\n').trim()}\n`
}
