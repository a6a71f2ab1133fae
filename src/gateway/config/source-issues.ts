// A source that could not be read, parsed or checked as a whole, told as config issues: the same
// entries `sallyport validate` prints and GET /config lists, each with file, line and field when known.
import { basename } from 'node:path'
import type { GatewayError } from '../errors.ts'
import type { ConfigIssue, RouteSource } from '../model/index.ts'

interface Located {
  readonly message: string
  readonly file?: string | undefined
  readonly line?: number | undefined
  readonly column?: number | undefined
  readonly field?: string | undefined
}

function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T
}

/** One issue per problem of a rejected source (a settings error names every bad field). */
export function sourceErrorIssues(source: RouteSource, error: GatewayError): ConfigIssue[] {
  const details = (error.details ?? {}) as Partial<Located> & { problems?: Located[] }
  const entity = error.code === 'SP_ERR_CONFIG_INVALID' && details.field ? 'settings' : 'file'
  const problems = details.problems?.length ? details.problems : [{ ...details, message: error.message }]
  return problems.map((p) =>
    defined({
      entity,
      id: p.field ?? (p.file ? basename(p.file) : source),
      source,
      code: error.code,
      message: p.message,
      effect: 'rejected' as const,
      file: p.file ?? details.file,
      line: p.line,
      column: p.column,
      field: p.field,
    }),
  )
}
