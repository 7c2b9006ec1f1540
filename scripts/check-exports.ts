/**
 * The dead-export check: an exported symbol that nothing imports is dead
 * code (or an `export` that should not be there). `npm test` runs it in its
 * checks stage, beside the firmware rule check; it prints one line per
 * finding, naming the symbol and the file it is exported from.
 *
 * Who counts as an importer:
 * - For firmware (src/, hal/ but the simulation): only code that ships or
 *   runs the meter: src/, hal/, boards/ (entries included) and scripts/ (the
 *   simulator, the lab client, imgtool). A firmware export used only by
 *   host-tests/ or bench/ is dead too, unless it is a test seam named in
 *   ALLOWED below with the reason it exists.
 * - For everything else (hal/sim/, boards/, scripts/): any importer,
 *   tests and bench included (simulated peripherals and tools are test
 *   helpers by nature).
 *
 * An import is an `import { x }` (types included), an `export { x } from`,
 * or a namespace import / `export *` / dynamic `import()` of the module,
 * which counts for every export of it. Using a symbol only inside its own
 * module does not count: then it should not be exported.
 */
import { join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { sourceFiles, sourceProgram } from "./source-program.js";

const root = resolve(fileURLToPath(new URL("..", import.meta.url)));

/** Folders whose exports are checked. */
const CHECKED = ["src", "hal", "boards", "scripts"];
/** Folders whose code may import (tests and bench count only for some exports, see the header). */
const IMPORTERS = [...CHECKED, "host-tests", "bench"];
const TEST_CODE = ["host-tests/", "bench/"];
/** Firmware whose exports need an importer outside tests and bench. */
const isFirmware = (file: string) => (file.startsWith("src/") || file.startsWith("hal/")) && !file.startsWith("hal/sim/");

/**
 * Exports kept although the rule above calls them dead, each with its reason
 * ("file#symbol"). Test seams: firmware exports only tests or bench import,
 * on purpose (a codec checked against third-party vectors, a constant a test
 * names instead of repeating its value). No "pending" entries: code being
 * changed on another branch is cleared when it merges.
 * An entry that is no longer an export fails the check, so the list stays true.
 */
const ALLOWED: Readonly<Record<string, string>> = Object.freeze({
  "hal/drivers/ade7953.ts#Ade7953": "the driver tests and bench rigs open the class with options a board's driver leaves at their defaults (energy mode, channel B)",
  "hal/drivers/ade7953.ts#defaultAde7953Calibration": "metrology tests and bench give a meter the IC's default calibration without opening a driver",
  "hal/drivers/ade7953.ts#ADE7953_REGISTERS": "register map checked against registers.json (host-tests/metrology/register-maps.node.test.ts)",
  "hal/drivers/atm90e32.ts#ATM90E32_REGISTERS": "register map checked against registers.json (host-tests/metrology/register-maps.node.test.ts)",
  "hal/drivers/atm90e32.ts#ATM90E32_RESET_WAIT_MS": "tests bound the energy the reset time costs by it",
  "hal/drivers/atm90e32.ts#Atm90e32": "the driver tests and bench rigs open the class with options a board's driver leaves at their defaults",
  "hal/drivers/atm90e32.ts#defaultAtm90e32Calibration": "metrology tests and bench give a meter the IC's default calibration without opening a driver",
  "hal/logger.ts#silentLogger": "the quiet logger tests pass to the composition root",
  "src/cosem/axdr-helpers.ts#bool": "bench/rigs/settings-values.ts writes setting values with the short builders (the classes build through D)",
  "src/cosem/axdr-helpers.ts#en": "bench/rigs/settings-values.ts writes setting values with the short builders (the classes build through D)",
  "src/cosem/axdr-helpers.ts#i16": "bench/rigs/settings-values.ts writes setting values with the short builders (the classes build through D)",
  "src/cosem/axdr-helpers.ts#i8": "bench/rigs/settings-values.ts writes setting values with the short builders (the classes build through D)",
  "src/cosem/axdr-helpers.ts#os": "bench/rigs/settings-values.ts writes setting values with the short builders (the classes build through D)",
  "src/cosem/axdr-helpers.ts#u32": "bench/rigs/settings-values.ts writes setting values with the short builders (the classes build through D)",
  "src/cosem/axdr-helpers.ts#u8": "bench/rigs/settings-values.ts writes setting values with the short builders (the classes build through D)",
  "src/cosem/classes/association-ln.ts#writeObjectListElement": "the device-budget test measures one element's allocation",
  "src/cosem/classes/profile-generic.ts#definitionData": "storage tests read the capture definition of a profile",
  "src/cosem/interface-class.ts#ROLES": "tests iterate every role's rights",
  "src/cosem/security/counters.ts#TX_RESERVATION_BLOCK": "the security test checks the counter skip after a power cut by the reservation size",
  "src/cosem/security/suite0.ts#iv": "GCM IV construction, checked against third-party vectors (host-tests/cosem/security.test.ts)",
  "src/cosem/server/auth-guard.ts#DEFAULT_AUTH_GUARD": "hardening tests name the lockout thresholds instead of repeating them",
  "src/cosem/server/server.ts#DEFAULT_PENDING_ASSOCIATION_MS": "the hardening test names the pending-association timeout",
  "src/fota/hash.ts#softwareHash": "the FOTA vectors and bench run the software hash without a platform hash",
  "src/fota/hash.ts#hashOnce": "the FOTA vectors and bench hash a whole buffer with the software hash (host-only module, in no device build)",
  "src/fota/transfer.ts#VerdictCode": "FOTA end-to-end tests name the image_transfer verdicts",
  "src/meter/config.ts#DEVELOPMENT_KEYS": "tests, bench and the lab client's sim profile use the development keys",
  "src/meter/dlms.ts#SAP_ASSIGNMENT": "the meter test checks the SAP assignment object",
  "src/meter/dlms.ts#SecuritySetupLn": "the writes property test addresses the security setup objects",
  "src/alarm/alarm-map.ts#ALARM_MAP": "the alarm-map test walks every logged code against the table",
  "src/alarm/alarm-map.ts#AlarmBit": "the alarm tests name the bits they expect",
  "src/alarm/alarm-map.ts#NO_ALARM": "the alarm-map test tells an explicit no-alarm from a missing code",
  "src/alarm/alarms.ts#KEY_ALARMS": "the alarm persistence test corrupts the stored record by its key",
  "src/meter/faults.ts#SAFE_MODE_AFTER": "the containment test names the safe-mode threshold",
  "src/meter/faults.ts#STABLE_AFTER_MS": "the containment test names the stable-start time",
  "src/meter/persistence.ts#KEY_ENERGY": "the meter test damages the stored energy record by its key",
  "src/meter/prepay.ts#PrepayLn": "prepayment tests address the prepayment objects",
  "src/meter/metrology.ts#metrologyCatalog": "metrology's COSEM tests build its catalog rows on a metrology service without a meter",
  "src/meter/metrology.ts#maxDemandCatalog": "metrology's COSEM test builds the maximum demand rows without a meter",
  "src/meter/metrology.ts#registerMonitorOf": "metrology's COSEM test finds the monitor among the rows it built",
  "src/meter/push.ts#PushLn": "push tests and the push bench address the Push Setups by name",
  "src/meter/settings.ts#settingKey": "the settings test corrupts one stored setting by its key",
  "src/metrology/service.ts#CALIBRATION_KEY": "the metrology COSEM test reads the stored calibration by its key",
  "src/metrology/service.ts#decodeCalibration": "metrology tests decode the stored calibration record",
  "src/metrology/service.ts#encodeEnergyState": "the 24 h scenario presets the energy registers near roll-over",
  "src/persistence.ts#MemoryKeyValueStore": "the RAM store tests build meters on (a meter may be built without flash)",
  "src/prepay/vending/dkga02.ts#controlBlock": "DKGA02 step, checked against third-party vectors (STS vectors)",
  "src/prepay/vending/dkga02.ts#luhnDigit": "DKGA02 step, checked against third-party vectors (STS vectors)",
  "src/prepay/vending/dkga02.ts#panBlock": "DKGA02 step, checked against third-party vectors (STS vectors)",
  "src/prepay/keypad-entry.ts#KEYPAD_TIMEOUT_MS": "the keypad test names the entry timeout",
  "src/prepay/service.ts#MIN_TID_MEMORY": "rules test and bench size the TID memory by the STS minimum",
  "src/prepay/state.ts#KEY_PREPAY": "the power-cut campaign reads the prepayment record by its key",
  "src/prepay/state.ts#decodeRecord": "the totality property test round-trips the prepayment record",
  "src/prepay/state.ts#encodeRecord": "the totality property test round-trips the prepayment record",
  "src/prepay/token.ts#blockCrc": "token CRC, checked against third-party vectors (STS vectors)",
  "src/relay/disconnect.ts#TRIGGERS": "the disconnect test walks every trigger of the state machine",
  "src/storage/meter-profiles.ts#DAILY_PROFILE": "the settings test checks the daily profile's settings",
  "src/storage/meter-profiles.ts#LOAD_PROFILE": "settings test and bench address the load profile",
  "src/storage/meter-profiles.ts#MONTHLY_BILLING_PROFILE": "the settings test checks the billing profile's settings",
  "src/tariff/profile-status.ts#ProfileStatusBit": "profile tests check the status bits of captured rows",
  "src/transport/client/wrapper-client.ts#WrapperLinkError": "the wrapper test checks the client's link errors",
  "src/transport/hdlc/frame.ts#decodeControl": "HDLC field codec, checked against third-party vectors (host-tests/transport/hdlc-vectors.test.ts)",
  "src/transport/hdlc/server.ts#DEFAULT_HDLC_FRAME_TIMEOUT_MS": "the hardening test names the frame timeout",
  "src/transport/wrapper/server.ts#DLMS_TCP_PORT": "transport tests listen on the IANA DLMS port",
  "src/transport/wrapper/wrapper.ts#WRAPPER_HEADER_SIZE": "the stack scenario waits for a whole wrapper header",
  "src/transport/wrapper/wrapper.ts#decodeWrapper": "wrapper codec, checked against third-party vectors, fuzzed and benched",
  "src/transport/wrapper/wrapper.ts#decodeWrapperHeader": "stack scenario and wrapper test read replies' headers",
});

export interface DeadExport {
  file: string;
  symbol: string;
  /** Where it is imported from, when only tests or bench import it. */
  onlyIn?: string[];
  message: string;
}


/** Checks the exports of src/, hal/, boards/ and scripts/ under `base` (the project by default; tests point it at a fixture tree). */
export function checkDeadExports(base = root, allowed: Readonly<Record<string, string>> = ALLOWED): DeadExport[] {
  const files = IMPORTERS.flatMap((d) => sourceFiles(join(base, d)));
  const program = sourceProgram(files);
  const checker = program.getTypeChecker();
  const rel = (f: string) => relative(base, resolve(f)).split(sep).join("/");
  const inTree = new Set(files.map((f) => resolve(f)));

  /** Declared symbol → the files that import it. */
  const importers = new Map<ts.Symbol, Set<string>>();
  const use = (sym: ts.Symbol | undefined, by: string) => {
    if (!sym) return;
    const target = sym.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(sym) : sym;
    let set = importers.get(target);
    if (!set) importers.set(target, (set = new Set()));
    set.add(by);
  };
  const useModule = (spec: ts.Expression, by: string) => {
    const m = checker.getSymbolAtLocation(spec);
    if (m) for (const e of checker.getExportsOfModule(m)) use(e, by);
  };

  for (const sf of program.getSourceFiles()) {
    if (!inTree.has(resolve(sf.fileName))) continue;
    const by = rel(sf.fileName);
    const visit = (node: ts.Node): void => {
      if (ts.isImportDeclaration(node) && node.importClause) {
        const c = node.importClause;
        if (c.name) use(checker.getSymbolAtLocation(c.name), by);
        const b = c.namedBindings;
        if (b && ts.isNamespaceImport(b)) useModule(node.moduleSpecifier, by);
        if (b && ts.isNamedImports(b)) for (const e of b.elements) use(checker.getSymbolAtLocation(e.name), by);
      } else if (ts.isExportDeclaration(node) && node.moduleSpecifier) {
        if (!node.exportClause || ts.isNamespaceExport(node.exportClause)) useModule(node.moduleSpecifier, by);
        else for (const e of node.exportClause.elements) use(checker.getSymbolAtLocation(e.propertyName ?? e.name), by);
      } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0]) {
        useModule(node.arguments[0], by);
      } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
        // import("./x.js").Name in a type position (JSDoc in the .js entries, inline types).
        const q = node.qualifier;
        const m = checker.getSymbolAtLocation(node.argument.literal);
        if (m && q) {
          const name = ts.isIdentifier(q) ? q.text : q.left.getText(sf);
          use(checker.getExportsOfModule(m).find((e) => e.name === name), by);
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
    // JSDoc import types in the .js entries are in the JSDoc nodes.
    if (sf.fileName.endsWith(".js")) {
      const walkJsDoc = (node: ts.Node): void => {
        for (const doc of (node as { jsDoc?: ts.Node[] }).jsDoc ?? []) visit(doc);
        ts.forEachChild(node, walkJsDoc);
      };
      walkJsDoc(sf);
    }
  }

  const dead: DeadExport[] = [];
  for (const sf of program.getSourceFiles()) {
    const file = rel(sf.fileName);
    if (!inTree.has(resolve(sf.fileName)) || !CHECKED.some((d) => file.startsWith(`${d}/`))) continue;
    const moduleSymbol = checker.getSymbolAtLocation(sf);
    if (!moduleSymbol) continue;
    for (const exp of checker.getExportsOfModule(moduleSymbol)) {
      // Only what this file declares; a re-export is checked where it is declared.
      const declared = exp.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exp) : exp;
      if (!(declared.declarations ?? []).some((d) => d.getSourceFile() === sf)) continue;
      // Values only: an exported type names the parameters and results of the module's API for its readers, imported or not.
      if (!(declared.flags & ts.SymbolFlags.Value)) continue;
      const by = [...(importers.get(declared) ?? [])].filter((f) => f !== file);
      const name = exp.name === "default" ? "default" : exp.name;
      if (allowed[`${file}#${name}`] !== undefined) continue;
      if (by.length === 0) {
        dead.push({ file, symbol: name, message: `${file}: export "${name}" is imported by nothing: remove it, or drop "export" if only ${file} uses it` });
        continue;
      }
      if (!isFirmware(file)) continue;
      const production = by.filter((f) => !TEST_CODE.some((t) => f.startsWith(t)));
      if (production.length === 0) {
        const onlyIn = by.sort();
        dead.push({
          file,
          symbol: name,
          onlyIn,
          message: `${file}: export "${name}" is imported only by tests or bench (${onlyIn.slice(0, 3).join(", ")}${onlyIn.length > 3 ? ", ..." : ""}): remove it, or name it with its reason in ALLOWED (scripts/check-exports.ts) if it is a test seam`,
        });
      }
    }
  }
  // Seams that no longer exist or are used by firmware now: the list stays true.
  for (const key of Object.keys(allowed)) {
    const [file, symbol] = key.split("#");
    const sf = program.getSourceFile(join(base, file));
    const m = sf && checker.getSymbolAtLocation(sf);
    const exp = m && checker.getExportsOfModule(m).find((e) => e.name === symbol);
    if (!exp) dead.push({ file, symbol, message: `${file}: ALLOWED names "${symbol}", which ${file} does not export: remove the entry (scripts/check-exports.ts)` });
  }
  return dead.sort((a, b) => (a.file === b.file ? a.symbol.localeCompare(b.symbol) : a.file.localeCompare(b.file)));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dead = checkDeadExports();
  for (const d of dead) console.error(d.message);
  console.log(dead.length === 0 ? "export check: every export of src/, hal/, boards/ and scripts/ is imported" : `export check: ${dead.length} dead export(s)`);
  process.exit(dead.length === 0 ? 0 : 1);
}
