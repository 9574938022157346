/** A typed event emitter small enough for browsers (no node:events). */
export class Emitter<Events extends object> {
  private readonly listeners = new Map<keyof Events, Set<(value: never) => void>>()

  on<K extends keyof Events>(type: K, listener: (value: Events[K]) => void): () => void {
    let set = this.listeners.get(type)
    if (!set) this.listeners.set(type, (set = new Set()))
    const l = listener as (value: never) => void
    set.add(l)
    return () => void set.delete(l)
  }

  emit<K extends keyof Events>(type: K, value: Events[K]): void {
    const set = this.listeners.get(type)
    if (!set) return
    for (const l of [...set]) (l as (value: Events[K]) => void)(value)
  }
}
