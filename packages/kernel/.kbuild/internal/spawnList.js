/**
 * The running spawns of one program as a doubly linked list, oldest first.
 * Append, remove, earliest and latest are O(1), so first/last policies stay
 * O(1) at any size.
 */
export class SpawnList {
  head = null;
  tail = null;
  size = 0;
  append(spawn) {
    spawn.prev = this.tail;
    spawn.next = null;
    if (this.tail === null) this.head = spawn;
    else this.tail.next = spawn;
    this.tail = spawn;
    this.size++;
  }
  remove(spawn) {
    if (spawn.prev === null) this.head = spawn.next;
    else spawn.prev.next = spawn.next;
    if (spawn.next === null) this.tail = spawn.prev;
    else spawn.next.prev = spawn.prev;
    spawn.prev = null;
    spawn.next = null;
    this.size--;
  }
  *[Symbol.iterator]() {
    for (let spawn = this.head; spawn !== null; spawn = spawn.next) yield spawn;
  }
  *reversed() {
    for (let spawn = this.tail; spawn !== null; spawn = spawn.prev) yield spawn;
  }
}
/** A frozen, detached view of one spawn, safe to hand to user code. */
export const viewOf = (spawn) =>
  Object.freeze({
    id: spawn.id,
    programId: spawn.programId,
    startedAt: spawn.startedAt,
    inFlight: spawn.inFlightCount,
    submitted: spawn.submitted,
    succeeded: spawn.succeeded,
    errored: spawn.errored,
    completed: spawn.succeeded + spawn.errored,
  });
/**
 * The read-only `SpawnSet` a policy sees. Views are built lazily, so a policy
 * that only asks for an end costs O(1).
 */
export const spawnSetOf = (list) =>
  Object.freeze({
    size: list.size,
    earliest: () => (list.head === null ? undefined : viewOf(list.head)),
    latest: () => (list.tail === null ? undefined : viewOf(list.tail)),
    *[Symbol.iterator]() {
      for (const spawn of list) yield viewOf(spawn);
    },
  });
