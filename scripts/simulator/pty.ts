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
 *
 * Parity is lost too: Linux forces a pty to CS8 without parity whatever the
 * client sets, so a standard client opened 7E1 (Gurux, pyserial) sends
 * `/?!` with bit 7 clear and would read the meter's parity bits as data.
 * The meter carries 7E1 as 8N1 with the parity in bit 7, so until the baud
 * switch (300 Bd, the mode E sign-on) the bridge plays the wire: it adds the
 * even-parity bit to every client byte that has bit 7 clear (a no-op for a
 * client that sends its own parity, such as the lab tool), and once it has
 * seen a client send 7-bit characters, it strips bit 7 from the meter's
 * sign-on replies. After the switch (HDLC, 8N1) bytes pass unchanged.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from "node:child_process";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import type { SerialPort } from "../../hal/serial.js";
import { withEvenParity } from "../../src/transport/iec62056-21.js";

/** The mode E sign-on rate, the only one at which characters are 7E1. */
const SIGN_ON_BAUD = 300;

const here = dirname(fileURLToPath(import.meta.url));

export class PtySerialPort implements SerialPort {
  baud = 300;
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #handlers: ((bytes: Uint8Array) => void)[] = [];
  #closed = false;
  /** The client on the pty sends 7-bit characters (a standard 7E1 client): the meter's sign-on replies lose bit 7. */
  sevenBitClient = false;

  private constructor(child: ChildProcessWithoutNullStreams, readonly path: string) {
    this.#child = child;
    child.stdout.on("data", (chunk: Buffer) => {
      const bytes = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength).slice();
      if (this.baud === SIGN_ON_BAUD) this.#addParity(bytes);
      for (const h of this.#handlers) h(bytes);
    });
  }

  #addParity(bytes: Uint8Array): void {
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i];
      if (b >= 0x80) {
        this.sevenBitClient = false;
        continue;
      }
      const p = withEvenParity(b);
      if (p !== b) this.sevenBitClient = true;
      bytes[i] = p;
    }
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
    if (this.#closed) return;
    if (this.baud === SIGN_ON_BAUD && this.sevenBitClient) bytes = bytes.map((b) => b & 0x7f);
    this.#child.stdin.write(bytes);
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
