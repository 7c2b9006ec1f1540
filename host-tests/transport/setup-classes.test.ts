import { describe, expect, it } from "vitest";
import { SimClock } from "../../hal/sim/clock.js";
import { SimSerialLine } from "../../hal/sim/serial.js";
import { SimTcpNetwork } from "../../hal/sim/tcp.js";
import { SimTimers } from "../../hal/sim/timers.js";
import { decodeData, encodeData, Tag, type Data } from "../../src/cosem/axdr.js";
import { IecHdlcSetupObject } from "../../src/cosem/classes/iec-hdlc-setup.js";
import { IecLocalPortSetupObject } from "../../src/cosem/classes/iec-local-port-setup.js";
import { TcpUdpSetupObject } from "../../src/cosem/classes/tcp-udp-setup.js";
import { DataAccessResult, type AccessContext, type CosemObject } from "../../src/cosem/interface-class.js";
import { HdlcLinkError } from "../../src/transport/client/hdlc-client.js";
import { OpticalClient } from "../../src/transport/client/optical-client.js";
import { WrapperClient } from "../../src/transport/client/wrapper-client.js";
import { DEFAULT_HDLC_SERVER_CONFIG } from "../../src/transport/hdlc/server.js";
import { DEFAULT_OPTICAL_CONFIG, OpticalPort } from "../../src/transport/optical-port.js";
import { DEFAULT_WRAPPER_CONFIG, WrapperServer } from "../../src/transport/wrapper/server.js";
import { drive, driveToError, LoopbackHandler, pattern } from "./support.js";

const ctx: AccessContext = { role: "management", clientSap: 1, nowUtcMs: 0 };

/** Attribute values travel as A-XDR: read and write through the encoding, as the xDLMS server will. */
function get(o: CosemObject, a: number): Data {
  const r = o.get(a, ctx);
  if (!r.ok) throw new Error(`get ${a} failed: ${r.error}`);
  return decodeData(encodeData(r.value as Data));
}
function set(o: CosemObject, a: number, v: Data): DataAccessResult {
  return o.set(a, decodeData(encodeData(v)), ctx);
}
const u8 = (value: number): Data => ({ tag: Tag.Unsigned, value });
const u16 = (value: number): Data => ({ tag: Tag.LongUnsigned, value });
const en = (value: number): Data => ({ tag: Tag.Enum, value });
const os = (value: Uint8Array): Data => ({ tag: Tag.OctetString, value });
const ascii = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

function optical() {
  const clock = new SimClock({ startUtcMs: 0 });
  const timers = new SimTimers(clock);
  const line = new SimSerialLine(timers);
  const port = new OpticalPort(line.meter, new LoopbackHandler(), timers, {
    ...DEFAULT_OPTICAL_CONFIG,
    hdlc: { ...DEFAULT_HDLC_SERVER_CONFIG, physicalAddress: 17, inactivityMs: 60_000 },
  });
  const client = (physical: number) =>
    new OpticalClient(line.probe, timers, { clientSap: 16, serverLogical: 1, serverPhysical: physical, proposal: { maxInfoTx: 128, maxInfoRx: 128, windowTx: 1, windowRx: 1 }, responseTimeoutMs: 2000, maxApduSize: 1024 });
  return { clock, line, port, client, hdlc: new IecHdlcSetupObject(port), local: new IecLocalPortSetupObject(port) };
}

describe("class 23 IEC HDLC setup on the running optical port", () => {
  it("reflects the link settings", () => {
    const { hdlc } = optical();
    expect(hdlc.classId).toBe(23);
    expect(hdlc.logicalName.toString()).toBe("0-0:22.0.0*255");
    expect(get(hdlc, 2)).toEqual(en(5));
    expect(get(hdlc, 3)).toEqual(u8(1));
    expect(get(hdlc, 5)).toEqual(u16(128));
    expect(get(hdlc, 6)).toEqual(u16(128));
    expect(get(hdlc, 8)).toEqual(u16(60));
    expect(get(hdlc, 9)).toEqual(u16(17));
    expect(get(hdlc, 7)).toEqual(u16(25));
    expect(set(hdlc, 7, u16(100))).toBe(DataAccessResult.success);
    expect(get(hdlc, 7)).toEqual(u16(100));
    expect(set(hdlc, 7, u16(19))).toBe(DataAccessResult.otherReason);
  });

  it("a new max info length applies at the next SNRM; a new device address moves the meter; a new time-out applies", async () => {
    const { clock, port, client, hdlc } = optical();
    expect(set(hdlc, 5, u16(48))).toBe(DataAccessResult.success);
    expect(set(hdlc, 9, u16(0x20))).toBe(DataAccessResult.success);
    expect(set(hdlc, 8, u16(5))).toBe(DataAccessResult.success);
    const old = client(17);
    await drive(clock, old.signOn());
    expect((await driveToError(clock, old.hdlc.connect())) as HdlcLinkError).toBeInstanceOf(HdlcLinkError);
    old.reset();
    clock.advance(10_000); // back to sign-on after the 5 s time-out
    expect(port.phase).toBe("sign-on");
    const c = client(0x20);
    await drive(clock, c.signOn());
    const params = await drive(clock, c.hdlc.connect());
    expect(params.maxInfoRx).toBe(48);
    expect(await drive(clock, c.hdlc.request(pattern(100)))).toEqual(pattern(100));
    clock.advance(5_100);
    expect(port.phase).toBe("sign-on");
  });

  it("refuses wrong types and out-of-range values", () => {
    const { hdlc } = optical();
    expect(set(hdlc, 5, u8(48))).toBe(DataAccessResult.typeUnmatched);
    expect(set(hdlc, 5, u16(31))).toBe(DataAccessResult.otherReason);
    expect(set(hdlc, 6, u16(2031))).toBe(DataAccessResult.otherReason);
    expect(set(hdlc, 3, u8(8))).toBe(DataAccessResult.otherReason);
    expect(set(hdlc, 9, u16(0x3ffe))).toBe(DataAccessResult.otherReason);
    expect(set(hdlc, 2, en(9))).toBe(DataAccessResult.otherReason);
    expect(set(hdlc, 10, u8(1))).toBe(DataAccessResult.objectUndefined);
    expect(get(hdlc, 5)).toEqual(u16(128));
  });
});

describe("class 19 IEC local port setup on the running optical port", () => {
  it("prop_baud and device_addr change what the next sign-on offers and answers", async () => {
    const { clock, local, client } = optical();
    expect(local.classId).toBe(19);
    expect(get(local, 4)).toEqual(en(5));
    expect(set(local, 4, en(4))).toBe(DataAccessResult.success);
    expect(set(local, 6, os(ascii("4711")))).toBe(DataAccessResult.success);
    expect(get(local, 6)).toEqual(os(ascii("4711")));
    const c = client(17);
    const id = await drive(clock, c.signOn({ address: "4711" }));
    expect(id.baudLetter).toBe("4");
    expect(id.baud).toBe(4800);
  });

  it("accepts only mode E from 300 baud, a valid address and bounded passwords", () => {
    const { local } = optical();
    expect(get(local, 2)).toEqual(en(0));
    expect(get(local, 3)).toEqual(en(0));
    expect(set(local, 2, en(1))).toBe(DataAccessResult.otherReason);
    expect(set(local, 3, en(0))).toBe(DataAccessResult.success);
    expect(set(local, 4, en(7))).toBe(DataAccessResult.otherReason);
    expect(set(local, 6, os(ascii("12!")))).toBe(DataAccessResult.otherReason);
    expect(set(local, 6, u16(1))).toBe(DataAccessResult.typeUnmatched);
    expect(set(local, 7, os(ascii("secret")))).toBe(DataAccessResult.success);
    expect(local.get(7, ctx)).toEqual({ ok: false, error: DataAccessResult.readWriteDenied });
    expect(local.password(1)).toEqual(ascii("secret"));
    expect(set(local, 8, os(new Uint8Array(33)))).toBe(DataAccessResult.otherReason);
    expect(get(local, 5)).toEqual(en(1));
    expect(set(local, 5, en(0))).toBe(DataAccessResult.success);
    expect(get(local, 5)).toEqual(en(0));
    expect(set(local, 5, en(2))).toBe(DataAccessResult.otherReason);
  });
});

describe("class 41 TCP-UDP setup on the running wrapper server", () => {
  function tcp(relisten?: (port: number) => boolean) {
    const clock = new SimClock({ startUtcMs: 0 });
    const timers = new SimTimers(clock);
    const net = new SimTcpNetwork(timers);
    const server = new WrapperServer(net.listen(4059), new LoopbackHandler(), timers, DEFAULT_WRAPPER_CONFIG);
    const connect = () => new WrapperClient(net.connect(4059)!, timers, { clientSap: 16, serverLogical: 1, responseTimeoutMs: 1000, maxApduSize: 512 });
    return { clock, server, connect, setup: new TcpUdpSetupObject(server, relisten) };
  }

  it("reflects port, connections and time-out, and configures the latter two", async () => {
    const { clock, setup, connect } = tcp();
    expect(setup.classId).toBe(41);
    expect(get(setup, 2)).toEqual(u16(4059));
    expect(get(setup, 3)).toEqual(os(Uint8Array.of(0, 0, 25, 1, 0, 255)));
    expect(get(setup, 6)).toEqual(u16(180));
    expect(set(setup, 5, u8(1))).toBe(DataAccessResult.success);
    expect(set(setup, 6, u16(10))).toBe(DataAccessResult.success);
    const a = connect();
    const b = connect();
    clock.advance(5);
    // One slot: the newcomer displaces the unauthenticated first connection (admission.ts).
    expect(a.connected).toBe(false);
    expect(await drive(clock, b.request(pattern(8)))).toEqual(pattern(8));
    clock.advance(11_000);
    expect(b.connected).toBe(false);
  });

  it("a port change needs a relistening composition root", () => {
    expect(tcp().setup.set(2, u16(4060), ctx)).toBe(DataAccessResult.readWriteDenied);
    const asked: number[] = [];
    const withRoot = tcp((p) => (asked.push(p), true)).setup;
    expect(withRoot.set(2, u16(4060), ctx)).toBe(DataAccessResult.success);
    expect(asked).toEqual([4060]);
    expect(withRoot.set(4, u16(39), ctx)).toBe(DataAccessResult.otherReason);
    expect(withRoot.set(3, os(new Uint8Array(5)), ctx)).toBe(DataAccessResult.typeUnmatched);
  });
});
