/**
 * The contract kit for policy authors: check an unspawn policy against the
 * rules every policy must keep. Needs `fast-check` installed (a peer).
 *
 * @since 0.1.0
 */
export type { CheckPolicyOptions, PolicyFailure, PolicyReport } from "./checkPolicy.js";
export { assertPolicy, checkPolicy } from "./checkPolicy.js";
