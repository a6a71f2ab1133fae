// L4 (TCP) servers for the gobetween dialect.
export { BALANCE_KINDS, type BalanceKind } from './balance.ts'
export {
  type AccessRules,
  type BackendAddress,
  createTcpServer,
  type TcpServer,
  type TcpServerOptions,
} from './tcp-server.ts'
