// The one terminal line a reload gets: what was applied from where, and what was not and why.
import type { ConfigIssue } from '../model/index.ts'
import type { ReloadReport } from './watcher.ts'

const names = (ids: readonly string[]) => (ids.length ? ` (${ids.join(', ')})` : '')

function changes(r: ReloadReport): string {
  const parts: string[] = []
  const plural = r.added.length === 1 ? 'route' : 'routes'
  if (r.added.length) parts.push(`+${r.added.length} ${plural}${names(r.added)}`)
  if (r.removed.length)
    parts.push(`-${r.removed.length}${r.added.length ? '' : ' route(s)'}${names(r.removed)}`)
  if (r.changed.length) parts.push(`${r.changed.length} changed${names(r.changed)}`)
  if (r.settingsChanged) parts.push('settings changed')
  return parts.join(', ') || 'no route changed'
}

const why = (issues: readonly ConfigIssue[]) =>
  issues.map((i) => `${i.entity} ${i.id}: ${i.message}`).join('; ')

/** undefined: nothing worth a line (a source re-sent what was already applied). */
export function reloadLine(r: ReloadReport): { line: string; warn: boolean } | undefined {
  const from = r.file ?? r.sources.join(', ')
  const notApplied = r.notApplied.length ? `; not applied: ${why(r.notApplied)}` : ''
  if (r.applied)
    return {
      line: `config v${r.version} applied from ${from}: ${changes(r)}${notApplied}`,
      warn: !!notApplied,
    }
  if (notApplied)
    return { line: `${from}: nothing applied, still serving config v${r.version}${notApplied}`, warn: true }
  if (r.recovered)
    return { line: `${from} is valid again: config v${r.version} (unchanged) serving`, warn: false }
  return undefined
}
