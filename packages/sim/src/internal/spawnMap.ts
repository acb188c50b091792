/**
 * Values by (program id, spawn id), in a map per program: a lookup builds no key string, and
 * forgetting a program is one delete (program and spawn ids are free-form strings).
 */
export class SpawnMap<T> {
  private readonly programs = new Map<string, Map<string, T>>();

  get(programId: string, spawnId: string): T | undefined {
    return this.programs.get(programId)?.get(spawnId);
  }

  has(programId: string, spawnId: string): boolean {
    return this.programs.get(programId)?.has(spawnId) === true;
  }

  set(programId: string, spawnId: string, value: T): void {
    let spawns = this.programs.get(programId);
    if (spawns === undefined) {
      spawns = new Map();
      this.programs.set(programId, spawns);
    }
    spawns.set(spawnId, value);
  }

  /** The program's values (spawn id, value), or none. */
  ofProgram(programId: string): ReadonlyMap<string, T> {
    return this.programs.get(programId) ?? EMPTY;
  }

  deleteProgram(programId: string): void {
    this.programs.delete(programId);
  }
}

const EMPTY: ReadonlyMap<string, never> = new Map<string, never>();
