/**
 * Text for messages about values the kernel did not make: thrown values,
 * policy answers, command types. Hooks may throw anything (a null-prototype
 * object, an object whose `toString` throws, an Error whose `message` getter
 * throws), and a message builder that throws would escape `dispatch`.
 */
const UNPRINTABLE = "(a value that cannot be shown)";
/** A thrown value's message: an Error's `message`, else its string form. Never throws. */
export const describe = (error) => {
  try {
    if (error instanceof Error) {
      const message = error.message;
      return typeof message === "string" ? message : show(message);
    }
    return String(error);
  } catch {
    return UNPRINTABLE;
  }
};
/** A value as it would be written in code (`"last"`, `1n`, `{...}`), for messages. Never throws. */
export const show = (value) => {
  try {
    if (typeof value === "bigint") return `${value}n`;
    if (typeof value === "symbol" || typeof value === "function") return String(value);
    const text = JSON.stringify(value);
    return text === undefined ? String(value) : text.length > 120 ? `${text.slice(0, 117)}...` : text;
  } catch {
    try {
      return String(value);
    } catch {
      return UNPRINTABLE;
    }
  }
};
