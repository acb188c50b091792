const isPlainObject = (value) => {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
};
/**
 * The default `mergeFn`: `undefined` leaves the state as it is; two plain
 * objects merge shallowly; anything else replaces the state.
 */
export const defaultMerge = (state, output) => {
  if (output === undefined) return state;
  if (isPlainObject(state) && isPlainObject(output)) return { ...state, ...output };
  return output;
};
