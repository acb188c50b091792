/** How a checker reports: `holds` counts one pass of `check`, else a violation with the message. */
export type Verify = (check: string, holds: boolean, message: () => string) => void;

/** A spawn's key in the checkers' maps (program ids and spawn ids are free-form strings). */
export const spawnKey = (programId: string, spawnId: string): string => `${programId}\u0000${spawnId}`;

export const describeKey = (key: string): string => key.replace("\u0000", "/");
