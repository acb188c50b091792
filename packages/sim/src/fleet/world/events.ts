import type { Outcome } from "@schedkit/kernel";
import type { StoreReply, StoreRequest } from "@schedkit/kernel/fleet";
import type { FleetEvent } from "../types.js";

/**
 * What the simulated world's queue holds: the timeline's events, and what the world schedules
 * itself (messages on the way, jobs ending, processes restarting, checks falling due). An event
 * for a node carries the node's incarnation (`inc`): one meant for an earlier life is dropped.
 */
export type SimEvent =
  | { readonly k: "timeline"; readonly event: FleetEvent }
  | { readonly k: "wake"; readonly node: number; readonly inc: number; readonly token: number }
  | {
      readonly k: "arrive";
      readonly node: number;
      readonly requestId: string;
      readonly request: StoreRequest;
      /**
       * The process life that sent it (`inc`) and its build: the node may have died and come back,
       * newer, before this lands. The reply goes to that life only (its connection died with it).
       */
      readonly inc: number;
      readonly build: string;
    }
  | {
      readonly k: "reply";
      readonly node: number;
      readonly inc: number;
      readonly requestId: string;
      readonly reply: StoreReply;
    }
  | {
      readonly k: "job-end";
      readonly node: number;
      readonly inc: number;
      readonly shard: number;
      readonly epoch: number;
      readonly jobId: string;
      readonly outcome: Outcome;
    }
  | { readonly k: "restart"; readonly node: number; readonly inc: number }
  | {
      readonly k: "notify";
      readonly node: number;
      readonly inc: number;
      readonly shard: number;
      readonly leaving: boolean;
    }
  | { readonly k: "deploy-step"; readonly node: number; readonly version: number; readonly canary: boolean }
  | { readonly k: "stop-timeout"; readonly node: number; readonly inc: number }
  | { readonly k: "stop-now"; readonly node: number; readonly inc: number }
  | { readonly k: "handoff-check"; readonly shard: number; readonly epoch: number; readonly releasedAt: number }
  | { readonly k: "liveness" }
  | { readonly k: "end" };
