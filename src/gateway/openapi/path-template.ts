// An OpenAPI path template (`/users/{id}`) as a regular expression over request paths, shared by
// request validation and mock answers so both find the same operation for a path.

export interface PathTemplate {
  readonly regex: RegExp
  /** The template's parameter names, in the order of the regex's groups. */
  readonly names: readonly string[]
}

/** Matches `prefix + template` with an optional trailing slash; each `{name}` is one path segment. */
export function compilePathTemplate(prefix: string, template: string): PathTemplate {
  const names: string[] = []
  const source = (prefix + template)
    .split(/(\{[^}]+\})/)
    .map((part) => {
      const m = /^\{([^}]+)\}$/.exec(part)
      if (m) {
        names.push(m[1] as string)
        return '([^/]+)'
      }
      return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    })
    .join('')
  return { regex: new RegExp(`^${source}/?$`), names }
}
