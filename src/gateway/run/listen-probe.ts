// The port a child should listen on, and knowing when it does.
import { connect, createServer } from 'node:net'

/** A port the OS says is free on loopback now (the child binds it a moment later). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port })
    const done = (ok: boolean) => {
      socket.destroy()
      resolve(ok)
    }
    socket.once('connect', () => done(true))
    socket.once('error', () => done(false))
    socket.setTimeout(1000, () => done(false))
  })
}

/**
 * Resolves with the loopback address that accepts a connection on `port` (IPv4 first: dev servers that
 * bind `localhost` may take ::1 only), or undefined once `gone` says the child has exited.
 */
export async function waitForListen(
  port: number,
  gone: () => boolean,
  intervalMs = 150,
): Promise<string | undefined> {
  while (!gone()) {
    for (const host of ['127.0.0.1', '::1']) if (await accepts(host, port)) return host
    await new Promise((r) => setTimeout(r, intervalMs))
  }
  return undefined
}
