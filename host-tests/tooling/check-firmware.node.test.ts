import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { checkFirmware } from "../../scripts/check-firmware.js";

// The firmware rule check runs on a throw-away tree shaped like the project,
// so that proving it fails never puts a bad file into the real src/.
const base = mkdtempSync(join(tmpdir(), "meter-check-"));
mkdirSync(join(base, "src", "cosem"), { recursive: true });
mkdirSync(join(base, "hal", "sim"), { recursive: true });
mkdirSync(join(base, "hal", "moddable"), { recursive: true });
mkdirSync(join(base, "hal", "drivers"), { recursive: true });
mkdirSync(join(base, "src", "metrology"), { recursive: true });
mkdirSync(join(base, "boards", "x"), { recursive: true });
mkdirSync(join(base, "scripts", "simulator"), { recursive: true });
mkdirSync(join(base, "host-tests", "meter"), { recursive: true });
mkdirSync(join(base, "bench"), { recursive: true });
writeFileSync(join(base, "src", "metrology", "service.ts"), "export const service = 1;\n");

function check(file: string, body: string) {
  writeFileSync(join(base, file), body);
  try {
    return checkFirmware(base);
  } finally {
    rmSync(join(base, file));
  }
}

afterAll(() => rmSync(base, { recursive: true, force: true }));

describe("firmware rule check", () => {
  it("passes clean firmware code", () => {
    expect(check("src/cosem/ok.ts", 'import { x } from "./other.js";\nexport const y = new Uint8Array(x);\n')).toEqual([]);
  });

  it("names the file and line of Buffer.from in src/", () => {
    const v = check("src/cosem/bad.ts", 'export const a = 1;\nexport const b = Buffer.from("x");\n');
    expect(v).toEqual([{ file: "src/cosem/bad.ts", line: 2, message: expect.stringContaining('Node\'s global "Buffer"') }]);
  });

  it('names the file of import fs from "fs" in src/', () => {
    const v = check("src/bad.ts", 'import fs from "fs";\nexport const f = fs;\n');
    expect(v.some((x) => x.file === "src/bad.ts" && x.line === 1 && x.message.includes('Node module "fs"'))).toBe(true);
  });

  it("catches node: imports, require(), process, console and timers in hal/sim too", () => {
    const v = check("hal/sim/bad.ts", 'import { x } from "node:os";\nconst r = require("y");\nprocess.exit(1);\nconsole.log(x, r);\nsetTimeout(() => {}, 1);\n');
    const messages = v.map((x) => `${x.line}: ${x.message}`).join("\n");
    expect(messages).toContain('1: imports the Node module "node:os"');
    expect(messages).toContain("2: calls require()");
    expect(messages).toContain('3: uses Node\'s global "process"');
    expect(messages).toContain('4: uses Node\'s global "console"');
    expect(messages).toContain('5: uses Node\'s global "setTimeout"');
  });

  it("does not confuse a property named Buffer with the global", () => {
    expect(check("src/ok2.ts", "export function b(): number {\n  const o = { Buffer: 1 };\n  return o.Buffer;\n}\n")).toEqual([]);
  });

  it("names module-level state a preloaded module would keep writable: unfrozen tables, let/var, Maps and Sets", () => {
    const v = check(
      "src/cosem/state.ts",
      [
        "const TABLE = { a: 1 } as const;",
        "let budget = 0;",
        "const SEEN = new Set<number>();",
        "const LIST = [1, 2];",
        "export function f(): number {",
        "  budget++;",
        "  return TABLE.a + LIST[0] + SEEN.size + budget;",
        "}",
        "",
      ].join("\n"),
    );
    expect(v.map((x) => `${x.line}: ${x.message.split(" (")[0]}`)).toEqual([
      '1: module-level table "TABLE" is not frozen',
      '2: module-level let "budget" is mutable state in a preloaded module',
      '3: module-level Set "SEEN" is mutable state in a preloaded module: keep it in an instance',
      '4: module-level table "LIST" is not frozen',
    ]);
  });

  it("names #private methods in device modules (XS keeps the last instance alive through the method's home object)", () => {
    const v = check("src/cosem/held.ts", "export class Held {\n  #n = 0;\n  #bump(): number {\n    return ++this.#n;\n  }\n  next(): number {\n    return this.#bump();\n  }\n}\n");
    expect(v.map((x) => `${x.line}: ${x.message.split(":")[0]}`)).toEqual(['3: #private method "#bump"']);
    expect(check("hal/sim/held.ts", "export class Held {\n  #bump(): number {\n    return 1;\n  }\n  next(): number {\n    return this.#bump();\n  }\n}\n")).toEqual([]);
  });

  it("accepts frozen tables (frozen(), Object.freeze, or frozen after being built) and leaves the simulator's modules alone", () => {
    const frozenTables = [
      'import { frozen } from "../util/frozen.js";',
      "const A = frozen({ a: 1 });",
      "const B = Object.freeze([1, 2] as const);",
      "const C: Record<number, number> = {};",
      "C[1] = 2;",
      "Object.freeze(C);",
      "export const sum = A.a + B[0] + C[1];",
      "",
    ].join("\n");
    expect(check("src/cosem/tables.ts", frozenTables)).toEqual([]);
    expect(check("hal/sim/state.ts", "let n = 0;\nexport function next(): number {\n  return ++n;\n}\n")).toEqual([]);
  });

  it("enforces the layer rules: .js extensions, no HAL implementations from src/, packages only where allowed", () => {
    const v1 = check("src/a.ts", 'import { x } from "./b";\nexport const y = x;\n');
    expect(v1[0].message).toContain("must name the .js file");
    const v2 = check("src/a.ts", 'import { x } from "../hal/sim/flash.js";\nexport const y = x;\n');
    expect(v2[0].message).toContain("only the HAL interfaces");
    const v3 = check("src/a.ts", 'import { gcm } from "@noble/ciphers/aes.js";\nexport const y = gcm;\n');
    expect(v3[0].message).toContain("which src/ may not use");
    expect(check("hal/sim/c.ts", 'import { gcm } from "@noble/ciphers/aes.js";\nexport const y = gcm;\n')).toEqual([]);
    expect(check("hal/moddable/d.ts", 'import SPI from "embedded:io/spi";\nimport Timer from "timer";\nexport const y = Object.freeze([SPI, Timer]);\n')).toEqual([]);
  });

  it("keeps drivers and ports off the domains: hal/ may import only src/util/", () => {
    const v = check("hal/drivers/ade.ts", 'import { service } from "../../src/metrology/service.js";\nexport const y = service;\n');
    expect(v).toEqual([{ file: "hal/drivers/ade.ts", line: 1, message: expect.stringContaining("hal/ may import only src/util/") }]);
  });

  it("scans boards/: Node there fails, and a board may not reach scripts/", () => {
    writeFileSync(join(base, "scripts", "tool.ts"), "export const t = 1;\n");
    try {
      const v = check("boards/x/board.ts", 'import { t } from "../../scripts/tool.js";\nexport const b = process.env.X ?? t;\n');
      const messages = v.map((x) => `${x.line}: ${x.message}`).join("\n");
      expect(messages).toContain("1: boards/ may import only src/, hal/ and boards/");
      expect(messages).toContain('2: uses Node\'s global "process"');
    } finally {
      rmSync(join(base, "scripts", "tool.ts"));
    }
  });

  it("forbids firmware importing test or bench code", () => {
    writeFileSync(join(base, "host-tests", "meter", "drive.ts"), "export const d = 1;\n");
    writeFileSync(join(base, "bench", "op.ts"), "export const o = 1;\n");
    try {
      expect(check("src/t.ts", 'import { d } from "../host-tests/meter/drive.js";\nexport const y = d;\n')[0].message).toContain("test or bench code");
      expect(check("hal/sim/t.ts", 'import { o } from "../../bench/op.js";\nexport const y = o;\n')[0].message).toContain("test or bench code");
    } finally {
      rmSync(join(base, "host-tests", "meter", "drive.ts"));
      rmSync(join(base, "bench", "op.ts"));
    }
  });

  it("forbids the bench importing test code, wherever the bench file runs; tests may import the bench", () => {
    writeFileSync(join(base, "host-tests", "meter", "fixture.ts"), "export const f = 1;\n");
    mkdirSync(join(base, "bench", "ops"), { recursive: true });
    try {
      // A Node-side bench file (no XS test loads it): Node is allowed, the test import is not.
      const v1 = check("bench/registry.ts", 'import { spawnSync } from "node:child_process";\nimport { f } from "../host-tests/meter/fixture.js";\nexport const ops = [f, spawnSync];\n');
      expect(v1).toEqual([{ file: "bench/registry.ts", line: 2, message: expect.stringContaining("bench/ may not import test code") }]);
      // A bench operation an XS test loads: the same rule, found through the XS closure.
      writeFileSync(join(base, "bench", "ops", "meter.ts"), 'import { f } from "../../host-tests/meter/fixture.js";\nexport const op = f;\n');
      const v2 = check("host-tests/meter/bench-ops.test.ts", 'import { op } from "../../bench/ops/meter.js";\nexport const t = op;\n');
      expect(v2).toEqual([{ file: "bench/ops/meter.ts", line: 1, message: expect.stringContaining("bench/ may not import test code") }]);
      // The allowed direction: a test imports a clean bench operation.
      writeFileSync(join(base, "bench", "ops", "meter.ts"), "export const op = 1;\n");
      expect(check("host-tests/meter/bench-ops.test.ts", 'import { op } from "../../bench/ops/meter.js";\nexport const t = op;\n')).toEqual([]);
    } finally {
      rmSync(join(base, "host-tests", "meter", "fixture.ts"));
      rmSync(join(base, "bench", "ops"), { recursive: true });
    }
  });

  it("forbids a Node-only tool in scripts/ importing test code; it may import a bench rig", () => {
    writeFileSync(join(base, "host-tests", "meter", "fixture.ts"), "export const f = 1;\n");
    writeFileSync(join(base, "bench", "rig.ts"), "export const r = 1;\n");
    try {
      const v = check("scripts/years.ts", 'import { readFileSync } from "node:fs";\nimport { r } from "../bench/rig.js";\nimport { f } from "../host-tests/meter/fixture.js";\nexport const y = [r, f, readFileSync];\n');
      expect(v).toEqual([{ file: "scripts/years.ts", line: 3, message: expect.stringContaining("scripts/ may not import test code") }]);
    } finally {
      rmSync(join(base, "host-tests", "meter", "fixture.ts"));
      rmSync(join(base, "bench", "rig.ts"));
    }
  });

  it("forbids a module an XS test loads (the simulator board) importing bench code", () => {
    writeFileSync(join(base, "bench", "rig.ts"), "export const r = 1;\n");
    writeFileSync(join(base, "scripts", "simulator", "board.ts"), 'import { r } from "../../bench/rig.js";\nexport const b = r;\n');
    try {
      const v = check("host-tests/meter/meter.test.ts", 'import { b } from "../../scripts/simulator/board.js";\nexport const t = b;\n');
      expect(v).toEqual([{ file: "scripts/simulator/board.ts", line: 1, message: expect.stringContaining("test or bench code") }]);
    } finally {
      rmSync(join(base, "bench", "rig.ts"));
      rmSync(join(base, "scripts", "simulator", "board.ts"));
    }
  });

  it("holds a module that an XS test loads to the Node rules, and leaves Node-only scripts alone", () => {
    writeFileSync(join(base, "scripts", "simulator", "board.ts"), 'import { homedir } from "node:os";\nexport const home = homedir();\n');
    writeFileSync(join(base, "scripts", "simulator", "run.ts"), 'import { homedir } from "node:os";\nexport const home = homedir();\n');
    try {
      const v = check("host-tests/meter/meter.test.ts", 'import { home } from "../../scripts/simulator/board.js";\nexport const h = home;\n');
      expect(v).toEqual([{ file: "scripts/simulator/board.ts", line: 1, message: expect.stringContaining('Node module "node:os"') }]);
      // The same import from a Node-only test loads the module on Node alone.
      expect(check("host-tests/meter/meter.node.test.ts", 'import { home } from "../../scripts/simulator/board.js";\nexport const h = home;\n')).toEqual([]);
    } finally {
      rmSync(join(base, "scripts", "simulator", "board.ts"));
      rmSync(join(base, "scripts", "simulator", "run.ts"));
    }
  });
});
