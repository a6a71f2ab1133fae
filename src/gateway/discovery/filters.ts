// Bastion's ServiceFilters: include/exclude by name and by tag, `*` and `?` wildcards.
export interface ServiceFilter {
  readonly include?: readonly string[] | undefined
  readonly exclude?: readonly string[] | undefined
}

function toRegex(pattern: string): RegExp {
  const escaped = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.')
  return new RegExp(`^${escaped}$`, 'i')
}

/**
 * A pattern is a name glob (`user-*`) or a tag glob (`tag:prod*`). With an include list a service
 * must match one entry; any exclude match drops it.
 */
export function createServiceFilter(
  filter: ServiceFilter,
): (name: string, tags: readonly string[]) => boolean {
  const compile = (list: readonly string[] | undefined) =>
    (list ?? []).map((p) => {
      const tag = p.startsWith('tag:')
      return { tag, re: toRegex(tag ? p.slice(4) : p) }
    })
  const include = compile(filter.include)
  const exclude = compile(filter.exclude)
  const hit = (rules: ReturnType<typeof compile>, name: string, tags: readonly string[]) =>
    rules.some((r) => (r.tag ? tags.some((t) => r.re.test(t)) : r.re.test(name)))
  return (name, tags) => {
    if (include.length > 0 && !hit(include, name, tags)) return false
    return !hit(exclude, name, tags)
  }
}
