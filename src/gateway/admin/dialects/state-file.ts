// A dialect's own persisted state (FluxGate upstreams, service-management variables and programs,
// gobetween servers): one readable YAML file in the data dir, or one document in the shared store when
// Redis is configured (store/shared-documents.ts); changed one at a time, acknowledged once stored.
import type { SharedDocument } from '../../store/shared-document.ts'
import type { SharedDocuments } from '../../store/shared-documents.ts'

export type StateFile<T> = SharedDocument<T>

export function createStateFile<T extends object>(
  documents: SharedDocuments,
  fileName: string,
  empty: () => T,
  header: string,
): StateFile<T> {
  return documents.open(fileName.replace(/\.yaml$/, ''), fileName, {
    header,
    decode: (value) =>
      value && typeof value === 'object' && !Array.isArray(value) ? { ...empty(), ...value } : empty(),
  })
}
