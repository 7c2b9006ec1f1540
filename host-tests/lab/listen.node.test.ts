/**
 * `lab listen`, the head-end side of push, fed with a third-party push: the
 * general-glo-ciphering data-notification from dlms-cosem's tests
 * (tests/test_general_global_cipher.py:6, keys at :29, the plain APDU it
 * deciphers to at :47), sent over a real TCP connection in a wrapper frame.
 */
import { connect } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { startPushListener, type Notification, type PushListener } from "../../scripts/lab/listen.js";
import { decodeApdu } from "../../src/cosem/client/codec.js";
import { encodeWrapper } from "../../src/transport/wrapper/wrapper.js";
import { toHex } from "../../src/util/bytes.js";
import { startProgram } from "../support/simulator-process.node.js";
import { dlmsVector } from "../support/vectors.js";

const ciphered = dlmsVector("test_general_global_cipher.py", 6);
const senderTitle = toHex(dlmsVector("test_general_global_cipher.py", 8));
const key = dlmsVector("test_general_global_cipher.py", 29);
const plain = dlmsVector("test_general_global_cipher.py", 47);
const expected = decodeApdu(plain);

function send(port: number, ...apdus: Uint8Array[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = connect(port, "127.0.0.1", () => {
      for (const a of apdus) s.write(encodeWrapper(1, 1, a));
      s.end(resolve);
    });
    s.on("error", reject);
  });
}

async function until<T>(items: T[], n: number): Promise<void> {
  for (let i = 0; i < 100 && items.length < n; i++) await new Promise((r) => setTimeout(r, 20));
}

describe("lab listen: pushed data-notifications over TCP", () => {
  let listener: PushListener | undefined;
  afterEach(async () => {
    await listener?.close();
    listener = undefined;
  });

  it("deciphers dlms-cosem's general-glo-ciphered push to its data-notification, and refuses its replay", async () => {
    const got: Notification[] = [];
    const errors: string[] = [];
    listener = await startPushListener({ host: "127.0.0.1", port: 0, akey: key, ekey: key, systemTitle: new Uint8Array(8) }, (n) => got.push(n), (_f, m) => errors.push(m));
    await send(listener.port, ciphered);
    await until(got, 1);
    expect(got).toHaveLength(1);
    expect(got[0].ciphered).toBe(true);
    expect(got[0].systemTitle).toBe(senderTitle);
    expect(expected.type).toBe("data-notification");
    if (expected.type !== "data-notification") return;
    expect(got[0].pushId).toBe(expected.longInvokeId);
    expect(got[0].body).toEqual(expected.body);
    // The same push again: its invocation counter is not above the last one from that meter.
    await send(listener.port, ciphered);
    await until(errors, 1);
    expect(errors[0]).toMatch(/replayed/);
    expect(got).toHaveLength(1);
  });

  it("takes a plain push without keys, and reports a ciphered one it cannot open", async () => {
    const got: Notification[] = [];
    const errors: string[] = [];
    listener = await startPushListener({ host: "127.0.0.1", port: 0, systemTitle: new Uint8Array(8) }, (n) => got.push(n), (_f, m) => errors.push(m));
    await send(listener.port, plain, ciphered);
    await until(got, 1);
    await until(errors, 1);
    expect(got).toHaveLength(1);
    expect(got[0].ciphered).toBe(false);
    if (expected.type === "data-notification") expect(got[0].body).toEqual(expected.body);
    expect(errors).toHaveLength(1);
  });

  it("reports a push under other keys as not deciphering", async () => {
    const errors: string[] = [];
    const other = new Uint8Array(16).fill(7);
    listener = await startPushListener({ host: "127.0.0.1", port: 0, akey: other, ekey: other, systemTitle: new Uint8Array(8) }, () => {}, (_f, m) => errors.push(m));
    await send(listener.port, ciphered);
    await until(errors, 1);
    expect(errors[0]).toMatch(/does not decipher/);
  });

  it("npm run lab -- listen prints each push it receives", async () => {
    const child = startProgram("lab", ["listen", "--port", "0", "--akey", toHex(key), "--ekey", toHex(key)]);
    try {
      const [, port] = await child.waitFor(/listening for pushes on tcp:\/\/127\.0\.0\.1:(\d+)/, 15_000);
      await send(Number(port), ciphered);
      await child.waitFor(new RegExp(`push \\d+ from ${senderTitle} \\(127\\.0\\.0\\.1:\\d+, ciphered\\)`), 5_000);
    } finally {
      await child.stop();
    }
  }, 30000);
});
