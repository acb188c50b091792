/**
 * Commands issued inside a step (a job's result, a call from `mainFn` or a
 * listener), run in order once the step's own effects are handled.
 *
 * Why not an array with `push`/`shift`: a step at 100,000 jobs/s queues
 * hundreds of results, and an array that grows and is emptied every step
 * reallocates its backing store each time. These arrays keep their size; a
 * slot is cleared when taken, and both ends go back to 0 once drained.
 */
export class StepQueue<C, A> {
  private readonly commands: (C | undefined)[] = [];
  private readonly afters: (A | undefined)[] = [];
  private head = 0;
  private tail = 0;

  get isEmpty(): boolean {
    return this.head === this.tail;
  }

  push(command: C, after: A | undefined): void {
    this.commands[this.tail] = command;
    this.afters[this.tail] = after;
    this.tail++;
  }

  /** Whether `command` is the newest entry. */
  isLast(command: C): boolean {
    return this.tail > this.head && this.commands[this.tail - 1] === command;
  }

  /** The oldest entry's command, removed with `drop`; only when not empty. */
  nextCommand(): C {
    return this.commands[this.head] as C;
  }

  nextAfter(): A | undefined {
    return this.afters[this.head];
  }

  drop(): void {
    this.commands[this.head] = undefined;
    this.afters[this.head] = undefined;
    this.head++;
    if (this.head === this.tail) this.head = this.tail = 0;
  }
}
