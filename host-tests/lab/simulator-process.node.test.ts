import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const tsx = join(process.cwd(), "node_modules", ".bin", "tsx");

/** Runs `npm start`'s program until `ready` matches its output, then sends SIGTERM; resolves with all output and the exit code. */
function runSimulator(args: string[], ready: RegExp): Promise<{ out: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(tsx, ["scripts/simulator.ts", ...args], { cwd: process.cwd(), stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let signalled = false;
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`simulator not ready in time:\n${out}`));
    }, 60000);
    const onData = (b: Buffer) => {
      out += b.toString();
      if (!signalled && ready.test(out)) {
        signalled = true;
        child.kill("SIGTERM");
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ out, code });
    });
  });
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
    const r = await new Promise<{ out: string; code: number | null }>((resolve) => {
      const child = spawn(tsx, ["scripts/simulator.ts", "--speed", "fast"], { cwd: process.cwd(), stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      child.stdout.on("data", (b: Buffer) => (out += b.toString()));
      child.stderr.on("data", (b: Buffer) => (out += b.toString()));
      child.on("exit", (code) => resolve({ out, code }));
    });
    expect(r.code).toBe(2);
    expect(r.out).toMatch(/--speed takes a positive number/);
  }, 60000);
});
