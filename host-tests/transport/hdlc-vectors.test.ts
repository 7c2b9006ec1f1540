import { describe, expect, it } from "vitest";
import { decodeControl, decodeFrame, encodeControl, encodeFrame, type HdlcFrame } from "../../src/transport/hdlc/frame.js";
import { LLC_REQUEST, LLC_RESPONSE, stripLlc } from "../../src/transport/hdlc/llc.js";
import { decodeParameters, encodeParameters } from "../../src/transport/hdlc/parameters.js";
import { fromHex, toHex } from "../../src/util/bytes.js";
import { putCrc16x25 } from "../support/crc.js";
import { DecodeError } from "../../src/util/errors.js";
import { dlmsVector } from "../support/vectors.js";

const server = { logical: 1, physical: 17, size: 2 } as const;
const publicClient = { logical: 16, size: 1 } as const;

/**
 * A frame whose format field carries length 29 (server and public client
 * addresses, an I-frame with 19 information bytes): the format field is
 * checked as the frame codec writes and reads it, there being no separate
 * format codec on the meter.
 */
function frameOf29(segmented: boolean): Uint8Array {
  const bytes = encodeFrame({ dest: server, src: publicClient, control: { kind: "I", ns: 0, nr: 0, pf: false }, segmented, info: new Uint8Array(19) });
  expect(bytes.length - 2).toBe(29);
  return bytes;
}

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    if (e instanceof DecodeError) return e.code;
    throw e;
  }
  return undefined;
}

describe("HDLC codec against dlms-cosem vectors", () => {
  it("format field a01d: length 29, not segmented (dlms-cosem tests/test_hdlc/test_hdlc.py:7)", () => {
    const v = dlmsVector("test_hdlc/test_hdlc.py", 7);
    const bytes = frameOf29(false);
    expect(bytes.subarray(1, 3)).toEqual(v);
    expect(decodeFrame(bytes).segmented).toBe(false);
  });

  it("format field a81d: length 29, segmented (dlms-cosem tests/test_hdlc/test_hdlc.py:14)", () => {
    const v = dlmsVector("test_hdlc/test_hdlc.py", 14);
    const bytes = frameOf29(true);
    expect(bytes.subarray(1, 3)).toEqual(v);
    expect(decodeFrame(bytes).segmented).toBe(true);
  });

  it("flags: an enclosed run passes the flag check, unenclosed runs fail it (dlms-cosem tests/test_hdlc/test_hdlc.py:79, :82)", () => {
    expect(codeOf(() => decodeFrame(dlmsVector("test_hdlc/test_hdlc.py", 79)))).not.toBe("hdlc-flag");
    for (let nth = 0; nth < 3; nth++) expect(codeOf(() => decodeFrame(dlmsVector("test_hdlc/test_hdlc.py", 82, nth)))).toBe("hdlc-flag");
  });

  it("SNRM from public client 16 to server 1/17 (dlms-cosem tests/test_hdlc/test_hdlc.py:89)", () => {
    const v = dlmsVector("test_hdlc/test_hdlc.py", 89);
    const f = decodeFrame(v);
    expect(f.dest).toEqual(server);
    expect(f.src).toEqual(publicClient);
    expect(f.control).toEqual({ kind: "SNRM", pf: true });
    expect(f.info.length).toBe(0);
    expect(encodeFrame({ dest: server, src: publicClient, control: { kind: "SNRM", pf: true }, segmented: false, info: new Uint8Array(0) })).toEqual(v);
  });

  it.each([105, 129])("UA with negotiated parameters 154/154/1/1 (dlms-cosem tests/test_hdlc/test_hdlc.py:%s)", (line) => {
    const v = dlmsVector("test_hdlc/test_hdlc.py", line);
    const f = decodeFrame(v);
    expect(f.dest).toEqual(publicClient);
    expect(f.src).toEqual(server);
    expect(f.control).toEqual({ kind: "UA", pf: true });
    const { params, widths } = decodeParameters(f.info);
    expect(params).toEqual({ maxInfoTx: 154, maxInfoRx: 154, windowTx: 1, windowRx: 1 });
    const info = encodeParameters(params, widths);
    expect(info).toEqual(v.subarray(9, v.length - 3));
    // The default widths (minimal info lengths, 4-byte windows) are the ones this UA uses.
    expect(encodeParameters(params)).toEqual(info);
    expect(encodeFrame({ dest: publicClient, src: server, control: { kind: "UA", pf: true }, segmented: false, info })).toEqual(v);
  });

  it("I-frame with AARQ, N(S)=0 N(R)=0, LLC request header (dlms-cosem tests/test_hdlc/test_hdlc.py:137, :140)", () => {
    const total = dlmsVector("test_hdlc/test_hdlc.py", 137);
    const info = dlmsVector("test_hdlc/test_hdlc.py", 140);
    const f = decodeFrame(total);
    expect(f.dest).toEqual(server);
    expect(f.src).toEqual(publicClient);
    expect(f.control).toEqual({ kind: "I", ns: 0, nr: 0, pf: true });
    expect(f.segmented).toBe(false);
    expect(f.info).toEqual(info);
    expect(stripLlc(f.info, LLC_REQUEST)?.[0]).toBe(0x60); // AARQ
    expect(encodeFrame({ dest: server, src: publicClient, control: { kind: "I", ns: 0, nr: 0, pf: true }, segmented: false, info })).toEqual(total);
  });

  it("I-frame response with AARE, N(S)=0 N(R)=1, LLC response header (dlms-cosem tests/test_hdlc/test_hdlc.py:168, :171, :199)", () => {
    const total = dlmsVector("test_hdlc/test_hdlc.py", 168);
    const info = dlmsVector("test_hdlc/test_hdlc.py", 171);
    expect(dlmsVector("test_hdlc/test_hdlc.py", 199)).toEqual(total);
    const f = decodeFrame(total);
    expect(f.dest).toEqual(publicClient);
    expect(f.src).toEqual(server);
    expect(f.control).toEqual({ kind: "I", ns: 0, nr: 1, pf: true });
    expect(f.info).toEqual(info);
    expect(stripLlc(f.info, LLC_RESPONSE)?.[0]).toBe(0x61); // AARE
    expect(encodeFrame(f)).toEqual(total);
  });

  it("control byte 30: I-frame N(R)=1 N(S)=0 final (dlms-cosem tests/test_hdlc/test_hdlc.py:207)", () => {
    const v = dlmsVector("test_hdlc/test_hdlc.py", 207);
    expect(decodeControl(v[0])).toEqual({ kind: "I", ns: 0, nr: 1, pf: true });
    expect(encodeControl({ kind: "I", ns: 0, nr: 1, pf: true })).toBe(v[0]);
  });

  it("UI frame of 579 bytes with an 11-bit length, client 32, server 4/65 (dlms-cosem tests/test_hdlc/test_hdlc.py:216)", () => {
    const v = dlmsVector("test_hdlc/test_hdlc.py", 216);
    const f = decodeFrame(v);
    expect(v.length).toBe(0x243 + 2);
    expect(f.dest).toEqual({ logical: 32, size: 1 });
    expect(f.src).toEqual({ logical: 4, physical: 65, size: 2 });
    expect(f.control).toEqual({ kind: "UI", pf: true });
    expect(stripLlc(f.info, LLC_RESPONSE)?.[0]).toBe(0x0f); // data-notification
    expect(encodeFrame(f)).toEqual(v);
  });

  // Third-party bytes from a later dlms-cosem revision (commit c52e9d4, tests/test_hdlc/test_hdlc.py,
  // TestHdlcAddress.test_find_4_byte_address / TestUAFrame.test_4_byte_address); not in the shared
  // vector file, whose snapshot predates them. They are the only 4-byte server address samples.
  it.each([
    { hex: "7ea023030002002373c0488180140502008006020080070400000001080400000001ce6a7e", client: 1 },
    { hex: "7ea023210002002373f6c58180140502008006020080070400000001080400000001ce6a7e", client: 16 },
  ])("UA with a 4-byte server address 1/17 to client $client, 2-byte info lengths (dlms-cosem c52e9d4 test_4_byte_address)", ({ hex, client }) => {
    const v = fromHex(hex);
    const f = decodeFrame(v);
    expect(f.dest).toEqual({ logical: client, size: 1 });
    expect(f.src).toEqual({ logical: 1, physical: 17, size: 4 });
    expect(f.control).toEqual({ kind: "UA", pf: true });
    const { params, widths } = decodeParameters(f.info);
    expect(params).toEqual({ maxInfoTx: 128, maxInfoRx: 128, windowTx: 1, windowRx: 1 });
    expect(toHex(encodeParameters(params, widths))).toBe(toHex(f.info));
    expect(encodeFrame(f)).toEqual(v);
  });

  it("segmented I-frame from server 1 to client 16 (dlms-cosem c52e9d4 TestHdlcAddress.test_find_address)", () => {
    const v = fromHex(
      "7ea87e210396a4090f01160002020f02160002020f03160002020f04160002020f05160002020f0616000204120017110009060000160000ff0202010902030f0116010002030f0216010002030f0316010002030f0416010002030f0516010002030f0616010002030f0716010002030f0816010002030f09160100016ff37e",
    );
    const f: HdlcFrame = decodeFrame(v);
    expect(f.dest).toEqual({ logical: 16, size: 1 });
    expect(f.src).toEqual({ logical: 1, size: 1 });
    expect(f.segmented).toBe(true);
    expect(f.control).toEqual({ kind: "I", ns: 3, nr: 4, pf: true });
    expect(encodeFrame(f)).toEqual(v);
  });

  it("a corrupted FCS or HCS is a DecodeError, not a frame", () => {
    const v = dlmsVector("test_hdlc/test_hdlc.py", 137).slice();
    v[v.length - 2] ^= 1;
    expect(codeOf(() => decodeFrame(v))).toBe("hdlc-fcs");
    const w = dlmsVector("test_hdlc/test_hdlc.py", 137).slice();
    w[7] ^= 1; // HCS, with the FCS made right again so that only the HCS is wrong
    putCrc16x25(w, 1, w.length - 3);
    expect(codeOf(() => decodeFrame(w))).toBe("hdlc-hcs");
  });
});
