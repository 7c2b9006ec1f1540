import { describe, expect, it } from "vitest";
import { Tag } from "../../src/cosem/axdr.js";
import { TokenGatewayObject } from "../../src/cosem/classes/token-gateway.js";
import { ActionResult } from "../../src/cosem/interface-class.js";
import { Obis } from "../../src/cosem/obis.js";
import { MemoryKeyValueStore } from "../../src/persistence.js";
import { KeypadEntry, type KeypadOutcome } from "../../src/prepay/keypad-entry.js";
import { TokenResult } from "../../src/prepay/results.js";
import { SimKeypad } from "../../hal/sim/keypad.js";
import { utf8Encode } from "../../src/util/bytes.js";
import { Env, credit } from "./fixture.js";

/** A store that cannot commit (worn or failing flash): no token is half applied and no entry path throws. */
class FailingStore extends MemoryKeyValueStore {
  fail = false;
  override put(key: string, value: Uint8Array): void {
    if (this.fail) throw new Error("flash: program failed");
    super.put(key, value);
  }
}

describe("prepayment on a failing store", () => {
  it("the token is not applied, the gateway answers hardware-fault, the keypad reports a fault; later it works", () => {
    const store = new FailingStore();
    const env = new Env(store);
    const gw = new TokenGatewayObject(env.service, Obis.of(0, 0, 19, 40, 0, 255), () => ({ year: 2026, month: 1, day: 1, dayOfWeek: 4, hour: 0, minute: 0, second: 0, hundredths: 0, deviation: 0, status: 0 }));
    const ctx = { role: "management" as const, clientSap: 1, nowUtcMs: env.now };
    const token = credit(10, 500);
    store.fail = true;
    expect(gw.action(1, { tag: Tag.OctetString, value: utf8Encode(token) }, ctx).result).toBe(ActionResult.hardwareFault);
    const keypad = new SimKeypad();
    const entry = new KeypadEntry(keypad, { once: () => 1, repeat: () => 2, clear: () => undefined }, env.service);
    const out: KeypadOutcome[] = [];
    entry.onOutcome = (o) => out.push(o);
    keypad.type(token);
    expect(out).toEqual([{ kind: "fault" }]);
    expect(env.service.creditWh).toBe(0);
    expect(env.service.record.tids).toEqual([]);
    store.fail = false;
    keypad.type(token);
    expect(out[1]).toEqual({ kind: "token", result: TokenResult.accepted });
    expect(env.service.creditWh).toBe(10000);
  });
});
