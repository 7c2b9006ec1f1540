// xs-heap: 8388608 98304
/**
 * The meter as a device holds it (issue 13): the sim-board meter boots with
 * its whole catalog and serves the management client's full object_list
 * over the TCP wrapper with HLS-GMAC and authenticated encryption, in GET
 * blocks. On XS this file runs in a fixed heap (the `xs-heap` line above:
 * chunk bytes, slots; scripts/xs-test.ts passes it to the engine, which
 * aborts instead of growing). That heap, 8 MiB of chunks and 96 Ki slots of
 * this 64-bit host (32-byte slots), is not the device's budget: it also
 * holds what a device keeps elsewhere — this bundle's bytecode with the
 * simulator and the lab client (flash on a device), the engine's built-ins
 * (ROM), the simulated flash partitions (about 2.1 MB of arrays) — and it
 * was found by trying (6 MiB of chunks is too small). The meter's own share
 * is measured by the bench (heap.meter.idle, heap.peak.object-list).
 */
import { describe, expect, it } from "vitest";
import { decodeData, encodeData, Tag, type Data } from "../../src/cosem/axdr.js";
import { objectListElement, writeObjectListElement } from "../../src/cosem/classes/association-ln.js";
import { ROLES } from "../../src/cosem/interface-class.js";
import { Obis } from "../../src/cosem/obis.js";
import { DEVELOPMENT_KEYS } from "../../src/meter/config.js";
import { ClientSap } from "../../src/meter/dlms.js";
import { SIM_TCP_PORT, SimBoard } from "../../scripts/simulator/board.js";
import { ClientSession } from "../../scripts/lab/client-session.js";
import { wrapperLink } from "../../scripts/lab/link.js";
import { fromHex, toHex } from "../../src/util/bytes.js";
import { settle } from "./drive.js";

const T0 = Date.UTC(2026, 0, 14, 9, 0);
const CLIENT_TITLE = fromHex("4D4B544C41423031");

describe("the meter within a device's budget", () => {
  it("boots with its whole catalog and serves the management object_list over HLS-GMAC in blocks", async () => {
    const board = new SimBoard({ startUtcMs: T0 });
    const meter = board.boot();
    board.clock.advance(60_000);
    const end = board.network.connect(SIM_TCP_PORT);
    if (!end) throw new Error("nothing listens on the meter's port");
    const link = wrapperLink(end, board.worldTimers, { clientSap: ClientSap.management, serverLogical: 1, serverPhysical: 0x10, responseTimeoutMs: 5000 }, "sim tcp");
    const s = await settle(
      board,
      ClientSession.open(link, { auth: "hls-gmac", akey: DEVELOPMENT_KEYS.authenticationKey, ekey: DEVELOPMENT_KEYS.globalUnicastKey, systemTitle: CLIENT_TITLE, crypto: board.crypto }),
    );
    const list = await settle(board, s.get(15, Obis.of(0, 0, 40, 0, 0, 255), 2));
    if (!list.ok || list.value.tag !== Tag.Array) throw new Error("object_list not read");
    // What the server lists: the catalog rows management sees, and the association objects.
    const visible = meter.dlms!.server.directory.visibleTo("management");
    expect(visible.length).toBeGreaterThan(100);
    expect(list.value.value.length).toBe(visible.length);
    // Each element is what the class's definition (objectListElement) says, for this role.
    const want = visible.map((e) => toHex(encodeData(objectListElement(e, "management"))));
    expect((list.value.value as Data[]).map((d) => toHex(encodeData(d)))).toEqual(want);
    // Longer than any APDU the meter sends (2048 bytes at most): it can only have come in GET blocks.
    expect(encodeData(list.value).length).toBeGreaterThan(2048);
    await settle(board, s.close());
  });

  it("the streaming element encoder writes the same bytes as the Data definition, for every object and role", () => {
    const board = new SimBoard({ startUtcMs: T0 });
    const meter = board.boot();
    const out = new Uint8Array(512);
    let checked = 0;
    for (const e of meter.catalog.entries) {
      for (const role of ROLES) {
        if (!e.rights[role]) continue;
        const end = writeObjectListElement(out, 0, e, role);
        const want = encodeData(objectListElement(e, role));
        expect(toHex(out.subarray(0, end))).toBe(toHex(want));
        // And it decodes as one whole A-XDR value.
        expect(toHex(encodeData(decodeData(out.subarray(0, end))))).toBe(toHex(want));
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(meter.catalog.entries.length);
  });
});
