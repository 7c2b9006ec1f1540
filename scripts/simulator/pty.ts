/**
 * The optical port on a pseudo-terminal. Node has no pty API and npm
 * install scripts do not run here (so node-pty without prebuilds is out);
 * python3's pty module is on every Debian/Ubuntu image and CI, so the bridge
 * is the small pty-bridge.py next to this file. If python3 is missing,
 * socat (apt-get install socat) does the same job. Either way the helper
 * prints the slave path and relays its master through our stdio.
 *
 * The baud rate of a pty is only a termios field: setBaud() records what the
 * firmware asked for (mode E switches 300 -> 9600 Bd), bytes flow unchanged.
 * Parity is not: while the client has set 7E1 (the sign-on, up to its switch
 * to 8N1), pty-bridge.py adds the even-parity bit to the client's bytes and
 * strips it from the meter's, as the wire would (socat cannot, so a standard
 * 7E1 client needs python3).
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from "node:child_process";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import type { SerialPort } from "../../hal/serial.js";

const here = dirname(fileURLToPath(import.meta.url));

export class PtySerialPort implements SerialPort {
  baud = 300;
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #handlers: ((bytes: Uint8Array) => void)[] = [];
  #closed = false;

  private constructor(child: ChildProcessWithoutNullStreams, readonly path: string) {
    this.#child = child;
    child.stdout.on("data", (chunk: Buffer) => {
      const bytes = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength).slice();
      for (const h of this.#handlers) h(bytes);
    });
  }

  /** Opens a pty; resolves once its slave path is known. */
  static open(): Promise<PtySerialPort> {
    const python = spawnSync("python3", ["-c", "import pty"], { stdio: "ignore" }).status === 0;
    const child = python
      ? spawn("python3", ["-u", join(here, "pty-bridge.py")], { stdio: ["pipe", "pipe", "pipe"] })
      : spawn("socat", ["-d", "-d", "pty,raw,echo=0", "STDIO"], { stdio: ["pipe", "pipe", "pipe"] });
    return new Promise((resolve, reject) => {
      let text = "";
      const fail = (why: string) => reject(new Error(`no pseudo-terminal: ${why} (needs python3, or socat)`));
      child.on("error", (e) => fail(e.message));
      child.on("exit", (code) => fail(`helper exited with ${code}`));
      const source = python ? child.stdout : child.stderr;
      const onData = (chunk: Buffer) => {
        text += chunk.toString("latin1");
        const m = python ? /^(\/dev\/\S+)\n/.exec(text) : /PTY is (\/dev\/\S+)/.exec(text);
        if (!m) return;
        source.off("data", onData);
        child.removeAllListeners("exit");
        resolve(new PtySerialPort(child, m[1]));
      };
      source.on("data", onData);
    });
  }

  setBaud(baud: number): void {
    this.baud = baud;
  }

  write(bytes: Uint8Array): void {
    if (!this.#closed) this.#child.stdin.write(bytes);
  }

  onReceive(handler: (bytes: Uint8Array) => void): void {
    this.#handlers.push(handler);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#child.stdin.end();
    this.#child.kill();
  }
}
