/**
 * Event codes are defined by each domain next to its code (src/events.ts),
 * so nothing but this check stops two domains from giving one code of one
 * log two meanings, which a head-end could then not tell apart. It also
 * makes sure every event-code table in src/ is assigned to the logs it
 * writes to, so the lab console names every code.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { LOG_TABLES, codesOf, eventName } from "../../scripts/lab/console/event-names.js";
import type { EventLogId } from "../../src/events.js";
import { EVENT_LOGS } from "../../src/storage/event-logs.js";

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith(".ts") ? [p] : [];
  });
}

describe("event codes", () => {
  it("every event log has its code tables, and no code means two things in one log", () => {
    expect(Object.keys(LOG_TABLES).sort()).toEqual(EVENT_LOGS.map((l) => l.id).sort());
    const collisions: string[] = [];
    for (const log of Object.keys(LOG_TABLES) as EventLogId[]) {
      for (const [code, names] of codesOf(log)) if (names.length > 1) collisions.push(`${log} ${code}: ${names.join(", ")}`);
    }
    expect(collisions).toEqual([]);
  });

  it("every exported event-code table of src/ is assigned to a log", async () => {
    const missing: string[] = [];
    const named = new Set((Object.keys(LOG_TABLES) as EventLogId[]).flatMap((log) => [...codesOf(log).values()].flat()));
    for (const file of sources(join(process.cwd(), "src"))) {
      for (const m of readFileSync(file, "utf8").matchAll(/^export const (\w*Event\w*) = (?:Object\.freeze\()?\{/gm)) {
        const mod = (await import(file)) as Record<string, Record<string, unknown>>;
        for (const [key, v] of Object.entries(mod[m[1]])) {
          if (key.endsWith("Base")) continue;
          const words = key.replace(/([A-Z])/g, " $1").toLowerCase();
          const ok = typeof v === "number" ? named.has(words) : named.has(`${words} L1`);
          if (!ok) missing.push(`${relative(process.cwd(), file)} ${m[1]}.${key}`);
        }
      }
    }
    expect(missing).toEqual([]);
  });

  it("names codes by log, and an unknown code by its number", () => {
    expect(eventName("standard", 5)).toBe("clock adjusted new");
    expect(eventName("prepayment", 230)).toBe("token accepted");
    expect(eventName("power-quality", 77)).toBe("under voltage L2");
    expect(eventName("security", 200)).toBe("code 200");
  });
});
