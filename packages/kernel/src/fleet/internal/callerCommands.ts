import type { ProgramSpec } from "../../Program.js";
import type { CoordinatorEffect } from "../Coordinator.js";
import { shardOf } from "../fingerprint.js";
import type { FleetCommand, StoreReply, StoreRequest } from "../protocol.js";
import { checkFleetCommand } from "./validateOptions.js";

/** The store requests a caller's commands make, as the coordinator files them. */
export type CommandRequest =
  | { readonly kind: "submit"; readonly commandId: string }
  | { readonly kind: "withdraw"; readonly commandId: string }
  | { readonly kind: "answers" };

/** What the caller side needs from its coordinator. */
export interface CallerHost {
  readonly nodeId: string;
  readonly shardCount: number;
  readonly programs: ReadonlyMap<string, ProgramSpec>;
  readonly commandTimeout: number;
  readonly answerPollInterval: number;
  /** The current dispatch's effects (a fresh array each dispatch). */
  readonly out: CoordinatorEffect[];
  /** The node's monotonic clock, as of the current dispatch. */
  now(): number;
  /** Sends a store request through the coordinator, which times it out; returns its id. */
  send(request: StoreRequest, what: CommandRequest): string;
}

interface PendingCommand {
  readonly commandId: string;
  readonly shard: number;
  readonly command: FleetCommand;
  readonly submittedAt: number;
  state: "submitting" | "waiting" | "withdrawing";
  /** The owner took it: it will be answered, however long that takes. */
  taken: boolean;
  request: string | null;
}

/**
 * The commands this node's callers submitted, for whichever node owns their
 * program's shard: each is put in the shard's inbox, withdrawn if no owner
 * takes it in time, and answered from the store's answers.
 */
export class CallerCommands {
  private readonly commands = new Map<string, PendingCommand>();
  private answersRequest: string | null = null;
  private nextAnswersAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly host: CallerHost) {}

  submit(commandId: string, command: FleetCommand): void {
    const host = this.host;
    const problem = checkFleetCommand(commandId, command, host.programs, this.commands);
    if (problem !== undefined) {
      host.out.push({ type: "answer", commandId, answer: problem });
      return;
    }
    const shard = shardOf(command.programId, host.shardCount);
    this.commands.set(commandId, {
      commandId,
      shard,
      command,
      submittedAt: host.now(),
      state: "submitting",
      taken: false,
      request: null,
    });
  }

  /** No answer, or a failed connection: the request may or may not have been applied. */
  onUnknown(requestId: string, what: CommandRequest): void {
    if (what.kind === "answers") {
      this.answersRequest = null;
      return;
    }
    const pending = this.commands.get(what.commandId);
    if (pending?.request === requestId) pending.request = null;
  }

  onReply(requestId: string, what: CommandRequest, reply: StoreReply): void {
    switch (what.kind) {
      case "submit": {
        const pending = this.commands.get(what.commandId);
        if (pending === undefined || pending.request !== requestId) return;
        pending.request = null;
        if (reply.type === "submitted") pending.state = "waiting";
        return;
      }
      case "withdraw": {
        const pending = this.commands.get(what.commandId);
        if (pending === undefined || pending.request !== requestId || reply.type !== "withdrawn") return;
        pending.request = null;
        if (reply.taken) {
          pending.taken = true;
          pending.state = "waiting";
          return;
        }
        this.commands.delete(what.commandId);
        this.host.out.push({
          type: "answer",
          commandId: what.commandId,
          answer: {
            status: "failed",
            code: "not-owned",
            message: `no node applied the command within ${this.host.commandTimeout} ms (shard ${pending.shard} has no reachable owner); it was withdrawn and will not be applied`,
          },
        });
        return;
      }
      case "answers":
        this.answersRequest = null;
        if (reply.type !== "answers") return;
        for (const { commandId, answer } of reply.answers) {
          if (!this.commands.delete(commandId)) continue;
          this.host.out.push({ type: "answer", commandId, answer });
        }
        return;
    }
  }

  step(): void {
    const { nodeId, commandTimeout } = this.host;
    const now = this.host.now();
    let waiting = false;
    // Deleting the entry being visited is safe, and nothing here adds one: no copy needed.
    for (const pending of this.commands.values()) {
      if (pending.state !== "waiting" && now >= pending.submittedAt + 2 * commandTimeout) {
        // The store never confirmed the command (or its withdrawal): its fate is unknown, say so.
        this.commands.delete(pending.commandId);
        this.host.out.push({
          type: "answer",
          commandId: pending.commandId,
          answer: {
            status: "failed",
            code: "store-unreachable",
            message: `the store did not confirm the command within ${2 * commandTimeout} ms: it may or may not be applied (use its effects, such as a trigger's fire id, to find out)`,
          },
        });
        continue;
      }
      if (pending.request !== null) continue;
      if (pending.state === "submitting") {
        pending.request = this.host.send(
          {
            type: "submit",
            shard: pending.shard,
            node: nodeId,
            commandId: pending.commandId,
            command: pending.command,
          },
          { kind: "submit", commandId: pending.commandId },
        );
      } else if (pending.state === "waiting" && !pending.taken && now >= pending.submittedAt + commandTimeout) {
        pending.state = "withdrawing";
        pending.request = this.host.send(
          { type: "withdraw", shard: pending.shard, node: nodeId, commandId: pending.commandId },
          { kind: "withdraw", commandId: pending.commandId },
        );
      } else if (pending.state === "withdrawing") {
        pending.request = this.host.send(
          { type: "withdraw", shard: pending.shard, node: nodeId, commandId: pending.commandId },
          { kind: "withdraw", commandId: pending.commandId },
        );
      }
      if (pending.state === "waiting") waiting = true;
    }
    if (waiting && this.answersRequest === null && now >= this.nextAnswersAt) {
      this.nextAnswersAt = now + this.host.answerPollInterval;
      const commandIds = [...this.commands.values()].filter((p) => p.state === "waiting").map((p) => p.commandId);
      this.answersRequest = this.host.send({ type: "answers", node: nodeId, commandIds }, { kind: "answers" });
    }
  }

  /** The earliest time `step` has something to do; `Infinity` if nothing is pending. */
  nextWake(): number {
    if (this.commands.size === 0) return Number.POSITIVE_INFINITY;
    const now = this.host.now();
    const { commandTimeout } = this.host;
    let wake = Number.POSITIVE_INFINITY;
    const at = (time: number) => {
      if (time < wake) wake = time;
    };
    for (const pending of this.commands.values()) {
      if (pending.request === null && pending.state !== "waiting") at(now);
      if (pending.state !== "waiting") at(pending.submittedAt + 2 * commandTimeout);
      if (pending.state === "waiting") {
        at(this.answersRequest === null ? this.nextAnswersAt : Number.POSITIVE_INFINITY);
        if (!pending.taken) at(pending.submittedAt + commandTimeout);
      }
    }
    return wake;
  }
}
