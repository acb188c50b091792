import { describe } from "./describe.js";

const keyPath = (root, key) => (/^[A-Za-z_$][\w$]*$/.test(key) ? `${root}.${key}` : `${root}[${JSON.stringify(key)}]`);
/**
 * Reads an input object's known fields once each into a plain copy, and
 * refuses unknown own keys. The kernel validates and keeps only the copy, so a
 * getter cannot answer one value to the check and another later, a Proxy or a
 * throwing getter becomes a rejection instead of an exception, and a caller
 * mutating its object afterwards changes nothing inside. Known fields may be
 * inherited (a class instance's methods), unknown ones are looked for among
 * the object's own keys.
 */
export const copyFields = (input, root, known) => {
  if (typeof input !== "object" || input === null) {
    return {
      ok: false,
      field: root,
      message: `${root}: Expected an object, got ${input === null ? "null" : typeof input}`,
    };
  }
  let keys;
  try {
    keys = Object.keys(input);
  } catch (error) {
    return { ok: false, field: root, message: `${root}: its keys could not be read (${describe(error)})` };
  }
  for (const key of keys) {
    if (!known.has(key)) {
      const field = keyPath(root, key);
      return { ok: false, field, message: `${field}: unknown key (check its spelling)` };
    }
  }
  const copy = {};
  const own = new Set(keys);
  for (const key of known) {
    let value;
    try {
      value = input[key];
    } catch (error) {
      const field = keyPath(root, key);
      return { ok: false, field, message: `${field}: could not be read (${describe(error)})` };
    }
    // An own key set to undefined stays (`{ ok: false, error: undefined }` is a failure that threw undefined).
    if (value !== undefined || own.has(key)) copy[key] = value;
  }
  return { ok: true, value: copy };
};
