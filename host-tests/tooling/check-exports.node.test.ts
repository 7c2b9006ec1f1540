import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { checkDeadExports } from "../../scripts/check-exports.js";

// The dead-export check on a throw-away tree shaped like the project, so
// that proving it fails never puts a dead export into the real tree.
const base = mkdtempSync(join(tmpdir(), "meter-exports-"));
for (const d of ["src/util", "hal/sim", "boards/x", "scripts", "host-tests/util", "bench"]) mkdirSync(join(base, d), { recursive: true });
const write = (file: string, body: string) => writeFileSync(join(base, file), body);

write("src/util/used.ts", "export const used = 1;\nexport type Shape = { a: number };\nexport function helper(): number {\n  return 2;\n}\n");
write("src/util/main.ts", 'import { used, helper } from "./used.js";\nexport const total = used + helper();\n');
write("boards/x/main.js", 'import { total } from "../../src/util/main.js";\ntrace(total);\n');

function check(files: Record<string, string>, allowed: Record<string, string> = {}) {
  for (const [f, body] of Object.entries(files)) write(f, body);
  try {
    return checkDeadExports(base, allowed);
  } finally {
    for (const f of Object.keys(files)) rmSync(join(base, f));
  }
}

afterAll(() => rmSync(base, { recursive: true, force: true }));

describe("dead-export check", () => {
  it("passes a tree whose every value export is imported (an unimported exported type is an API's documentation, not dead)", () => {
    expect(check({})).toEqual([]);
  });

  it("names the symbol and the file of an export nothing imports", () => {
    const v = check({ "src/util/extra.ts": 'import { used } from "./used.js";\nexport const orphan = used;\n', "src/util/side.ts": 'import "./extra.js";\n' });
    expect(v).toEqual([{ file: "src/util/extra.ts", symbol: "orphan", message: expect.stringContaining('src/util/extra.ts: export "orphan" is imported by nothing') }]);
  });

  it("counts an export used only inside its own module as dead", () => {
    const v = check({ "src/util/local.ts": "export const inner = 3;\nexport const outer = inner + 1;\n", "src/util/user.ts": 'import { outer } from "./local.js";\nexport const u = outer;\n', "scripts/run.ts": 'import { u } from "../src/util/user.js";\nconsole.log(u);\n' });
    expect(v.map((x) => `${x.file}#${x.symbol}`)).toEqual(["src/util/local.ts#inner"]);
  });

  it("fails a firmware export that only tests or bench import, unless it is allowed with a reason", () => {
    const files = { "src/util/seam.ts": "export const SEAM = 5;\n", "host-tests/util/seam.test.ts": 'import { SEAM } from "../../src/util/seam.js";\nexport const t = SEAM;\n', "bench/op.ts": 'import { SEAM } from "../src/util/seam.js";\nexport const b = SEAM;\n' };
    const v = check(files);
    expect(v).toEqual([
      { file: "src/util/seam.ts", symbol: "SEAM", onlyIn: ["bench/op.ts", "host-tests/util/seam.test.ts"], message: expect.stringContaining('src/util/seam.ts: export "SEAM" is imported only by tests or bench') },
    ]);
    expect(check(files, { "src/util/seam.ts#SEAM": "a test names the constant" })).toEqual([]);
  });

  it("lets tests be the importers of simulation and tool exports (test helpers)", () => {
    expect(check({ "hal/sim/model.ts": "export class Model {}\n", "host-tests/util/model.test.ts": 'import { Model } from "../../hal/sim/model.js";\nexport const m = new Model();\n' })).toEqual([]);
  });

  it("follows re-exports, namespace imports and dynamic import()", () => {
    const files = {
      "src/util/a.ts": "export const a1 = 1;\nexport const a2 = 2;\n",
      "src/util/b.ts": "export const b1 = 1;\n",
      "src/util/c.ts": "export const c1 = 1;\n",
      "src/util/index.ts": 'export { a1 } from "./a.js";\nimport * as b from "./b.js";\nexport const all = b;\n',
      "scripts/use.ts": 'import { a1, all } from "../src/util/index.js";\nconst c = await import("../src/util/c.js");\nconsole.log(a1, all, c);\n',
    };
    expect(check(files).map((x) => `${x.file}#${x.symbol}`)).toEqual(["src/util/a.ts#a2"]);
  });

  it("fails an allowed entry that names no export, so the list stays true", () => {
    const v = check({}, { "src/util/used.ts#gone": "was a seam" });
    expect(v).toEqual([{ file: "src/util/used.ts", symbol: "gone", message: expect.stringContaining("ALLOWED names \"gone\", which src/util/used.ts does not export") }]);
  });
});
