import type { Clock } from "@schedkit/kernel";
import type { Store } from "@schedkit/kernel/fleet";

/**
 * Virtual time for fleet runners and their store alike: timers fire when
 * `advance` passes them, and at each simulated ms pending Promises (and a real
 * database's I/O, for a store wrapped by `tracked`) get to finish.
 */
export class VirtualClock implements Clock {
  time = 0;
  private readonly timers = new Map<number, { at: number; callback: () => void }>();
  private nextId = 1;
  /** Store requests in flight (through `tracked`): time stands still until they are answered. */
  private pending = 0;
  now = () => this.time;
  wallNow = () => 1_800_000_000_000 + this.time;
  setTimeout = (callback: () => void, ms: number) => {
    const id = this.nextId++;
    this.timers.set(id, { at: this.time + ms, callback });
    return id;
  };
  clearTimeout = (handle: unknown) => {
    this.timers.delete(handle as number);
  };

  /** The store, answering in no virtual time however long its real I/O takes. */
  tracked(store: Store): Store {
    return {
      execute: async (request) => {
        this.pending += 1;
        try {
          return await store.execute(request);
        } finally {
          this.pending -= 1;
        }
      },
    };
  }

  /** Moves time on in 1 ms steps, firing due timers and letting Promises and tracked I/O settle at each. */
  async advance(ms: number): Promise<void> {
    const end = this.time + ms;
    while (this.time < end) {
      while (this.pending > 0) await new Promise((resolve) => setImmediate(resolve));
      this.time += 1;
      for (const [id, timer] of [...this.timers]) {
        if (timer.at > this.time) continue;
        this.timers.delete(id);
        timer.callback();
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /** Moves time on until `promise` settles (at most `limit` ms), and returns its value. */
  async until<T>(promise: Promise<T> | undefined, limit = 20_000): Promise<T> {
    if (promise === undefined) throw new Error("no promise");
    let settled = false;
    const watched = promise.finally(() => {
      settled = true;
    });
    watched.catch(() => {});
    for (let waited = 0; !settled && waited < limit; waited += 10) await this.advance(10);
    return watched;
  }
}
