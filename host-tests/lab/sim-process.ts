/**
 * The simulator as users run it (`npm start`): a child process on a free TCP
 * port with its own state directory, stopped by SIGTERM or killed with
 * SIGKILL (a power cut), restartable on the same state.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const tsx = join(process.cwd(), "node_modules", ".bin", "tsx");

export interface SimProcess {
  port: number;
  child: ChildProcess;
  output(): string;
  /** SIGKILL (a power cut) and wait for the exit. */
  kill(): Promise<void>;
  /** SIGTERM and wait for the exit. */
  stop(): Promise<void>;
}

export function stateDir(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), "meter-hard-"));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export function startSimulator(dir: string, extra: string[] = []): Promise<SimProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(tsx, ["scripts/simulator.ts", "--state", dir, "--tcp-port", "0", "--no-optical", "--quiet", ...extra], { cwd: process.cwd(), stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let done = false;
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`simulator not ready:\n${out}`));
    }, 60000);
    const exited = new Promise<void>((r) => child.on("exit", () => r()));
    const onData = (b: Buffer) => {
      out += b.toString();
      const m = /listening on tcp:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m && !done) {
        done = true;
        clearTimeout(timer);
        resolve({
          port: Number(m[1]),
          child,
          output: () => out,
          kill: async () => {
            child.kill("SIGKILL");
            await exited;
          },
          stop: async () => {
            child.kill("SIGTERM");
            await exited;
          },
        });
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("exit", (code) => {
      if (!done) {
        clearTimeout(timer);
        reject(new Error(`simulator exited with ${code}:\n${out}`));
      }
    });
  });
}
