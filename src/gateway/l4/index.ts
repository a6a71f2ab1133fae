// L4 (TCP and UDP) servers for the gobetween dialect.
export type { AccessRules } from './access.ts'
export { BALANCE_KINDS, type BalanceKind } from './balance.ts'
export type { BackendAddress, L4Server, L4Stats } from './backends.ts'
export { createTcpServer, type TcpServer, type TcpServerOptions } from './tcp-server.ts'
export {
  createUdpServer,
  UDP_SESSION_IDLE_MS,
  UDP_SESSION_LIMIT,
  type UdpServerOptions,
} from './udp-server.ts'
