/** What the fault tests' node processes (`node.ts`) run, shared with the tests that check them. */
import type { ProgramSpec } from "@schedkit/kernel";

/** The programs every node installs: constant (fixed-rate) intervals between 100 and 500 ms. */
export const PROGRAMS: readonly { readonly id: string; readonly interval: number }[] = [
  { id: "p100a", interval: 100 },
  { id: "p150", interval: 150 },
  { id: "p200", interval: 200 },
  { id: "p250", interval: 250 },
  { id: "p300", interval: 300 },
  { id: "p400", interval: 400 },
  { id: "p500", interval: 500 },
  { id: "p100b", interval: 100 },
];

export const NODE_OPTIONS = { shards: 8, leaseTtl: 2_000, renewInterval: 600, safetyMargin: 300 } as const;

/** The `application_name` of a node's connections (at most 63 bytes are kept: the schema names are short). */
export const applicationName = (schema: string, nodeId: string): string => `schedkit-${schema}-${nodeId}`;

/**
 * The builds a node can run (`SCHEDKIT_TEST_BUILD`, default `v1`). `v2` changes one program,
 * {@link CHANGED_PROGRAM}: `version` 1 -> 2 and its interval 250 -> {@link V2_INTERVAL} ms; every other
 * program is the same spec in both (so the same fingerprint).
 */
export type Build = "v1" | "v2";
export const BUILDS: readonly Build[] = ["v1", "v2"];
export const CHANGED_PROGRAM = "p250";
export const V2_INTERVAL = 350;

/** The interval a build runs a program at. */
export const intervalIn = (build: Build, programId: string): number =>
  build === "v2" && programId === CHANGED_PROGRAM
    ? V2_INTERVAL
    : (PROGRAMS.find((program) => program.id === programId)?.interval ?? Number.NaN);

/** A build's program specs, each with `mainFn`. The fingerprints depend on everything here but `mainFn`'s body. */
export const programSpecs = (build: Build, mainFn: ProgramSpec["mainFn"]): ProgramSpec[] =>
  PROGRAMS.map(({ id }) => ({
    id,
    type: "constant",
    interval: intervalIn(build, id),
    ...(id === CHANGED_PROGRAM ? { version: build === "v2" ? 2 : 1 } : {}),
    mainFn,
  }));
