// Backend choice for L4 servers, named as gobetween names them: weight (weighted random, the default),
// roundrobin, leastconn, leastbandwidth, iphash / iphash1 (client IP), ipporthash1 (client IP and port).
import { createHash } from 'node:crypto'

export const BALANCE_KINDS = [
  'weight',
  'roundrobin',
  'leastconn',
  'leastbandwidth',
  'iphash',
  'iphash1',
  'ipporthash1',
] as const
export type BalanceKind = (typeof BALANCE_KINDS)[number]

export interface Candidate {
  readonly weight: number
  readonly priority: number
  live: boolean
  active: number
  rxSecond: number
  txSecond: number
}

export interface Client {
  readonly address: string
  readonly port: number
}

export type Picker<T extends Candidate> = (candidates: readonly T[], client: Client) => T | undefined

const hashOf = (text: string) => createHash('sha1').update(text).digest().readUInt32BE(0)

export function createPicker<T extends Candidate>(kind: BalanceKind): Picker<T> {
  let next = 0
  return (all, client) => {
    const live = all.filter((c) => c.live)
    const pool = live.length > 0 ? live : all
    if (pool.length === 0) return undefined
    // Lower priority numbers win, as in gobetween's priority grouping.
    const best = Math.min(...pool.map((c) => c.priority))
    const list = pool.filter((c) => c.priority === best)
    switch (kind) {
      case 'roundrobin':
        return list[next++ % list.length]
      case 'leastconn':
        return list.reduce((a, b) => (b.active < a.active ? b : a))
      case 'leastbandwidth':
        return list.reduce((a, b) => (b.rxSecond + b.txSecond < a.rxSecond + a.txSecond ? b : a))
      case 'iphash':
      case 'iphash1':
        return list[hashOf(client.address) % list.length]
      case 'ipporthash1':
        return list[hashOf(`${client.address}:${client.port}`) % list.length]
      default: {
        const total = list.reduce((s, c) => s + c.weight, 0)
        if (total <= 0) return list[next++ % list.length]
        let r = Math.random() * total
        for (const c of list) {
          r -= c.weight
          if (r < 0) return c
        }
        return list[list.length - 1]
      }
    }
  }
}
