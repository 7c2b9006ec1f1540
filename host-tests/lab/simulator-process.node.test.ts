import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runProgram, startProgram } from "../support/simulator-process.node.js";

const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const f of cleanup.splice(0).reverse()) f();
});

/** Runs `npm start`'s program until `ready` matches its output, then sends SIGTERM; resolves with all output and the exit code. */
async function runSimulator(args: string[], ready: RegExp): Promise<{ out: string; code: number | null }> {
  const p = startProgram("simulator", args, cleanup);
  await p.waitFor(ready);
  const code = await p.stop("SIGTERM");
  return { out: p.out(), code };
}

describe("npm start (the simulator process)", () => {
  it("prints where it listens and its pty, and stops cleanly on SIGTERM with the state saved", async () => {
    const dir = mkdtempSync(join(tmpdir(), "meter-proc-"));
    try {
      const first = await runSimulator(["--state", dir, "--tcp-port", "0", "--quiet"], /simulator pid \d+/);
      expect(first.code).toBe(0);
      expect(first.out).toMatch(/^listening on tcp:\/\/127\.0\.0\.1:\d+$/m);
      expect(first.out).toMatch(/^optical port on \/dev\/pts\/\d+$|^optical port unavailable: /m);
      expect(first.out).toMatch(/fresh state in/);
      expect(first.out).toMatch(/SIGTERM: state saved in/);
      for (const f of ["flash.bin", "rtc.json", "slot0.bin", "slot1.bin", "fota-signing-key.pem"]) expect(existsSync(join(dir, f))).toBe(true);
      const second = await runSimulator(["--state", dir, "--tcp-port", "0", "--quiet", "--no-optical"], /simulator pid \d+/);
      expect(second.code).toBe(0);
      expect(second.out).toMatch(/state restored from/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120000);

  it("refuses a bad option with the usage and exit code 2", async () => {
    const r = await runProgram("simulator", ["--speed", "fast"]);
    expect(r.code).toBe(2);
    expect(r.out).toMatch(/--speed takes a positive number/);
  }, 60000);
});
