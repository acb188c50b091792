/** The fault plan of a run: which fault families are on, and the lag weights, drawn from the seed. */
import fc from "fast-check";
import { type FaultFamily, type FaultPlan, type FaultsOption, faultFamilies } from "../../types.js";
import { sampleOne } from "./draw.js";

/** The fault plan of a run: given families, none, or (swarm) each family switched on or off by the seed. */
export const planFaults = (option: FaultsOption, seed: number): FaultPlan => {
  const off = Object.fromEntries(faultFamilies.map((family) => [family, false])) as Record<FaultFamily, boolean>;
  const weights = sampleOne(
    fc.record({ lagMax: fc.integer({ min: 1, max: 50 }), lagRate: fc.double({ min: 0.05, max: 0.5, noNaN: true }) }),
    seed ^ 0x5eed,
  );
  if (option === "none") return { families: off, lagMax: 0, lagRate: 0 };
  if (option === "swarm") {
    const families = sampleOne(fc.tuple(...faultFamilies.map(() => fc.boolean())), seed ^ 0xfa17);
    return {
      families: Object.fromEntries(
        faultFamilies.map((family, index) => [family, families[index] as boolean]),
      ) as Record<FaultFamily, boolean>,
      ...weights,
    };
  }
  return { families: { ...off, ...option }, ...weights };
};
