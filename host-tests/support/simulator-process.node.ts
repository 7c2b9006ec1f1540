/**
 * The project's programs as their users start them, for Node-only tests:
 * `npm start`'s simulator, `npm run lab`, `npm run sts`, each a child
 * process (`tsx scripts/<program>.ts`) whose stdout and stderr are collected
 * in one text. One place for spawning, waiting for a line, stopping with
 * SIGTERM and killing with SIGKILL, so that every process test starts and
 * cuts the meter the same way.
 *
 * The simulator is started on a free port and is ready once it printed its
 * TCP address and its own pid (tsx runs it as a child of its launcher: a
 * power cut is a SIGKILL of that pid, not of the launcher).
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from "node:child_process";
import { join } from "node:path";
import { DEVELOPMENT_KEYS } from "../../src/meter/config.js";
import { toHex } from "../../src/util/bytes.js";

export const tsx = join(process.cwd(), "node_modules", ".bin", "tsx");

/** A running program: its collected output, its exit, and the ways to wait for it and stop it. */
export interface ProgramProcess {
  child: ChildProcessWithoutNullStreams;
  /** stdout and stderr so far, in the order they came. */
  out: () => string;
  /** stderr alone (the lab client's progress goes there). */
  err: () => string;
  /** The exit code once the program ended and its output is complete (null when a signal ended it). */
  exited: Promise<number | null>;
  /** The first match of `pattern` in the output; fails when the program exits or `ms` passes first, with what it printed. */
  waitFor(pattern: RegExp, ms?: number): Promise<RegExpExecArray>;
  /** Sends `signal` (by default SIGTERM, a clean stop) unless the program has exited, and waits for its exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface ProgramOptions {
  env?: NodeJS.ProcessEnv;
  /** Called with the whole stderr text each time more arrives (a test may cut the meter at a given progress). */
  onStderr?: (err: string) => void;
}

/** Starts `tsx scripts/<program>.ts args`; a SIGKILL of it goes on `cleanup` when given (the test drains the list). */
export function startProgram(program: string, args: readonly string[], cleanup?: (() => void)[], options: ProgramOptions = {}): ProgramProcess {
  const child = spawn(tsx, [`scripts/${program}.ts`, ...args], { cwd: process.cwd(), env: options.env ?? process.env, stdio: ["pipe", "pipe", "pipe"] });
  let out = "";
  let err = "";
  // "close", not "exit": the output is complete only once the pipes closed.
  let closed = false;
  const exited = new Promise<number | null>((resolve) =>
    child.on("close", (code) => {
      closed = true;
      resolve(code);
    }),
  );
  cleanup?.push(() => child.kill("SIGKILL"));
  child.stdout.on("data", (b: Buffer) => (out += b.toString()));
  child.stderr.on("data", (b: Buffer) => {
    out += b.toString();
    err += b.toString();
    options.onStderr?.(err);
  });
  const p: ProgramProcess = {
    child,
    out: () => out,
    err: () => err,
    exited,
    waitFor(pattern, ms = 60_000) {
      return new Promise((resolve, reject) => {
        const look = () => {
          const m = pattern.exec(out);
          if (!m) return false;
          done();
          resolve(m);
          return true;
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`scripts/${program}.ts did not print ${pattern} within ${ms} ms:\n${out}`));
        }, ms);
        const onExit = (code: number | null) => {
          if (look()) return;
          done();
          reject(new Error(`scripts/${program}.ts exited with ${code} before printing ${pattern}:\n${out}`));
        };
        const done = () => {
          clearTimeout(timer);
          child.stdout.off("data", look);
          child.stderr.off("data", look);
          child.off("close", onExit);
        };
        // Listeners added after the collectors above, so `out` already holds the new bytes.
        child.stdout.on("data", look);
        child.stderr.on("data", look);
        child.on("close", onExit);
        if (closed) onExit(child.exitCode);
        else look();
      });
    },
    async stop(signal = "SIGTERM") {
      if (!closed && child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
  return p;
}

/** Runs `tsx scripts/<program>.ts args` to its end: exit code, all output, stderr alone. */
export async function runProgram(program: string, args: readonly string[], options: ProgramOptions = {}): Promise<{ code: number | null; out: string; err: string }> {
  const p = startProgram(program, args, undefined, options);
  const code = await p.exited;
  return { code, out: p.out(), err: p.err() };
}

/** The same, blocking (for tests that drive one short command after another): exit code, stdout, stderr. */
export function runProgramSync(program: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv } = {}): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(tsx, [`scripts/${program}.ts`, ...args], { cwd: process.cwd(), env: options.env ?? process.env, encoding: "utf8", timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * `npm run lab -- …args` as the management client (SAP 1, HLS-GMAC with the
 * development keys) against the simulator at 127.0.0.1:port; its
 * invocation counters live in a private HOME. Exit code and all output.
 */
export function runLabAsManagement(home: string, port: number, args: readonly string[]): { code: number | null; out: string } {
  const management = ["--tcp", `127.0.0.1:${port}`, "--client-sap", "1", "--auth", "hls-gmac", "--akey", toHex(DEVELOPMENT_KEYS.authenticationKey), "--ekey", toHex(DEVELOPMENT_KEYS.globalUnicastKey)];
  const r = runProgramSync("lab", [...args, ...management], { env: { ...process.env, HOME: home } });
  return { code: r.code, out: `${r.stdout}${r.stderr}` };
}

export interface RunningSimulator extends ProgramProcess {
  port: number;
  /** The simulator's own process (tsx runs it as a child of its launcher). */
  pid: number;
  /** The optical port's pseudo-terminal, when it has one. */
  pty: string | undefined;
  /** A power cut: SIGKILL to the simulator itself (and its launcher), then waits for the exit. */
  kill(): Promise<void>;
}

/** `npm start --state dir --tcp-port 0 --quiet …extra`, ready once it listens and printed its pid; killed by `cleanup`. */
export async function startSimulator(dir: string, extra: readonly string[], cleanup: (() => void)[]): Promise<RunningSimulator> {
  const p = startProgram("simulator", ["--state", dir, "--tcp-port", "0", "--quiet", ...extra], cleanup);
  const [, pidText] = await p.waitFor(/simulator pid (\d+)/);
  const pid = Number(pidText);
  const kill = () => {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  };
  cleanup.push(kill);
  // The address is printed before the pid.
  const port = Number(/listening on tcp:\/\/127\.0\.0\.1:(\d+)/.exec(p.out())?.[1]);
  if (!port) throw new Error(`simulator printed no TCP address:\n${p.out()}`);
  const pty = /optical port on (\/dev\/\S+)/.exec(p.out())?.[1];
  return {
    ...p,
    port,
    pid,
    pty,
    async kill() {
      kill();
      p.child.kill("SIGKILL");
      await p.exited;
    },
  };
}

/** Polls `what` every 100 ms until it holds; fails after `ms` with `context()` (say, the simulator's output). */
export async function waitUntil(what: () => boolean, ms: number, context: () => string = () => ""): Promise<void> {
  const end = Date.now() + ms;
  while (!what()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms\n${context()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
