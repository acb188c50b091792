/**
 * Commands issued inside a step (a job's result, a call from `mainFn` or a
 * listener), run in order once the step's own effects are handled.
 *
 * Why not an array with `push`/`shift`: a step at 100,000 jobs/s queues
 * hundreds of results, and an array that grows and is emptied every step
 * reallocates its backing store each time. These arrays keep their size; a
 * slot is cleared when taken, and both ends go back to 0 once drained.
 */
export class StepQueue {
  commands = [];
  afters = [];
  head = 0;
  tail = 0;
  get isEmpty() {
    return this.head === this.tail;
  }
  push(command, after) {
    this.commands[this.tail] = command;
    this.afters[this.tail] = after;
    this.tail++;
  }
  /** Whether `command` is the newest entry. */
  isLast(command) {
    return this.tail > this.head && this.commands[this.tail - 1] === command;
  }
  /** The oldest entry's command, removed with `drop`; only when not empty. */
  nextCommand() {
    return this.commands[this.head];
  }
  nextAfter() {
    return this.afters[this.head];
  }
  drop() {
    this.commands[this.head] = undefined;
    this.afters[this.head] = undefined;
    this.head++;
    if (this.head === this.tail) this.head = this.tail = 0;
  }
}
