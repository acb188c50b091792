import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { StoreRequests } from "../src/fleet/internal/storeRequests.js";
import type { StoreRequest } from "../src/fleet/protocol.js";

const scanRequest = { type: "scan" } as unknown as StoreRequest;
const scan = { kind: "scan" } as const;

/** The ids the coordinator's step would time out at `now`: the timed-out prefix of those sent before it. */
const timedOut = (requests: StoreRequests, now: number): string[] => {
  const sentBefore = requests.sent;
  const out: string[] = [];
  for (const [requestId, outstanding] of requests.outstanding) {
    if (outstanding.seq > sentBefore || now < outstanding.sentAt + requests.timeout) break;
    out.push(requestId);
  }
  return out;
};

describe("fleet StoreRequests", () => {
  it("track - ids are unique to the node and numbered in send order", () => {
    const requests = new StoreRequests("n1", 100);
    const a = requests.track(scanRequest, scan, 0);
    const b = requests.track(scanRequest, scan, 0);
    expect([a, b]).toEqual(["n1:1", "n1:2"]);
    expect(requests.outstanding.get(b)?.seq).toBe(2);
  });

  it("take - a reply is taken once; a second copy of it finds nothing", () => {
    const requests = new StoreRequests("n1", 100);
    const id = requests.track(scanRequest, scan, 5);
    expect(requests.take(id)?.sentAt).toBe(5);
    expect(requests.take(id)).toBeUndefined();
    expect(requests.firstTimeout()).toBe(Number.POSITIVE_INFINITY);
  });

  it("outstanding - the timed-out requests are exactly a prefix, whatever was answered in between", () => {
    // Requests sent at non-decreasing times (the monotonic clock), some answered; at any instant
    // the prefix walk finds exactly those past their timeout, and firstTimeout is the earliest.
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(50), fc.boolean()), { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 1, max: 200 }),
        fc.nat(2_500),
        (sends, timeout, now) => {
          const requests = new StoreRequests("n", timeout);
          let at = 0;
          const live: { id: string; sentAt: number }[] = [];
          for (const [gap, answered] of sends) {
            at += gap;
            const id = requests.track(scanRequest, scan, at);
            if (answered) requests.take(id);
            else live.push({ id, sentAt: at });
          }
          const expected = live.filter((r) => now >= r.sentAt + timeout).map((r) => r.id);
          expect(timedOut(requests, now)).toEqual(expected);
          const first = live[0];
          expect(requests.firstTimeout()).toBe(first === undefined ? Number.POSITIVE_INFINITY : first.sentAt + timeout);
        },
      ),
      { numRuns: 500 },
    );
  });

  it("outstanding - a retry sent while sweeping waits for the next step, even with a timeout of 0", () => {
    const requests = new StoreRequests("n1", 0);
    requests.track(scanRequest, scan, 10);
    const sentBefore = requests.sent;
    const swept: string[] = [];
    for (const [requestId, outstanding] of requests.outstanding) {
      if (outstanding.seq > sentBefore || 10 < outstanding.sentAt + requests.timeout) break;
      swept.push(requestId);
      requests.take(requestId);
      requests.track(scanRequest, scan, 10); // the retry
    }
    expect(swept).toEqual(["n1:1"]);
    expect([...requests.outstanding.keys()]).toEqual(["n1:2"]);
  });

  it("expireLate - a late reply is answered until its `until`, and not after", () => {
    const requests = new StoreRequests("n1", 10);
    const a = requests.track(scanRequest, scan, 0);
    const b = requests.track(scanRequest, scan, 1);
    const outA = requests.take(a);
    const outB = requests.take(b);
    if (outA === undefined || outB === undefined) throw new Error("tracked requests missing");
    requests.keepLate(a, outA, 30);
    requests.keepLate(b, outB, 31);
    requests.expireLate(30); // `until` itself still answers
    expect(requests.takeLate(a)?.until).toBe(30);
    requests.expireLate(31.5);
    expect(requests.takeLate(b)).toBeUndefined();
  });

  it("takeLate - a late reply is used once", () => {
    const requests = new StoreRequests("n1", 10);
    const a = requests.track(scanRequest, scan, 0);
    const outA = requests.take(a);
    if (outA === undefined) throw new Error("tracked request missing");
    requests.keepLate(a, outA, 100);
    expect(requests.takeLate(a)?.sentAt).toBe(0);
    expect(requests.takeLate(a)).toBeUndefined();
  });
});
