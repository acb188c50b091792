/** Every scenario by name: what `generateTimeline` draws a plan of programs and commands from. */
import type fc from "fast-check";
import type { FaultPlan, ScenarioName } from "../../types.js";
import type { Spec18Features } from "../features.js";
import { hostileScenario } from "../hostileScenario.js";
import type { Plan } from "../plan.js";
import { cronCleanup } from "./cronCleanup.js";
import { dynamicScaling } from "./dynamicScaling.js";
import { manualTrigger } from "./manualTrigger.js";
import { mix } from "./mix.js";
import { policyChurn } from "./policyChurn.js";
import { stats } from "./stats.js";
import { workerPool } from "./workerPool.js";

/** The guide's scenarios and the mix, as arbitraries of programs and operator commands. */
export const scenarios: Record<
  ScenarioName,
  (steps: number, faults: FaultPlan, policies: readonly string[], features: Spec18Features) => fc.Arbitrary<Plan>
> = {
  "policy-churn": (steps, faults, policies) => policyChurn(steps, faults, policies),
  "cron-cleanup": (steps, faults) => cronCleanup(steps, faults),
  "worker-pool": (steps, faults) => workerPool(steps, faults),
  "dynamic-scaling": (steps, faults) => dynamicScaling(steps, faults),
  "manual-trigger": (steps, faults) => manualTrigger(steps, faults),
  hostile: (steps, faults) => hostileScenario(steps, faults),
  stats: (steps, faults) => stats(steps, faults),
  mix: (steps, faults, _policies, features) => mix(steps, faults, features),
};
