import { describe, expect, it } from "vitest";
import {
  type Backend,
  itWithPostgres,
  pgliteBackend,
  postgresBackend,
  replyTypes,
  runConformance,
} from "./support/backends.js";
import { conformanceScript } from "./support/script.js";

const check = async (backend: Backend): Promise<void> => {
  try {
    const steps = conformanceScript();
    const result = await runConformance(backend, steps);
    for (const [index, step] of steps.entries()) {
      expect(result.sql[index], `step ${index}: ${JSON.stringify(step.request)}`).toStrictEqual(result.model[index]);
    }
    expect(result.sqlFires).toStrictEqual(result.modelFires);
    expect(result.sqlAnswers).toStrictEqual(result.modelAnswers);
    // The script reaches every reply type the model store has.
    const types = new Set(result.model.map((reply) => reply.type));
    expect([...types].sort()).toEqual([...replyTypes].sort());
  } finally {
    await backend.end();
  }
};

describe("SQL store conformance with the model store (same script, same injected clock)", () => {
  it("PGlite: every reply, fire record and answer equal", async () => {
    await check(await pgliteBackend());
  }, 60_000);

  itWithPostgres("PostgreSQL (SCHEDKIT_PG_URL): every reply, fire record and answer equal", async () => {
    await check(await postgresBackend());
  });
});
