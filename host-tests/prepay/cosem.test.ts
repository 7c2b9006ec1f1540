import { describe, expect, it } from "vitest";
import { Tag } from "../../src/cosem/axdr.js";
import { ActionResult, DataAccessResult } from "../../src/cosem/interface-class.js";
import { DEVELOPMENT_KEYS } from "../../src/meter/config.js";
import { ClientSap } from "../../src/meter/dlms.js";
import { PrepayLn } from "../../src/meter/prepay.js";
import { SIM_TCP_PORT, SimBoard } from "../../scripts/simulator/board.js";
import { ClientSession, type SecurityOptions } from "../../scripts/lab/client-session.js";
import { wrapperLink } from "../../scripts/lab/link.js";
import { simDecoderKey, simPrepaySetup } from "../../scripts/sts/sim-setup.js";
import { SAMPLE_STA_TABLES } from "../../src/prepay/vending/sample-tables.js";
import { Sta } from "../../src/prepay/sta.js";
import { creditToken, tidAt } from "../../src/prepay/vending/vend.js";
import { fromHex, utf8Encode } from "../../src/util/bytes.js";
import { settle } from "../meter/drive.js";

/** The payment objects over DLMS: every attribute readable by management, rights per association, the gateway's answer. */

const T0 = Date.UTC(2026, 2, 3, 9, 0);
const sta = new Sta(SAMPLE_STA_TABLES);
let ic = 1;

async function open(board: SimBoard, sap: number) {
  const link = wrapperLink(board.network.connect(SIM_TCP_PORT)!, board.worldTimers, { clientSap: sap, serverLogical: 1, serverPhysical: 0x10, responseTimeoutMs: 5000 }, "sim");
  const sec: SecurityOptions =
    sap === ClientSap.public
      ? { auth: "none" }
      : { auth: "hls-gmac", akey: DEVELOPMENT_KEYS.authenticationKey, ekey: DEVELOPMENT_KEYS.globalUnicastKey, systemTitle: fromHex("4D4B544C41423031"), crypto: board.crypto, invocationCounter: ic };
  return settle(board, ClientSession.open(link, sec));
}

describe("payment objects over DLMS", () => {
  it("management reads every attribute of 111, 112 x2, 113, 115; enter applies a token and token_status says so", async () => {
    const board = new SimBoard({ startUtcMs: T0 });
    const meter = board.boot({ prepay: simPrepaySetup(), disconnectMode: 6 });
    const s = await open(board, ClientSap.management);
    const objects: [number, keyof typeof PrepayLn, number][] = [
      [111, "account", 19],
      [112, "tokenCredit", 11],
      [112, "emergencyCredit", 11],
      [113, "charge", 13],
      [115, "tokenGateway", 6],
    ];
    for (const [cls, name, n] of objects) {
      for (let a = 2; a <= n; a++) {
        const r = await settle(board, s.get(cls, PrepayLn[name], a));
        expect(r.ok, `${name} attribute ${a}`).toBe(true);
      }
    }
    const token = creditToken(125, tidAt(T0), 1, simDecoderKey(), sta);
    const a = await settle(board, s.action(115, PrepayLn.tokenGateway, 1, { tag: Tag.OctetString, value: utf8Encode(token) }));
    expect(a.result).toBe(ActionResult.success);
    const credit = await settle(board, s.get(111, PrepayLn.account, 5));
    expect(credit.ok && credit.value.tag === Tag.DoubleLong && credit.value.value).toBe(Math.floor(meter.prepay!.available()));
    expect(meter.prepay!.record.purchasedWh).toBe(12500);
    const tok = await settle(board, s.get(115, PrepayLn.tokenGateway, 2));
    expect(tok.ok && tok.value.tag === Tag.OctetString && String.fromCharCode(...tok.value.value)).toBe(token);
    const method = await settle(board, s.get(115, PrepayLn.tokenGateway, 5));
    expect(method.ok && method.value.value).toBe(0);
    // Credit changes only by tokens and consumption: update_amount is refused, and attributes are not writable.
    expect((await settle(board, s.action(112, PrepayLn.tokenCredit, 1, { tag: Tag.DoubleLong, value: 1000000 }))).result).not.toBe(ActionResult.success);
    expect(await settle(board, s.set(112, PrepayLn.tokenCredit, 2, { tag: Tag.DoubleLong, value: 1000000 }))).toBe(DataAccessResult.readWriteDenied);
    expect(meter.prepay!.record.purchasedWh).toBe(12500);
    // The low-credit threshold is writable by management.
    expect(await settle(board, s.set(111, PrepayLn.account, 16, { tag: Tag.DoubleLong, value: 20000 }))).toBe(DataAccessResult.success);
    expect(meter.prepay!.config.lowCreditWh).toBe(20000);
    ic = s.invocationCounter;
    await settle(board, s.close());

    // The reader (the customer's display) may invoke emergency credit once low, but not enter tokens.
    const r = await open(board, ClientSap.reader);
    expect((await settle(board, r.action(115, PrepayLn.tokenGateway, 1, { tag: Tag.OctetString, value: utf8Encode(token) }))).result).not.toBe(ActionResult.success);
    expect((await settle(board, r.action(112, PrepayLn.emergencyCredit, 3, { tag: Tag.Integer, value: 0 }))).result).toBe(ActionResult.success);
    expect(meter.prepay!.emergencyActive).toBe(true);
    await settle(board, r.close());

    // The public client does not see the account.
    const p = await open(board, ClientSap.public);
    const pub = await settle(board, p.get(111, PrepayLn.account, 5));
    expect(pub.ok).toBe(false);
    await settle(board, p.close());
  });
});
