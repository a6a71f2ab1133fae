// The gRPC upstream of the grpc scenario: the e2e fixture's real @grpc/grpc-js echo server
// (e2e/fixtures/grpc/echo-server.ts, h2c on 127.0.0.1:<ephemeral>), in a process of its own so it can be
// pinned to the proxy's core. Writes {"port":N} to $STATE_FILE once bound; on SIGTERM/SIGINT writes
// {"port":N,"calls":M} (Echo calls the server started) and exits.
import fs from 'node:fs'
import { startEchoServer } from '../../e2e/fixtures/grpc/echo-server.ts'

const stateFile = process.env.STATE_FILE
const server = await startEchoServer()
const write = (o) => {
  fs.writeFileSync(`${stateFile}.tmp`, JSON.stringify(o))
  fs.renameSync(`${stateFile}.tmp`, stateFile)
}
write({ port: server.port })
console.log(`grpc echo server on ${server.address}`)
let closing = false
for (const s of ['SIGTERM', 'SIGINT'])
  process.on(s, async () => {
    if (closing) return
    closing = true
    write({ port: server.port, calls: server.calls })
    await server.close()
    process.exit(0)
  })
