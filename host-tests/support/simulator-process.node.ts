/**
 * The simulator as its users start it (`npm start`'s program, a child
 * process), for Node-only tests: started on a free port, ready once it
 * printed its TCP address and its own pid, and killed with SIGKILL (both
 * the launcher and the simulator) by the cleanup list the test drains.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { join } from "node:path";

export const tsx = join(process.cwd(), "node_modules", ".bin", "tsx");

export interface RunningSimulator {
  child: ChildProcessWithoutNullStreams;
  out: () => string;
  port: number;
  /** The simulator's own process (tsx runs it as a child of its launcher). */
  pid: number;
  /** The optical port's pseudo-terminal, when it has one. */
  pty: string | undefined;
  exited: Promise<number | null>;
}

export function startSimulator(dir: string, extra: readonly string[], cleanup: (() => void)[]): Promise<RunningSimulator> {
  const child = spawn(tsx, ["scripts/simulator.ts", "--state", dir, "--tcp-port", "0", "--quiet", ...extra], { cwd: process.cwd(), stdio: ["pipe", "pipe", "pipe"] });
  let out = "";
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  cleanup.push(() => child.kill("SIGKILL"));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`simulator not ready:\n${out}`)), 60000);
    const onData = (b: Buffer) => {
      out += b.toString();
      const m = /listening on tcp:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      const pid = /simulator pid (\d+)/.exec(out);
      if (m && pid) {
        clearTimeout(timer);
        cleanup.push(() => {
          try {
            process.kill(Number(pid[1]), "SIGKILL");
          } catch {
            // already gone
          }
        });
        const pty = /optical port on (\/dev\/\S+)/.exec(out)?.[1];
        resolve({ child, out: () => out, port: Number(m[1]), pid: Number(pid[1]), pty, exited });
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`simulator exited with ${code}:\n${out}`));
    });
  });
}
