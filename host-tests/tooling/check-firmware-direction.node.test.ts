import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { checkFirmware } from "../../scripts/check-firmware.js";

// The direction inside src/ (ARCHITECTURE.md), proved on a throw-away tree
// shaped like the project: each violation issue 18 found is written back in
// and must fail with its file and line; the directions the rule allows pass.
const base = mkdtempSync(join(tmpdir(), "meter-direction-"));
const existing = [
  "src/util/bytes.ts",
  "src/events.ts",
  "src/transport/wrapper/wrapper.ts",
  "src/cosem/axdr.ts",
  "src/cosem/server/server.ts",
  "src/cosem/classes/association-ln.ts",
  "src/cosem/classes/profile-generic.ts",
  "src/cosem/classes/register.ts",
  "src/cosem/classes/register-monitor.ts",
  "src/metrology/service.ts",
  "src/metrology/energy.ts",
  "src/metrology/threshold-monitor.ts",
  "src/storage/profile.ts",
  "src/tariff/registers.ts",
  "src/tariff/billing.ts",
  "src/meter/meter.ts",
];
for (const f of existing) {
  mkdirSync(join(base, dirname(f)), { recursive: true });
  writeFileSync(join(base, f), "export const x = 1;\n");
}

/** The violations of one bad file written into the tree (removed afterwards). */
function check(file: string, imports: string[]) {
  const path = join(base, file);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, imports.map((spec, i) => `import { x as x${i} } from "${spec}";\n`).join("") + `export const y = Object.freeze([${imports.map((_s, i) => `x${i}`).join(", ")}]);\n`);
  try {
    return checkFirmware(base);
  } finally {
    rmSync(path);
  }
}

afterAll(() => rmSync(base, { recursive: true, force: true }));

describe("the direction inside src/", () => {
  it("allows what the layers allow: adapters on domains, consumers on producers, the core on transport, the root on all", () => {
    expect(check("src/cosem/classes/clock.ts", ["../../tariff/registers.js", "../axdr.js", "../../util/bytes.js"])).toEqual([]);
    expect(check("src/cosem/classes/register-monitor2.ts", ["../../metrology/threshold-monitor.js"])).toEqual([]);
    expect(check("src/tariff/engine.ts", ["../metrology/energy.js", "../cosem/axdr.js", "../events.js"])).toEqual([]);
    expect(check("src/storage/meter-profiles.ts", ["./profile.js", "../tariff/billing.js"])).toEqual([]);
    expect(check("src/cosem/server/association.ts", ["../classes/association-ln.js", "../../transport/wrapper/wrapper.js"])).toEqual([]);
    expect(check("src/meter/dlms.ts", ["../cosem/classes/register.js", "../metrology/service.js", "../cosem/server/server.js"])).toEqual([]);
  });

  it("fails a storage profile importing class 7 for its capture logic", () => {
    const v = check("src/storage/event-logs.ts", ["./profile.js", "../cosem/classes/profile-generic.js"]);
    expect(v).toEqual([{ file: "src/storage/event-logs.ts", line: 2, message: expect.stringContaining("a domain knows no interface class") }]);
    expect(check("src/storage/meter-profiles.ts", ["../cosem/classes/profile-generic.js"])[0]).toMatchObject({ file: "src/storage/meter-profiles.ts", line: 1 });
  });

  it("fails metrology importing interface classes (the catalog that closed the metrology <-> register-monitor cycle)", () => {
    const v = check("src/metrology/catalog.ts", ["../cosem/axdr.js", "../cosem/classes/register.js", "../cosem/classes/register-monitor.js", "./service.js"]);
    expect(v.map((x) => `${x.file}:${x.line}`)).toEqual(["src/metrology/catalog.ts:2", "src/metrology/catalog.ts:3"]);
    expect(v[0].message).toContain('domain "src/metrology/catalog.ts" may not import adapter "src/cosem/classes/register.js"');
  });

  it("fails a producer importing its consumer's type: metrology on tariff", () => {
    const v = check("src/metrology/service2.ts", ["../tariff/registers.js"]);
    expect(v).toEqual([{ file: "src/metrology/service2.ts", line: 1, message: expect.stringContaining("the metrology domain may not import the tariff domain") }]);
  });

  it("fails the COSEM core importing a domain, an interface class other than Association LN, or the composition root", () => {
    const v = check("src/cosem/server/bad.ts", ["../../metrology/service.js", "../classes/register.js", "../../meter/meter.js"]);
    expect(v.map((x) => `${x.line}: ${x.message.slice(0, x.message.indexOf("("))}`)).toEqual([
      '1: core "src/cosem/server/bad.ts" may not import domain "src/metrology/service.js" ',
      '2: core "src/cosem/server/bad.ts" may not import adapter "src/cosem/classes/register.js" ',
      '3: core "src/cosem/server/bad.ts" may not import composition "src/meter/meter.js" ',
    ]);
    expect(v[0].message).toContain("the COSEM core knows no domain");
  });

  it("fails a domain or an adapter reaching the composition root, and util reaching anything", () => {
    expect(check("src/tariff/x.ts", ["../meter/meter.js"])[0].message).toContain('domain "src/tariff/x.ts" may not import composition');
    expect(check("src/cosem/classes/x.ts", ["../../meter/meter.js"])[0].message).toContain('adapter "src/cosem/classes/x.ts" may not import composition');
    expect(check("src/util/x.ts", ["../events.js"])[0].message).toContain('util "src/util/x.ts" may not import contract');
    expect(check("src/transport/x.ts", ["../cosem/axdr.js"])[0].message).toContain('transport "src/transport/x.ts" may not import core');
  });

  it("fails a folder that is in no layer, so a new area is placed on purpose", () => {
    const v = check("src/newarea/x.ts", ["../util/bytes.js"]);
    expect(v).toEqual([{ file: "src/newarea/x.ts", line: 1, message: expect.stringContaining('"src/newarea/x.ts" is in no layer') }]);
  });
});
