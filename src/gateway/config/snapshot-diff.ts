// What a new snapshot changed, by route id: for the one log line each reload gets.
import type { Snapshot } from './snapshot.ts'

export interface SnapshotDiff {
  readonly added: readonly string[]
  readonly removed: readonly string[]
  /** Routes whose configuration or enabled state changed. */
  readonly changed: readonly string[]
  readonly settingsChanged: boolean
}

export function diffSnapshots(prev: Snapshot, next: Snapshot): SnapshotDiff {
  if (prev === next) return { added: [], removed: [], changed: [], settingsChanged: false }
  const before = new Map(prev.routes.map((r) => [r.id, r]))
  const added: string[] = []
  const changed: string[] = []
  for (const r of next.routes) {
    const old = before.get(r.id)
    before.delete(r.id)
    if (!old) added.push(r.id)
    else if (old.enabled !== r.enabled || JSON.stringify(old.config) !== JSON.stringify(r.config))
      changed.push(r.id)
  }
  return {
    added,
    removed: [...before.keys()],
    changed,
    settingsChanged: JSON.stringify(prev.settings) !== JSON.stringify(next.settings),
  }
}
