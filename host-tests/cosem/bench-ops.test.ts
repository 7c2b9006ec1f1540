import { describe, expect, it } from "vitest";
import { xdlmsBenchOps } from "./bench-ops.js";

/** The benchmark operations must keep working: each runs a few times without throwing. */
describe("xDLMS bench operations", () => {
  it.each(xdlmsBenchOps.map((op) => ({ op, name: op.name })))("$name", ({ op }) => {
    const s = op.setup() as never;
    // Each op throws when the exchange it measures goes wrong (refused association, unopened response, no blocks).
    for (let i = 0; i < 3; i++) op.run(s);
    expect((s as { m: { server: { faults: number } } }).m.server.faults).toBe(0);
  });
});
