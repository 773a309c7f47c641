/* A typed event emitter shared by the server, the browser SDK and the bots (not a wire type, but
   every side of the protocol dispatches typed events the same way). */
/**
 * A typed event emitter whose `emit` never throws: a listener's exception is reported to
 * `onListenerError` and the other listeners still run, so application code cannot take down
 * a room or the media path.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- listener storage is erased; the public API is typed.
export class SafeEmitter<Events extends { [K in keyof Events]: unknown[] }> {
  private readonly listeners = new Map<keyof Events, Set<(...args: any[]) => void>>();

  constructor(private readonly onListenerError: (event: string, error: unknown) => void = () => {}) {}

  /** Adds a listener; returns a function that removes it. */
  on<K extends keyof Events>(event: K, listener: (...args: Events[K]) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    set.add(listener);
    return () => this.off(event, listener);
  }

  /** Adds a listener that runs once. */
  once<K extends keyof Events>(event: K, listener: (...args: Events[K]) => void): () => void {
    const off = this.on(event, (...args) => {
      off();
      listener(...args);
    });
    return off;
  }

  off<K extends keyof Events>(event: K, listener: (...args: Events[K]) => void): void {
    this.listeners.get(event)?.delete(listener);
  }

  /** Calls every listener of `event`; returns whether there was any. */
  emit<K extends keyof Events>(event: K, ...args: Events[K]): boolean {
    const set = this.listeners.get(event);
    if (!set || set.size === 0) return false;
    for (const listener of [...set]) {
      try {
        listener(...args);
      } catch (error) {
        this.onListenerError(String(event), error);
      }
    }
    return true;
  }

  /** How many listeners `event` has (a listener left behind keeps whatever it refers to alive). */
  listenerCount<K extends keyof Events>(event: K): number {
    return this.listeners.get(event)?.size ?? 0;
  }

  /** Removes every listener. */
  removeAllListeners(): void {
    this.listeners.clear();
  }
}
