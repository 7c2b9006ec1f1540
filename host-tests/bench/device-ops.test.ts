import { describe, expect, it } from "vitest";
import { getAll, getObjectListMeter, meterTickCapture, profileDaySelection, profileGenericGetDayOfYear, profileGenericReadDayOfYear } from "../../bench/ops/device.js";
import { Tag, decodeData, type Data } from "../../src/cosem/axdr.js";
import { dateTimeFromBytes, dateTimeToUtcMs } from "../../src/cosem/datetime.js";
import { Obis } from "../../src/cosem/obis.js";
import { LOAD_PROFILE } from "../../src/storage/meter-profiles.js";
import { concatBytes } from "../../src/util/bytes.js";

/** The blocks' raw data as one A-XDR encoding. */
function joined(blocks: Uint8Array[]): Uint8Array {
  return concatBytes(...blocks);
}

function items(d: Data): Data[] {
  if (d.tag !== Tag.Array) throw new Error(`expected an array, got tag ${d.tag}`);
  return d.value;
}

// The issue 13 operations of bench/ops/device.ts (issue 13 "Operations that measure the real meter").
describe("device bench operations do what their names say", () => {
  it("get.object_list.meter reads the management object_list of the whole sim-board catalog, in several ciphered blocks", () => {
    const s = getObjectListMeter.setup();
    getObjectListMeter.run(s);
    const blocks: Uint8Array[] = [];
    const bytes = getAll(s, 15, Obis.of(0, 0, 40, 0, 0, 255), 2, undefined, blocks);
    expect(getObjectListMeter.bytes!(s)).toBe(bytes);
    expect(blocks.length).toBeGreaterThan(10);
    const list = items(decodeData(joined(blocks)));
    const expected = s.meter.catalog.visibleTo("management");
    expect(expected.length).toBeGreaterThan(120);
    expect(list.length).toBe(expected.length);
    list.forEach((element, i) => {
      if (element.tag !== Tag.Structure) throw new Error("object_list element is not a structure");
      const [classId, , ln] = element.value;
      expect(classId.value).toBe(expected[i].object.classId);
      expect(ln.tag).toBe(Tag.OctetString);
      expect(Obis.fromBytes(ln.value as Uint8Array).toString()).toBe(expected[i].object.logicalName.toString());
    });
  });

  it("profile-generic.read.day-of-year and .get.day-of-year read the same 96 rows of one day out of a full year", () => {
    const s = profileGenericReadDayOfYear.setup();
    expect(s.meter.loadProfile!.store.entriesInUse).toBe(s.meter.loadProfile!.store.config.capacity);
    profileGenericReadDayOfYear.run(s);
    const streamed = profileGenericReadDayOfYear.bytes!(s);
    const blocks: Uint8Array[] = [];
    getAll(s, 7, LOAD_PROFILE, 2, profileDaySelection(s), blocks);
    profileGenericGetDayOfYear.run(s);
    expect(profileGenericGetDayOfYear.bytes!(s)).toBe(streamed);
    const rows = items(decodeData(joined(blocks)));
    expect(joined(blocks).length).toBe(streamed);
    expect(rows.length).toBe(96);
    const first = rows[0];
    const last = rows[95];
    if (first.tag !== Tag.Structure || last.tag !== Tag.Structure) throw new Error("rows are not structures");
    const t0 = dateTimeToUtcMs(dateTimeFromBytes(first.value[0].value as Uint8Array));
    const t95 = dateTimeToUtcMs(dateTimeFromBytes(last.value[0].value as Uint8Array));
    expect(t0).toBe(s.from);
    expect(t95).toBe(s.from + 95 * 900_000);
  });

  it("meter.tick.capture is the one tick that captures the load profile", () => {
    const s = meterTickCapture.setup();
    meterTickCapture.prepare!(s);
    const captures = s.meter.captures;
    const rows = s.meter.loadProfile!.store.entriesInUse;
    meterTickCapture.run(s);
    expect(s.meter.captures).toBe(captures + 1);
    expect(s.meter.loadProfile!.store.entriesInUse).toBe(rows + 1);
    expect(s.meter.clock.now() % 900_000).toBe(0);
  });
});
