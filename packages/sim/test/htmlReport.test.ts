import { describe, expect, it } from "vitest";
import {
  escapeHtml,
  formatNumber,
  histogramSvg,
  MAX_TIMELINE_BARS,
  renderHtmlReport,
  timelineSvg,
} from "../src/internal/htmlReport.js";
import type { FaultFamily, Jitter, SimResult, SpawnLife, Timeline } from "../src/types.js";

const evil = "<script>alert(1)</script>";

const jitter = (p50: number, p90: number, p99: number, max: number, count = 100): Jitter => ({
  count,
  p50,
  p90,
  p99,
  max,
});

const families = (on: readonly FaultFamily[]): Record<FaultFamily, boolean> => ({
  lag: on.includes("lag"),
  jumps: on.includes("jumps"),
  regressions: on.includes("regressions"),
  slowJobs: on.includes("slowJobs"),
  failures: on.includes("failures"),
  bursts: on.includes("bursts"),
  crashes: on.includes("crashes"),
});

const timeline = (seed: number, scenario: Timeline["scenario"], on: readonly FaultFamily[]): Timeline => ({
  version: 1,
  seed,
  scenario,
  steps: 5_000,
  faults: { families: families(on), lagMax: 250, lagRate: 0.1 },
  policies: ["fifo", "lifo"],
  events: [{ at: 0, kind: "spawn", programId: "cleanup" }],
});

/** A passing run: three programs, one of them with a hostile id, and a spawn still running. */
const passing: SimResult = {
  seed: 42,
  scenario: "worker-pool",
  traceHash: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
  violations: [],
  jitter: jitter(3, 12.5, 48, 61),
  jitterByType: { basic: jitter(3, 12, 40, 61, 70), constant: jitter(2, 9, 30, 48, 30) },
  histogram: { binMs: 5, counts: [40, 25, 14, 9, 0, 5, 3, 0, 0, 2, 1, 0, 1, 0, 0] },
  lateness: [],
  drift: 0,
  spawns: [
    { programId: "worker", spawnId: "worker-1", startedAt: 0, stoppedAt: 12_000, jobs: 30 },
    { programId: "worker", spawnId: "worker-2", startedAt: 1_500, stoppedAt: 20_000, jobs: 41 },
    { programId: "cleanup", spawnId: "cleanup-1", startedAt: 2_000, stoppedAt: 2_000, jobs: 0 },
    { programId: evil, spawnId: "evil-1", startedAt: 4_000, stoppedAt: null, jobs: 12 },
    { programId: "worker", spawnId: "worker-3", startedAt: 9_000, stoppedAt: null, jobs: 22 },
  ],
  checks: { "one-job-per-spawn": 812, "no-lost-job": 97, [evil]: 1 },
  stats: { steps: 5_000, jobs: 100, simulatedMs: 30_000, wallMs: 84, eventsPerSecond: 59_523.8 },
  timeline: timeline(42, "worker-pool", []),
};

/** A failing run: one-bin histogram, violations (one with a hostile message), faults on. */
const failing: SimResult = {
  seed: 7,
  scenario: "dynamic-scaling",
  traceHash: "deadbeefcafebabe0123456789",
  violations: [
    { check: "max-concurrency", message: "3 jobs ran for a program with max 2", seed: 7, at: 10_250, step: 311 },
    { check: "no-lost-job", message: `job-9 vanished after ${evil} & "crash"`, seed: 7, at: 18_000, step: 540 },
  ],
  jitter: jitter(0, 0, 0, 0, 8),
  jitterByType: { basic: jitter(0, 0, 0, 0, 8), constant: jitter(0, 0, 0, 0, 0) },
  histogram: { binMs: 10, counts: [8] },
  lateness: [],
  drift: 1.5,
  spawns: Array.from(
    { length: MAX_TIMELINE_BARS + 25 },
    (_, i): SpawnLife => ({
      programId: i % 3 === 0 ? "scaler" : "pool",
      spawnId: `s-${i}`,
      startedAt: i * 100,
      stoppedAt: i % 4 === 0 ? null : i * 100 + 2_000,
      jobs: i % 5,
    }),
  ),
  checks: { "max-concurrency": 3, "no-lost-job": 4 },
  stats: { steps: 600, jobs: 8, simulatedMs: 25_000, wallMs: 12, eventsPerSecond: 50_000 },
  timeline: timeline(7, "dynamic-scaling", ["lag", "crashes", "jumps"]),
};

/** Nothing ran: empty histogram and no spawns. */
const idle: SimResult = {
  ...passing,
  seed: 3,
  scenario: "stats",
  histogram: { binMs: 5, counts: [] },
  lateness: [],
  spawns: [],
  jitter: jitter(Number.NaN, Number.NaN, Number.NaN, Number.NaN, 0),
  stats: { steps: 0, jobs: 0, simulatedMs: 0, wallMs: 0, eventsPerSecond: 0 },
  timeline: timeline(3, "stats", []),
};

const sampleResults: readonly SimResult[] = [passing, failing, idle];

const count = (text: string, pattern: RegExp): number => text.match(pattern)?.length ?? 0;

/** The `<svg class="…">…</svg>` blocks of one class, in order. */
const svgs = (html: string, cls: string): string[] =>
  html.match(new RegExp(`<svg class="${cls}"[\\s\\S]*?</svg>`, "g")) ?? [];

/** The report's `<section>` for the result at `index`. */
const section = (html: string, index: number): string => {
  const match = html.match(new RegExp(`<section[^>]*id="run-${index}"[\\s\\S]*?</section>`));
  if (!match) throw new Error(`no section run-${index}`);
  return match[0];
};

describe("renderHtmlReport", () => {
  const html = renderHtmlReport(sampleResults, { title: "Nightly sim" });

  it("document - is one well-formed page with balanced svg tags", () => {
    expect(html.startsWith("<!doctype html>")).toBe(true);
    expect(count(html, /<html[\s>]/g)).toBe(1);
    expect(count(html, /<\/html>/g)).toBe(1);
    expect(count(html, /<svg[\s>]/g)).toBe(count(html, /<\/svg>/g));
    expect(count(html, /<section[\s>]/g)).toBe(count(html, /<\/section>/g));
    expect(html).toContain("<title>Nightly sim</title>");
  });

  it("document - has one histogram svg and one timeline svg per result", () => {
    expect(svgs(html, "histogram")).toHaveLength(sampleResults.length);
    expect(svgs(html, "timeline")).toHaveLength(sampleResults.length);
    sampleResults.forEach((_, i) => {
      const s = section(html, i);
      expect(svgs(s, "histogram")).toHaveLength(1);
      expect(svgs(s, "timeline")).toHaveLength(1);
    });
  });

  it("document - is self-contained: no scripts, no external resources", () => {
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<link|<img|@import|url\(/i);
    expect(html).not.toMatch(/(src|href)="(?!#)/);
  });

  it("summary - has one row per result with pass/fail, shortened hash and numbers", () => {
    const tbody = html.match(/<table class="summary">[\s\S]*?<tbody>([\s\S]*?)<\/tbody>/)?.[1] ?? "";
    const rows = tbody.match(/<tr[\s\S]*?<\/tr>/g) ?? [];
    expect(rows).toHaveLength(3);
    expect(rows[0]).toContain("✓ pass");
    expect(rows[0]).toContain(">9f86d081884c<");
    expect(rows[0]).toContain("59,524");
    expect(rows[0]).toContain("30 s");
    expect(rows[1]).toContain("✗ fail");
    expect(rows[1]).toContain(">deadbeefcafe<");
    expect(rows[1]).toMatch(/<td class="bad">2<\/td>/);
    expect(html).toContain("3 runs · 2 passed · 1 failed");
  });

  it("escaping - user text appears only escaped", () => {
    expect(html).not.toContain(evil);
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(html).toContain("&amp; &quot;crash&quot;");
    const titled = renderHtmlReport([], { title: `${evil} & co` });
    expect(titled).not.toContain(evil);
    expect(titled).toContain("<h1>&lt;script&gt;alert(1)&lt;/script&gt; &amp; co</h1>");
  });

  it("histogram - draws one bar per non-zero bin", () => {
    sampleResults.forEach((result, i) => {
      const svg = svgs(html, "histogram")[i] ?? "";
      const bars = count(svg, /<rect class="bar"/g);
      expect(bars).toBe(result.histogram.counts.filter((c) => c > 0).length);
    });
    const svg = svgs(html, "histogram")[0] ?? "";
    expect(svg).toContain('data-bin="12" data-count="1"');
    expect(svg).toContain("lateness (ms), bins of 5 ms");
  });

  it("histogram - one bin draws one narrow bar; empty says nothing to plot", () => {
    const one = histogramSvg({ binMs: 10, counts: [8] });
    expect(count(one, /<rect class="bar"/g)).toBe(1);
    const width = Number(one.match(/<rect class="bar"[^>]*width="([\d.]+)"/)?.[1]);
    expect(width).toBeGreaterThan(0);
    expect(width).toBeLessThan(100);

    for (const empty of [histogramSvg({ binMs: 5, counts: [] }), histogramSvg({ binMs: 5, counts: [0, 0] })]) {
      expect(count(empty, /<rect class="bar"/g)).toBe(0);
      expect(empty).toContain("nothing to plot");
    }
  });

  it("histogram - labels a log scale when small bins would vanish", () => {
    const skewed = histogramSvg({ binMs: 1, counts: [100_000, 3, 1] });
    expect(skewed).toContain("jobs (log scale)");
    expect(count(skewed, /<rect class="bar"/g)).toBe(3);
    expect(histogramSvg({ binMs: 1, counts: [10, 5] })).not.toContain("log scale");
  });

  it("timeline - draws a bar per spawn and a running spawn reaches simulatedMs", () => {
    const svg = svgs(html, "timeline")[0] ?? "";
    expect(count(svg, /<rect class="span/g)).toBe(passing.spawns.length);
    const running = svg.match(/<rect class="span running"[^>]*data-start="9000"[^>]*>/)?.[0] ?? "";
    expect(running).toContain('data-end="30000"');
    expect(svg).toMatch(/<rect class="span"[^>]*data-start="1500" data-end="20000"/);
    expect(svg).toContain("time (s)");
  });

  it("timeline - caps the bars and says how many are not shown", () => {
    const svg = svgs(html, "timeline")[1] ?? "";
    expect(count(svg, /<rect class="span/g)).toBe(MAX_TIMELINE_BARS);
    expect(section(html, 1)).toContain("25 more not shown");
    expect(section(html, 0)).not.toContain("more not shown");
  });

  it("timeline - has a legend entry per program and handles no spawns", () => {
    const legend = section(html, 0).match(/<ul class="legend">[\s\S]*?<\/ul>/)?.[0] ?? "";
    expect(count(legend, /class="swatch"/g)).toBe(3);
    expect(legend).toContain('worker <span class="muted">3 spawns</span>');
    const empty = timelineSvg([], 0);
    expect(empty).toContain("no spawns");
    expect(count(empty, /<rect class="span/g)).toBe(0);
  });

  it("violations - are listed with check, message, time and step", () => {
    const s = section(html, 1);
    expect(s).toContain("<code>max-concurrency</code>");
    expect(s).toContain("3 jobs ran for a program with max 2");
    expect(s).toContain("<td>10,250</td><td>311</td>");
    expect(count(s.match(/<table class="violations">[\s\S]*?<\/table>/)?.[0] ?? "", /<tr>/g)).toBe(3);
    expect(section(html, 0)).toContain("every check held");
  });

  it("faults - lists the families that were on", () => {
    const s = section(html, 1);
    const chips = s.match(/<li class="chip on">([^<]*)<\/li>/g) ?? [];
    expect(chips.map((chip) => chip.replace(/<[^>]+>/g, ""))).toEqual(["lag", "jumps", "crashes"]);
    expect(s).toContain("Lag: up to 250 ms");
    expect(section(html, 0)).toContain("No fault family was on.");
  });

  it("render - is deterministic", () => {
    expect(renderHtmlReport(sampleResults, { title: "Nightly sim" })).toBe(html);
    expect(renderHtmlReport(sampleResults)).toBe(renderHtmlReport(sampleResults));
  });

  it("render - empty results give a valid document saying there is nothing to show", () => {
    const empty = renderHtmlReport([]);
    expect(empty.startsWith("<!doctype html>")).toBe(true);
    expect(count(empty, /<html[\s>]/g)).toBe(1);
    expect(empty).toContain("Nothing to show");
    expect(empty).not.toContain("<svg");
    expect(empty).not.toContain("<table");
    expect(empty.trimEnd().endsWith("</html>")).toBe(true);
  });
});

describe("helpers", () => {
  it("escapeHtml - escapes markup, quotes and control characters", () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe("&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
    expect(escapeHtml("a\u0000b\tc")).toBe("a\ufffdb\tc");
  });

  it("formatNumber - groups thousands without a locale and drops trailing zeros", () => {
    expect(formatNumber(1234567.891)).toBe("1,234,567.89");
    expect(formatNumber(12.5)).toBe("12.5");
    expect(formatNumber(-0.001)).toBe("0");
    expect(formatNumber(-2500)).toBe("-2,500");
    expect(formatNumber(Number.NaN)).toBe("–");
  });
});
