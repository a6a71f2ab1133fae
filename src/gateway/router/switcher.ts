// The only mutable reference on the request path. A request reads `current` once and finishes on
// that table, whatever swaps happen meanwhile (Traefik handler_switcher).
import type { RouteTable } from './route-table.ts'

export class RouteTableSwitcher {
  #table: RouteTable
  constructor(initial: RouteTable) {
    this.#table = initial
  }
  get current(): RouteTable {
    return this.#table
  }
  swap(next: RouteTable): RouteTable {
    const prev = this.#table
    this.#table = next
    return prev
  }
}
