/** A minimal typed event emitter: on() returns the function that removes the listener. */
export class Emitter<Events extends Record<string, unknown[]>> {
  private listeners = new Map<keyof Events, Set<(...args: any[]) => void>>() // eslint-disable-line @typescript-eslint/no-explicit-any

  on<K extends keyof Events>(type: K, fn: (...args: Events[K]) => void): () => void {
    let set = this.listeners.get(type)
    if (!set) {
      set = new Set()
      this.listeners.set(type, set)
    }
    set.add(fn)
    return () => set.delete(fn)
  }

  protected emit<K extends keyof Events>(type: K, ...args: Events[K]): void {
    const set = this.listeners.get(type)
    if (!set) return
    for (const fn of [...set]) fn(...args)
  }
}
