/**
 * Decimal strings of whole numbers, made without V8's number-to-string cache.
 *
 * Why: `${n}` keeps each string it makes in that cache (a table of thousands of entries in the old
 * generation). A job id is made per job, and its number is never seen again, so the cache was full
 * of young strings that every young-generation GC then had to copy (about 390 KB at each, most of
 * its pause). Here only the thousands part is made with `${}` (one string per thousand numbers, a
 * cache hit otherwise), and the last three digits come from a table.
 */

/** `"000"` to `"999"`. */
const LAST_DIGITS: readonly string[] = Array.from({ length: 1000 }, (_, index) => `${index}`.padStart(3, "0"));

/** `prefix` followed by a number's decimal string, as `${prefix}${n}` gives it; the latest thousands part is kept. */
export class DecimalNames {
  private thousands = -1;
  private head = "";
  /** The latest number named and its name: jobs due at the same time share their due time's string. */
  private last = Number.NaN;
  private lastName = "";

  constructor(private readonly prefix: string) {}

  /** `${prefix}${n}`, exactly. */
  name(n: number): string {
    if (n === this.last) return this.lastName;
    this.last = n;
    this.lastName = this.make(n);
    return this.lastName;
  }

  private make(n: number): string {
    if (!(n >= 1000 && n <= Number.MAX_SAFE_INTEGER && Number.isInteger(n))) return `${this.prefix}${n}`;
    const thousands = Math.floor(n / 1000);
    if (thousands !== this.thousands) {
      this.thousands = thousands;
      this.head = `${this.prefix}${thousands}`;
    }
    return this.head + (LAST_DIGITS[n - thousands * 1000] as string);
  }
}
