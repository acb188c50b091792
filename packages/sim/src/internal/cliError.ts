/**
 * A refused invocation: `code` names the kind of mistake, `line` says what it was in one line;
 * the message adds the usage text when the options were wrong.
 */
export class CliError extends Error {
  override readonly name = "CliError";
  constructor(
    readonly code: string,
    readonly line: string,
    /** The usage text to add (the command's or a subcommand's), if any. */
    withUsage: false | string = false,
    /** The command that lists the options, named in the one-line error. */
    readonly helpCommand = "schedkit-sim --help",
  ) {
    super(withUsage === false ? line : `${line}\n\n${withUsage}`);
  }
}
