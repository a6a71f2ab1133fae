// The backends of an L4 server (TCP or UDP) and their counters, reported in gobetween's stats shape.
// The hot path only increments fields; a 1 s sampler turns the byte totals into per-second rates.
import type { Candidate } from './balance.ts'

export interface BackendAddress {
  readonly host: string
  readonly port: number
  readonly weight: number
  readonly priority: number
}

export interface BackendStats {
  live: boolean
  total_connections: number
  active_connections: number
  refused_connections: number
  rx: number
  tx: number
  rx_second: number
  tx_second: number
}

export interface Backend extends Candidate, BackendAddress {
  /** Connections (TCP) or sessions (UDP) ever opened. */
  total: number
  refused: number
  /** Bytes from the backend to clients. */
  rx: number
  /** Bytes from clients to the backend. */
  tx: number
  lastRx: number
  lastTx: number
}

export interface L4Stats {
  active_connections: number
  rx_total: number
  tx_total: number
  rx_second: number
  tx_second: number
  backends: (BackendAddress & { stats: BackendStats })[]
}

/** What the gobetween API holds of a running server, whatever its protocol. */
export interface L4Server {
  listen(): Promise<{ host: string; port: number }>
  stats(): L4Stats
  close(): Promise<void>
}

export function createBackends(addresses: readonly BackendAddress[]): Backend[] {
  return addresses.map((b) => ({
    ...b,
    live: true,
    active: 0,
    total: 0,
    refused: 0,
    rx: 0,
    tx: 0,
    rxSecond: 0,
    txSecond: 0,
    lastRx: 0,
    lastTx: 0,
  }))
}

/** Starts the per-second sampler; returns its stop. */
export function sampleEverySecond(backends: readonly Backend[]): () => void {
  const timer = setInterval(() => {
    for (const b of backends) {
      b.rxSecond = b.rx - b.lastRx
      b.txSecond = b.tx - b.lastTx
      b.lastRx = b.rx
      b.lastTx = b.tx
    }
  }, 1000)
  timer.unref()
  return () => clearInterval(timer)
}

export function statsOf(backends: readonly Backend[], active: number): L4Stats {
  const sum = (f: (b: Backend) => number) => backends.reduce((n, b) => n + f(b), 0)
  return {
    active_connections: active,
    rx_total: sum((b) => b.rx),
    tx_total: sum((b) => b.tx),
    rx_second: sum((b) => b.rxSecond),
    tx_second: sum((b) => b.txSecond),
    backends: backends.map((b) => ({
      host: b.host,
      port: b.port,
      priority: b.priority,
      weight: b.weight,
      stats: {
        live: b.live,
        total_connections: b.total,
        active_connections: b.active,
        refused_connections: b.refused,
        rx: b.rx,
        tx: b.tx,
        rx_second: b.rxSecond,
        tx_second: b.txSecond,
      },
    })),
  }
}
