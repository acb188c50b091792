import type { Outcome } from "@schedkit/kernel";

export interface Completion {
  readonly at: number;
  readonly seq: number;
  readonly jobId: string;
  readonly outcome: Outcome;
}

/** A small binary heap of completions ordered by (time, seq). */
export class CompletionQueue {
  private readonly items: Completion[] = [];
  private readonly removed = new Set<string>();

  get size(): number {
    return this.items.length;
  }

  push(item: Completion): void {
    const items = this.items;
    items.push(item);
    let index = items.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!this.before(items[index] as Completion, items[parent] as Completion)) break;
      [items[index], items[parent]] = [items[parent] as Completion, items[index] as Completion];
      index = parent;
    }
  }

  /** The next live completion, dropping those removed (cancelled or lost). */
  peek(): Completion | undefined {
    for (let top = this.items[0]; top !== undefined; top = this.items[0]) {
      // Nothing removed (the common case): no lookup per step.
      if (this.removed.size === 0 || !this.removed.has(top.jobId)) return top;
      this.removed.delete(top.jobId);
      this.pop();
    }
    return undefined;
  }

  pop(): Completion | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length > 0 && last !== undefined) {
      items[0] = last;
      let index = 0;
      for (;;) {
        const left = 2 * index + 1;
        const right = left + 1;
        let smallest = index;
        if (left < items.length && this.before(items[left] as Completion, items[smallest] as Completion))
          smallest = left;
        if (right < items.length && this.before(items[right] as Completion, items[smallest] as Completion))
          smallest = right;
        if (smallest === index) break;
        [items[index], items[smallest]] = [items[smallest] as Completion, items[index] as Completion];
        index = smallest;
      }
    }
    return top;
  }

  remove(jobId: string): void {
    this.removed.add(jobId);
  }

  private before(a: Completion, b: Completion): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }
}
