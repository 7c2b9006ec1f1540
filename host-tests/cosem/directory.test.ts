import { describe, expect, it } from "vitest";
import { rights } from "../../src/cosem/interface-class.js";
import { Obis } from "../../src/cosem/obis.js";
import { ObjectDirectory } from "../../src/cosem/server/directory.js";
import { EchoObject } from "../../bench/rigs/xdlms-meter.js";

/**
 * The one catalog (src/cosem/server/directory.ts): rows indexed by logical
 * name in typed arrays with a binary search, rights shared per directory.
 */
describe("ObjectDirectory", () => {
  it("finds every row by name in catalog order, whatever the insertion order, before and after trim()", () => {
    // A deterministic spread of logical names over all six groups (a linear congruential walk).
    let x = 12345;
    const next = () => (x = (x * 1103515245 + 12345) % 2 ** 31);
    const names = new Map<number, Obis>();
    while (names.size < 300) {
      const o = Obis.of(next() % 256, next() % 256, next() % 256, next() % 256, next() % 256, next() % 256);
      names.set(o.key, o);
    }
    const d = new ObjectDirectory();
    const all = [...names.values()];
    const half = all.length / 2;
    const r = { management: rights("r r", "- -") };
    all.slice(0, half).forEach((o) => d.insert({ object: new EchoObject(o), rights: r }));
    d.trim();
    all.slice(half).forEach((o) => d.insert({ object: new EchoObject(o), rights: r }));
    expect(d.entries.map((e) => e.object.logicalName.key)).toEqual(all.map((o) => o.key));
    for (const o of all) expect(d.find(o)?.object.logicalName.key).toBe(o.key);
    // Names next to existing ones are not found.
    for (const o of all.slice(0, 50)) expect(d.findKey(o.key + 1) === undefined || names.has(o.key + 1)).toBe(true);
    expect(d.findKey(0)).toBe(names.has(0) ? d.entries[all.findIndex((o) => o.key === 0)] : undefined);
  });

  it("refuses a second row or an internal object of the same name, and rights that do not fit the class", () => {
    const d = new ObjectDirectory();
    const ln = Obis.of(0, 0, 96, 1, 0, 255);
    d.insert({ object: new EchoObject(ln), rights: { reader: rights("r r", "- -") } });
    expect(() => d.insert({ object: new EchoObject(ln), rights: {} })).toThrow(/duplicate/);
    expect(() => d.addInternal(new EchoObject(ln))).toThrow(/duplicate/);
    d.addInternal(new EchoObject(Obis.of(0, 0, 96, 1, 1, 255)));
    expect(() => d.insert({ object: new EchoObject(Obis.of(0, 0, 96, 1, 1, 255)), rights: {} })).toThrow(/duplicate/);
    expect(d.resolve(9, Obis.of(0, 0, 96, 1, 1, 255))).toBeDefined();
    expect(d.resolve(1, Obis.of(0, 0, 96, 1, 1, 255))).toBeUndefined();
    expect(() => d.insert({ object: new EchoObject(Obis.of(0, 0, 96, 1, 2, 255)), rights: { reader: rights("r r r", "- -") } })).toThrow(/do not match/);
  });

  it("keeps one rights row and one per-role record of each content, frozen", () => {
    const d = new ObjectDirectory();
    const rows = [0, 1, 2, 3].map((i) =>
      d.insert({ object: new EchoObject(Obis.of(0, 0, 96, 1, i, 255)), rights: i < 3 ? { reader: rights("r r", "- -"), management: rights("r rw", "x x") } : { management: rights("r r", "- -") } }),
    );
    expect(rows[1].rights).toBe(rows[0].rights);
    expect(rows[2].rights).toBe(rows[0].rights);
    expect(rows[3].rights).not.toBe(rows[0].rights);
    // The same row content under another role is the same row.
    expect(rows[3].rights.management).toBe(rows[0].rights.reader);
    expect(Object.isFrozen(rows[0].rights)).toBe(true);
    expect(Object.isFrozen(rows[0].rights.management!.attributes)).toBe(true);
    expect(d.countVisible("reader")).toBe(3);
    expect(d.visibleTo("management").length).toBe(4);
  });
});
