/**
 * The firmware rule check: code in src/, hal/ and boards/ (simulated
 * peripherals included, since the XS test run executes them), and every module
 * outside them that an XS test loads (the simulator board, the lab client's
 * session code), must run on XS, so it may not import Node modules or touch a
 * Node-only global, and it must keep the layer rules of ARCHITECTURE.md.
 * bench/ and scripts/ may use Node where no XS test loads them, but never
 * import test code (host-tests/): tests import the bench's operations and
 * rigs and the tools, not the other way. In the modules a device build may
 * contain it also names module-level state as xsl would report it at link
 * time (unfrozen tables, let/var bindings, Maps and Sets) and #private
 * methods (ARCHITECTURE.md, "Code for a small flash"). Each violation is
 * printed with its file and line.
 *
 * Globals are found with the type checker, not a word list: the program is
 * built with Node's type declarations loaded, and any identifier whose symbol
 * is declared only there (Buffer, process, require, __dirname, console,
 * setImmediate, structuredClone, ...) is a use of Node.
 */
import { builtinModules } from "node:module";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { sourceFiles, sourceProgram } from "./source-program.js";

const root = resolve(fileURLToPath(new URL("..", import.meta.url)));

/** Bare specifiers each folder may use besides relative imports. */
const allowedBare: { prefix: string; allow: (spec: string) => boolean }[] = [
  // Moddable's platform modules, only in the Moddable HAL.
  { prefix: "hal/moddable/", allow: (s) => s.startsWith("embedded:") || /^[a-zA-Z][\w-]*(\/[\w-]+)*$/.test(s) },
  // Audited pure-JS crypto that XS runs, for the simulated crypto port.
  { prefix: "hal/sim/", allow: (s) => s.startsWith("@noble/") },
  // Bench operations and rigs that XS tests load: the pure-JS packages the XS test run already bundles (signing a test image, generating values).
  { prefix: "bench/", allow: (s) => s.startsWith("@noble/") || s === "fast-check" },
  // Device entries bind the Moddable HAL and may name SDK modules too.
  { prefix: "boards/", allow: (s) => s.startsWith("embedded:") || /^[a-zA-Z][\w-]*(\/[\w-]+)*$/.test(s) },
];

/** Folders whose code is test or bench code: firmware never imports it. */
const testOnly = ["host-tests/", "bench/"];
/**
 * Nothing outside host-tests/ imports a test's file: tests import bench
 * operations and rigs (a test proves an operation does what its name says)
 * and the tools, never the other way, so a bench figure or a tool never
 * depends on a test.
 */
const testsDir = "host-tests/";
/** Folders scanned for that rule alone where no XS test loads them (they may use Node). */
const testFreeDirs = ["bench", "scripts"];

function testImportViolation(from: string, target: string): string | undefined {
  if (!target.startsWith(testsDir) || from.startsWith(testsDir)) return undefined;
  return `${from.split("/")[0]}/ may not import test code "${target}" (tests import bench operations, rigs and tools, never the other way: move what both need to bench/rigs/)`;
}

/**
 * The direction inside src/ (ARCHITECTURE.md, "Direction inside src/"). Each
 * file belongs to the layer of its longest matching path; a layer may import
 * itself and the layers it lists, never one above it:
 * - util: helpers with no meter knowledge;
 * - contract: the event sink and the KeyValueStore port every area shares;
 * - transport: links that carry APDUs (HDLC, wrapper, mode E);
 * - core: the COSEM core (A-XDR, OBIS, date-time, the interface-class
 *   contract, APDUs, security, the xDLMS server and client). It knows no
 *   domain. Association LN (class 15) is in the core: it is how a client sees
 *   its own association, the server builds it, and it imports only the core;
 * - domain: what the meter does (metrology, storage and profiles, tariff and
 *   clock, relay, FOTA, prepayment, push). A domain knows no interface class;
 *   among domains only the uses in DOMAIN_USES are allowed (producers below
 *   their consumers);
 * - adapter: the interface classes, which show domains over COSEM;
 * - composition: the composition root (src/meter) wires everything. Alarms
 *   (src/alarm) sit here too: they map the event codes of every area to alarm
 *   bits, the composition root's own (faults, settings) included.
 * A folder in no layer fails the check, so a new area is placed on purpose.
 */
const SRC_LAYERS: readonly { readonly layer: string; readonly paths: readonly string[]; readonly may: readonly string[] }[] = [
  { layer: "util", paths: ["src/util/"], may: [] },
  { layer: "contract", paths: ["src/events.ts", "src/persistence.ts"], may: ["util"] },
  { layer: "transport", paths: ["src/transport/"], may: ["util", "contract"] },
  {
    layer: "core",
    // Everything under src/cosem/ but the interface classes (the longer path wins).
    paths: ["src/cosem/", "src/cosem/classes/association-ln.ts"],
    may: ["util", "contract", "transport"],
  },
  { layer: "domain", paths: ["src/metrology/", "src/storage/", "src/tariff/", "src/relay/", "src/fota/", "src/prepay/", "src/push/"], may: ["util", "contract", "transport", "core"] },
  { layer: "adapter", paths: ["src/cosem/classes/"], may: ["util", "contract", "transport", "core", "domain"] },
  { layer: "composition", paths: ["src/meter/", "src/alarm/"], may: ["util", "contract", "transport", "core", "domain", "adapter"] },
];

/**
 * Which other domains a domain may import: a consumer knows its producer,
 * never the other way round. Every entry says why.
 */
const DOMAIN_USES: Readonly<Record<string, readonly string[]>> = {
  metrology: [],
  relay: [],
  fota: [],
  push: [],
  // The tariff engine splits metrology's energy deltas (src/metrology/energy.ts) over the tariffs.
  tariff: ["metrology"],
  // Prepayment opens and closes the disconnector.
  prepay: ["relay"],
  // The meter's profiles capture tariff billing snapshots and profile status; the boot health check reads metrology's energy record.
  storage: ["metrology", "tariff"],
};

function srcLayerOf(path: string): { layer: string; may: readonly string[]; area: string } | undefined {
  // An import names the .js file; the layers name the .ts source.
  const file = path.replace(/\.js$/, ".ts");
  let best: { layer: string; may: readonly string[]; area: string } | undefined;
  let bestLength = 0;
  for (const l of SRC_LAYERS) {
    for (const p of l.paths) {
      if ((p.endsWith("/") ? file.startsWith(p) : file === p) && p.length > bestLength) {
        best = { layer: l.layer, may: l.may, area: file.split("/")[1] };
        bestLength = p.length;
      }
    }
  }
  return best;
}

/** A src/ → src/ import against the direction inside src/, or undefined. */
function srcDirectionViolation(from: string, target: string): string | undefined {
  const f = srcLayerOf(from);
  const t = srcLayerOf(target);
  const place = "add it to SRC_LAYERS in scripts/check-firmware.ts and to ARCHITECTURE.md";
  if (!f) return `"${from}" is in no layer of the direction inside src/ (${place})`;
  if (!t) return `"${target}" is in no layer of the direction inside src/ (${place})`;
  if (f.layer === t.layer) {
    if (f.layer !== "domain" || f.area === t.area || DOMAIN_USES[f.area]?.includes(t.area)) return undefined;
    return `the ${f.area} domain may not import the ${t.area} domain ("${target}"): a producer never knows its consumer (allowed uses are DOMAIN_USES in scripts/check-firmware.ts)`;
  }
  if (f.may.includes(t.layer)) return undefined;
  const why =
    t.layer === "adapter" && f.layer === "domain"
      ? "a domain knows no interface class: move the logic into the domain and let the class call it"
      : f.layer === "core" && t.layer === "domain"
        ? "the COSEM core knows no domain"
        : `${f.layer} is below ${t.layer}`;
  return `${f.layer} "${from}" may not import ${t.layer} "${target}" (${why})`;
}

/**
 * Where each firmware folder may import from (relative imports), besides
 * itself. src/ is the firmware logic: HAL interfaces only, never an
 * implementation; hal/ may borrow src/util helpers; boards/ compose
 * everything; nothing firmware reaches scripts/ or test code.
 */
function layerViolation(from: string, target: string): string | undefined {
  if (testOnly.some((t) => target.startsWith(t)) && !testOnly.some((t) => from.startsWith(t))) {
    return `imports test or bench code "${target}" (firmware and the modules XS tests load may not depend on tests)`;
  }
  const testImport = testImportViolation(from, target);
  if (testImport) return testImport;
  if (from.startsWith("src/")) {
    if (target.startsWith("hal/") && target.split("/").length > 2) return `src/ may import only the HAL interfaces (hal/*.ts), not "${target}"`;
    if (!target.startsWith("src/") && !target.startsWith("hal/")) return `src/ may import only src/ and hal/ interfaces, not "${target}"`;
    if (target.startsWith("src/")) return srcDirectionViolation(from, target);
  } else if (from.startsWith("hal/")) {
    if (target.startsWith("src/") && !target.startsWith("src/util/")) return `hal/ may import only src/util/ helpers from src/, not "${target}" (a driver or port must not depend on a domain)`;
    if (!target.startsWith("src/") && !target.startsWith("hal/")) return `hal/ may import only hal/ and src/util/, not "${target}"`;
  } else if (from.startsWith("boards/")) {
    if (!["src/", "hal/", "boards/"].some((t) => target.startsWith(t))) return `boards/ may import only src/, hal/ and boards/, not "${target}"`;
  }
  return undefined;
}

/** A relative import as the file it names: `.js` is the `.ts` source where that exists. */
function resolveImport(fromAbs: string, spec: string): string | undefined {
  const target = resolve(fromAbs, "..", spec);
  for (const candidate of [target, target.replace(/\.js$/, ".ts"), `${target}.ts`]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  return undefined;
}

/**
 * The modules outside host-tests/ that the XS test run loads: the closure of
 * the relative imports of every dual-runtime test file. They run on XS, so the
 * same Node rules hold for them as for firmware.
 */
function xsLoadedModules(base = root): string[] {
  const tests = sourceFiles(join(base, "host-tests")).filter((f) => f.endsWith(".test.ts") && !f.endsWith(".node.test.ts"));
  const seen = new Set<string>();
  const out: string[] = [];
  const queue = [...tests];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const rel = relative(base, file).split(sep).join("/");
    if (!rel.startsWith("host-tests/") && !rel.startsWith("node_modules/")) out.push(file);
    for (const ref of ts.preProcessFile(readFileSync(file, "utf8"), true, true).importedFiles) {
      if (!ref.fileName.startsWith(".")) continue;
      const target = resolveImport(file, ref.fileName);
      if (target && !target.includes(`${sep}node_modules${sep}`) && !target.includes(`${sep}generated${sep}`)) queue.push(target);
    }
  }
  return out.sort();
}

const nodeBuiltins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));


export interface Violation {
  file: string;
  line: number;
  message: string;
}

/** Checks src/, hal/, boards/, the modules XS tests load, and bench/'s and scripts/' imports, under `base` (the project by default; tests point it at a fixture tree). */
export function checkFirmware(base = root, dirs = ["src", "hal", "boards"]): Violation[] {
  const files = [...new Set([...dirs.flatMap((d) => sourceFiles(join(base, d))), ...xsLoadedModules(base)])];
  const program = sourceProgram(files);
  const checker = program.getTypeChecker();
  const violations: Violation[] = [];

  const isNodeDecl = (d: ts.Declaration): boolean => {
    const f = d.getSourceFile().fileName.split(sep).join("/");
    return f.includes("/node_modules/@types/node/") || f.includes("/node_modules/undici-types/");
  };

  for (const sf of program.getSourceFiles()) {
    const abs = resolve(sf.fileName);
    if (!files.includes(abs)) continue;
    const rel = relative(base, abs).split(sep).join("/");
    const report = (node: ts.Node, message: string) => {
      const { line } = sf.getLineAndCharacterOfPosition(node.getStart(sf));
      violations.push({ file: rel, line: line + 1, message });
    };

    const checkSpecifier = (node: ts.Node, spec: string) => {
      if (nodeBuiltins.has(spec) || spec.startsWith("node:")) {
        report(node, `imports the Node module "${spec}" (firmware and the modules XS tests load run on XS: no Node APIs)`);
        return;
      }
      if (spec.startsWith(".")) {
        if (!spec.endsWith(".js")) report(node, `relative import "${spec}" must name the .js file (XS and tsc resolve it that way)`);
        const target = relative(base, resolve(abs, "..", spec)).split(sep).join("/");
        const layer = layerViolation(rel, target);
        if (layer) report(node, layer);
        return;
      }
      const rule = allowedBare.find((r) => rel.startsWith(r.prefix));
      if (!rule || !rule.allow(spec)) report(node, `imports the package "${spec}", which ${rel.split("/")[0]}/ may not use`);
    };

    if (isDeviceModule(rel)) {
      const frozenLater = frozenByStatement(sf);
      for (const stmt of sf.statements) for (const [node, name, message] of moduleStateViolations(stmt)) if (!frozenLater.has(name)) report(node, message);
      const privateMethods = (node: ts.Node): void => {
        if ((ts.isMethodDeclaration(node) || ts.isGetAccessorDeclaration(node) || ts.isSetAccessorDeclaration(node)) && ts.isPrivateIdentifier(node.name)) {
          report(node, `#private method "${node.name.text}": XS keeps the last instance of its class alive through the method's home object (RAM a collection never frees); use a TypeScript private method`);
        }
        ts.forEachChild(node, privateMethods);
      };
      privateMethods(sf);
    }

    const visit = (node: ts.Node): void => {
      if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
        checkSpecifier(node, node.moduleSpecifier.text);
      } else if (ts.isCallExpression(node)) {
        const [arg] = node.arguments;
        if (node.expression.kind === ts.SyntaxKind.ImportKeyword && arg && ts.isStringLiteralLike(arg)) checkSpecifier(node, arg.text);
        if (ts.isIdentifier(node.expression) && node.expression.text === "require") report(node, "calls require() (XS has no CommonJS)");
      } else if (ts.isIdentifier(node) && !isPropertyName(node)) {
        const sym = checker.getSymbolAtLocation(node);
        const decls = sym?.declarations ?? [];
        if (decls.length > 0 && decls.every(isNodeDecl)) {
          report(node, `uses Node's global "${node.text}" (XS has no Node APIs; go through the HAL or src/util)`);
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }

  // The rest of bench/ and scripts/ (the registry, figures measured on Node,
  // the tools) may use Node but keeps the one direction: no test code.
  for (const abs of testFreeDirs.flatMap((d) => sourceFiles(join(base, d)))) {
    if (files.includes(abs)) continue;
    const rel = relative(base, abs).split(sep).join("/");
    const text = readFileSync(abs, "utf8");
    for (const ref of ts.preProcessFile(text, true, true).importedFiles) {
      if (!ref.fileName.startsWith(".")) continue;
      const target = relative(base, resolve(abs, "..", ref.fileName)).split(sep).join("/");
      const message = testImportViolation(rel, target);
      if (message) violations.push({ file: rel, line: text.slice(0, ref.pos).split("\n").length, message });
    }
  }
  return violations;
}

/** Modules a device build may contain (what xsl preloads): firmware, not the simulator's peripherals or the client side. */
function isDeviceModule(rel: string): boolean {
  if (!/^(src|hal|boards)\//.test(rel)) return false;
  return !["hal/sim/", "boards/sim/", "src/cosem/client/", "src/transport/client/", "src/prepay/vending/"].some((p) => rel.startsWith(p));
}

/** The initializer without the type-only wrappers (`as const`, `satisfies`, parentheses) that leave the value as it is. */
function valueOf(e: ts.Expression): ts.Expression {
  while (ts.isAsExpression(e) || ts.isSatisfiesExpression(e) || ts.isParenthesizedExpression(e) || ts.isTypeAssertionExpression(e)) e = e.expression;
  return e;
}

/**
 * Module-level state in a preloaded module, as xsl reports it at link time:
 * an object or array literal that is not frozen stays writable in flash
 * (xsl: "not frozen"; XS keeps a RAM alias pointer for it and copies it to
 * RAM on the first write), and a `let`/`var` binding is mutable module
 * state (xsl: "no const") shared by every instance. Tables go through
 * frozen() (src/util/frozen.ts); state belongs in an instance.
 */
function moduleStateViolations(stmt: ts.Statement): [ts.Node, string, string][] {
  if (!ts.isVariableStatement(stmt)) return [];
  const out: [ts.Node, string, string][] = [];
  const list = stmt.declarationList;
  if (!(list.flags & ts.NodeFlags.Const)) {
    for (const d of list.declarations) out.push([d, "", `module-level ${list.flags & ts.NodeFlags.Let ? "let" : "var"} "${d.name.getText()}" is mutable state in a preloaded module (xsl: "no const"): keep state in an instance`]);
    return out;
  }
  for (const d of list.declarations) {
    if (!d.initializer) continue;
    const v = valueOf(d.initializer);
    if (ts.isObjectLiteralExpression(v) || ts.isArrayLiteralExpression(v)) out.push([d, d.name.getText(), `module-level table "${d.name.getText()}" is not frozen (xsl: "not frozen", a RAM alias per object): wrap it in frozen() (src/util/frozen.ts)`]);
    else if (ts.isNewExpression(v) && ts.isIdentifier(v.expression) && (v.expression.text === "Map" || v.expression.text === "Set")) out.push([d, "", `module-level ${v.expression.text} "${d.name.getText()}" is mutable state in a preloaded module: keep it in an instance`]);
  }
  return out;
}

/** Names a module-level statement freezes after building them (`Object.freeze(X)` or `frozen(X)`). */
function frozenByStatement(sf: ts.SourceFile): Set<string> {
  const names = new Set<string>();
  for (const stmt of sf.statements) {
    if (!ts.isExpressionStatement(stmt) || !ts.isCallExpression(stmt.expression)) continue;
    const call = stmt.expression;
    const callee = call.expression.getText(sf);
    const [arg] = call.arguments;
    if ((callee === "Object.freeze" || callee === "frozen") && arg && ts.isIdentifier(arg)) names.add(arg.text);
  }
  return names;
}

function isPropertyName(node: ts.Identifier): boolean {
  const p = node.parent;
  return (
    (ts.isPropertyAccessExpression(p) && p.name === node) ||
    (ts.isPropertyAssignment(p) && p.name === node) ||
    (ts.isPropertyDeclaration(p) && p.name === node) ||
    (ts.isMethodDeclaration(p) && p.name === node) ||
    (ts.isPropertySignature(p) && p.name === node) ||
    (ts.isMethodSignature(p) && p.name === node) ||
    (ts.isQualifiedName(p) && p.right === node)
  );
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const v = checkFirmware();
  for (const x of v) console.error(`${x.file}:${x.line}: ${x.message}`);
  console.log(v.length === 0 ? "firmware check: src/, hal/, boards/ and the modules XS tests load are free of Node and keep the layers; bench/ and scripts/ import no test code" : `firmware check: ${v.length} violation(s)`);
  process.exit(v.length === 0 ? 0 : 1);
}
