import { createHash } from "node:crypto";
import { canonical, safeData } from "./hash.js";

/**
 * The trace hash (version 2): a rolling hash over every field of every effect, in two
 * independent 32-bit lanes (64 bits), with no JSON text and no SHA-256 per effect.
 *
 * Each lane step is a bijection of the lane's state (xor the word, multiply by an odd constant,
 * xor-shift), so two traces of the same shape that differ in one folded word
 * always end in different lanes; the lanes use different constants so that a collision in
 * one is independent of the other. Values are folded by type with a tag first (so `1` and
 * `"1"`, `null` and a missing field differ), strings by their UTF-16 code units and their
 * length, numbers by their float64 bits (integers as themselves), objects by their own
 * enumerable keys in order, as `JSON.stringify` reads them (the SHA-256 hash of the JSON was
 * key-order dependent too), Errors by name and message wherever they are. Fields holding
 * undefined or a function are left out, as JSON leaves them out. Anything else (a class
 * instance, a BigInt, a cycle, a throwing getter) is folded as its safe canonical JSON text.
 *
 * `digest()` is 64 hex characters (the SHA-256 of the lanes and the count), the form of
 * version 1, so tools that store or show a trace hash are unchanged.
 */
export const TRACE_HASH_VERSION = 2;

const TAG_UNDEFINED = 1;
const TAG_NULL = 2;
const TAG_TRUE = 3;
const TAG_FALSE = 4;
const TAG_INT = 5;
const TAG_FLOAT = 6;
const TAG_STRING = 7;
const TAG_ARRAY = 8;
const TAG_OBJECT = 9;
const TAG_END = 10;
const TAG_ERROR = 11;
const TAG_TEXT = 12;
const TAG_EFFECT = 13;
const TAG_OTHER = 14;
/** A key (or a `type`) seen before in this trace, by its number: `TAG_KNOWN + (number << 4)`. */
const TAG_KNOWN = 15;
/** A key seen for the first time: its text follows, and it takes the next number. */
const TAG_NEW = 16;

/** Past this many distinct keys and types in one trace, new ones are folded as text every time. */
const MAX_KNOWN = 4096;

/** How deep plain data is followed before it is folded as text (a cycle ends there). */
const MAX_DEPTH = 32;

const floats = new Float64Array(1);
const words = new Uint32Array(floats.buffer);

class TooDeep extends Error {}

const isError = (value: object): boolean => {
  try {
    return value instanceof Error;
  } catch {
    return false;
  }
};

export class EffectHash {
  private a = 0x811c9dc5;
  private b = 0x2545f491;
  private count = 0;
  /**
   * Keys and effect types by number, in the order this trace first used them: each is folded
   * as its text the first time and as its number after, so the folded words still spell out
   * every key (two traces naming keys differently differ where a key is first used).
   */
  private readonly known = new Map<string, number>();
  /**
   * The name that followed each known name last time, and its number (-1: none yet): effects of
   * one type name their keys in the same order, so the next name is most often the one predicted,
   * found by comparing two (interned) strings instead of a Map lookup. Only a shortcut: the
   * number is the Map's, the folded words are the same.
   */
  private nextText: string[] = [];
  private nextNumber: number[] = [];
  /** The number of the name folded last (-1: none). */
  private previous = -1;

  /** A key, or the value of a `type` field: by its number once seen. */
  private name(text: string): void {
    const previous = this.previous;
    let known: number | undefined;
    if (previous >= 0 && this.nextText[previous] === text) known = this.nextNumber[previous];
    else {
      known = this.known.get(text);
      if (known !== undefined && previous >= 0) {
        this.nextText[previous] = text;
        this.nextNumber[previous] = known;
      }
    }
    if (known !== undefined) {
      this.previous = known;
      this.word(TAG_KNOWN + (known << 5));
      return;
    }
    this.word(TAG_NEW);
    this.string(text);
    if (this.known.size < MAX_KNOWN) {
      const number = this.known.size;
      this.known.set(text, number);
      if (previous >= 0) {
        this.nextText[previous] = text;
        this.nextNumber[previous] = number;
      }
      this.previous = number;
    } else this.previous = -1;
  }

  /** Folds one 32-bit word into both lanes. */
  private word(value: number): void {
    let a = Math.imul(this.a ^ value, 0x85ebca6b);
    a ^= a >>> 13;
    this.a = a;
    let b = Math.imul(this.b ^ value, 0x5bd1e995);
    b ^= b >>> 15;
    this.b = b;
  }

  private string(text: string): void {
    this.word(TAG_STRING);
    this.word(text.length);
    let a = this.a;
    let b = this.b;
    for (let index = 0; index < text.length; index++) {
      const code = text.charCodeAt(index);
      a = Math.imul(a ^ code, 0x85ebca6b);
      a ^= a >>> 13;
      b = Math.imul(b ^ code, 0x5bd1e995);
      b ^= b >>> 15;
    }
    this.a = a;
    this.b = b;
  }

  private number(value: number): void {
    if ((value | 0) === value) {
      // Integers (and -0, which JSON writes as 0) as themselves.
      this.word(TAG_INT);
      this.word(value | 0);
      return;
    }
    floats[0] = value;
    this.word(TAG_FLOAT);
    this.word(words[0] as number);
    this.word(words[1] as number);
  }

  private value(value: unknown, depth: number): void {
    switch (typeof value) {
      case "string":
        this.string(value);
        return;
      case "number":
        this.number(value);
        return;
      case "boolean":
        this.word(value ? TAG_TRUE : TAG_FALSE);
        return;
      case "undefined":
      case "function":
      case "symbol":
        this.word(TAG_UNDEFINED);
        return;
      case "object":
        break;
      default:
        this.word(TAG_OTHER);
        this.string(canonical(safeData(value)));
        return;
    }
    if (value === null) {
      this.word(TAG_NULL);
      return;
    }
    if (depth > MAX_DEPTH) throw new TooDeep();
    if (Array.isArray(value)) {
      this.word(TAG_ARRAY);
      this.word(value.length);
      for (let index = 0; index < value.length; index++) this.value(value[index], depth + 1);
      this.word(TAG_END);
      return;
    }
    const proto = Object.getPrototypeOf(value);
    if (proto === Object.prototype || proto === null) {
      this.word(TAG_OBJECT);
      // for-in reads own enumerable keys in Object.keys order here (the prototype is Object's or none)
      // without making an array of them.
      for (const key in value) {
        const inner = (value as Record<string, unknown>)[key];
        if (inner === undefined || typeof inner === "function") continue;
        this.name(key);
        if (key === "type" && typeof inner === "string") this.name(inner);
        else this.value(inner, depth + 1);
      }
      this.word(TAG_END);
      return;
    }
    if (isError(value)) {
      const error = value as Error;
      this.word(TAG_ERROR);
      this.value(error.name, depth + 1);
      this.value(error.message, depth + 1);
      return;
    }
    // Class instances and other exotic values: by their canonical JSON (what version 1 folded).
    this.word(TAG_OTHER);
    this.string(canonical(value));
  }

  /** Folds one effect (never throws: hostile data is folded as its safe JSON text). */
  add(effect: object): void {
    const a = this.a;
    const b = this.b;
    try {
      this.word(TAG_EFFECT);
      this.value(effect, 0);
    } catch {
      // A throwing getter or Proxy, or a cycle: start the effect again from its safe form.
      this.a = a;
      this.b = b;
      this.word(TAG_EFFECT);
      this.word(TAG_OTHER);
      this.string(JSON.stringify(safeData(effect)));
    }
    this.count++;
  }

  addText(text: string): void {
    this.word(TAG_TEXT);
    this.string(text);
    this.count++;
  }

  digest(): string {
    return createHash("sha256")
      .update(`schedkit-trace-v${TRACE_HASH_VERSION}:${this.a >>> 0}:${this.b >>> 0}:${this.count}`)
      .digest("hex");
  }
}
