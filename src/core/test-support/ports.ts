import { createServer } from 'node:net'

/**
 * A TCP port nobody listens on right now on 127.0.0.1 (the kernel's choice), for a server that a
 * test or benchmark starts as a process of its own and must find, or keep across restarts.
 */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number }
      s.close(() => resolve(port))
    })
  })
}
