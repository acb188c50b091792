/**
 * Types a program spec without installing it: the same inference as
 * `runner.install({ ... })` gives, for a spec kept in a variable or passed to
 * `restoreKernel`. Returns the spec itself. @since 0.1.0
 */
export const defineProgram = (spec) => spec;
