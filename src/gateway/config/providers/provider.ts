import type { GatewayError } from '../../errors.ts'
import type { RouteSource } from '../../model/index.ts'
import type { Snapshot, SourceConfig } from '../snapshot.ts'

/** What a provider can tell the watcher. */
export interface ProviderSink {
  /** Publish the provider's whole configuration; resolves once the snapshot containing it is live. */
  emit(config: SourceConfig): Promise<Snapshot>
  /** Report that the source is broken (undefined: it recovered). The last good config keeps serving. */
  reportError(error: GatewayError | undefined): void
}

/** A configuration source (Traefik's Provider): emits whole configurations, never deltas. */
export interface Provider {
  readonly source: RouteSource
  /** Minimum time between two applied emissions (noisy sources such as mDNS). */
  readonly throttleMs?: number
  /** Emits the first configuration before resolving. */
  start(sink: ProviderSink): Promise<void>
  close(): Promise<void>
}
