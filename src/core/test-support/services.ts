import { Socket } from 'node:net'

/**
 * Whether a real service (PostgreSQL, NATS, Mosquitto) answers on this machine. Integration
 * tests skip, and say so, where it does not, except under CI=true, where a missing service is
 * a failure: CI must run them.
 */
export async function serviceAvailable(name: string, host: string, port: number): Promise<boolean> {
  const up = await new Promise<boolean>((resolve) => {
    const socket = new Socket()
    const done = (ok: boolean) => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(1000, () => done(false))
    socket.once('connect', () => done(true))
    socket.once('error', () => done(false))
    socket.connect(port, host)
  })
  if (!up) {
    if (process.env.CI === 'true') throw new Error(`${name} is not reachable on ${host}:${port}, and CI=true requires it`)
    console.warn(`[skip] ${name} is not reachable on ${host}:${port}: its integration tests are skipped`)
  }
  return up
}
