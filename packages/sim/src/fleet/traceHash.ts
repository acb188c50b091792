import { continueHash32, finishHash32, hash32Prefix } from "../internal/hash.js";

/**
 * A hash of `parts.join("")`'s characters, from state `seed`: the same number as
 * `hash32(seed, a + b + ...)`, without building the joined string (FNV-1a reads one
 * character at a time, so it can go on from piece to piece). Missing parts are empty.
 */
export const hashParts = (seed: number, a: string, b = "", c = "", d = "", e = ""): number =>
  finishHash32(continueHash32(continueHash32(continueHash32(hash32Prefix(seed, a), b), c), d), e);

/** `draw(seed, a + b + ...)`: a deterministic draw in [0, 1), from the pieces of its key. */
export const drawParts = (seed: number, a: string, b = "", c = "", d = "", e = ""): number =>
  hashParts(seed, a, b, c, d, e) / 4294967296;

/**
 * The run's trace hash: every record the world traces (a store request, a job's start, a
 * crash, ...) folded into two 32-bit hashes, printed as 16 hex digits. A record is given in
 * pieces (`"q|", requestId, "|", type`), hashed as if joined.
 */
export class TraceHash {
  private first = 0x811c9dc5;
  private second = 0x12345678;

  add(a: string, b = "", c = "", d = "", e = ""): void {
    this.first = hashParts(this.first, a, b, c, d, e);
    this.second = hashParts(this.second ^ 0x5bd1e995, a, b, c, d, e);
  }

  hex(): string {
    return `${(this.first >>> 0).toString(16).padStart(8, "0")}${(this.second >>> 0).toString(16).padStart(8, "0")}`;
  }
}
