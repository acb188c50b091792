/**
 * `SCHEDKIT_FLEET_TRACE=<text>`: the fleet simulator prints to stderr every
 * coordinator dispatch (command and effects, as JSON) whose text contains
 * `<text>`, such as a fire id, a command id or `"shard":3,`. For reading a
 * failing seed; it changes nothing in the run.
 */
export const traceFilter: string | undefined =
  typeof process === "undefined" ? undefined : process.env.SCHEDKIT_FLEET_TRACE || undefined;
