/**
 * mcconfig's manifest rules (Moddable SDK 8.2.3, tools/mcmanifest.js and
 * tools/mcconfig.js), applied to the project's manifests without the SDK,
 * which is not on the npm registry. Node only (reads the repository).
 *
 * What is modelled, as mcconfig does it:
 * - platform blocks: `matchPlatform` (exact name, `head/*` prefix, `*\/tail`
 *   suffix, trying `a/b` then `a`, then `...` as the fallback), a matched
 *   block's `include` appended to its manifest's; includes are merged before
 *   the manifest that includes them, each file once;
 * - `modules`: a `key/*` entry names every .js/.ts file of the folder as
 *   `key/<file name>`; other keys name one file; `$(MODDABLE)` entries are
 *   SDK modules, known here only through SDK_MODULES;
 * - `preload` (`filterPreload`): a pattern with `*` compares the text before
 *   the star with the module name, for JavaScript modules only; a pattern
 *   without `*` names one module, JavaScript or TypeScript;
 * - `creation`: merged member by member; mcconfig fills in what is missing
 *   (stack 384 slots, main "main"), which is what this check refuses;
 * - module resolution on XS: a relative specifier resolves against the
 *   importing module's *name* (not its file), `.js` stripped.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, posix, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

export interface Manifest {
  include?: string | string[];
  modules?: Record<string, string | string[]>;
  preload?: string[];
  creation?: Creation;
  config?: Record<string, unknown>;
  platforms?: Record<string, Manifest>;
  [other: string]: unknown;
}

export interface Creation {
  main?: string;
  stack?: number;
  chunk?: { initial?: number; incremental?: number };
  heap?: { initial?: number; incremental?: number };
  keys?: { initial?: number; incremental?: number; available?: number };
  [other: string]: unknown;
}

/**
 * The SDK 8.2.3 modules the firmware imports, the platforms whose manifests
 * (as the project includes them) provide each, and whether it has a default
 * export. From the SDK's own sources: `system` (modules/io/system/system.js)
 * exports nothing and sets globalThis.System.
 */
const SDK_MODULES: Readonly<Record<string, { platforms: readonly string[] | "all"; default: boolean }>> = Object.freeze({
  timer: { platforms: "all", default: true },
  time: { platforms: "all", default: true },
  system: { platforms: "all", default: false },
  "mc/config": { platforms: "all", default: true },
  crypt: { platforms: "all", default: false },
  ecdsa: { platforms: "all", default: true },
  curve: { platforms: "all", default: true },
  ecp: { platforms: "all", default: true },
  rng: { platforms: "all", default: true },
  "embedded:io/digital": { platforms: ["esp32", "nrf52", "zephyr"], default: true },
  "embedded:io/serial": { platforms: ["esp32", "nrf52", "zephyr", "lin"], default: true },
  "embedded:io/spi": { platforms: ["esp32", "nrf52"], default: true },
  "embedded:io/socket/tcp": { platforms: ["esp32", "lin"], default: true },
  "embedded:io/socket/listener": { platforms: ["esp32", "lin"], default: true },
  "embedded:storage/flash": { platforms: ["zephyr"], default: true },
  flash: { platforms: ["esp32", "nrf52"], default: true },
  resetReason: { platforms: ["esp32"], default: true },
  sleep: { platforms: ["nrf52"], default: true },
});

/** Reads repository files, with in-memory replacements (the tests reintroduce old mistakes through them). */
export class Repo {
  readonly overlay = new Map<string, string>();
  read(path: string): string {
    return this.overlay.get(path) ?? readFileSync(join(root, path), "utf8");
  }
  exists(path: string): boolean {
    return this.overlay.has(path) || existsSync(join(root, path));
  }
  list(dir: string): string[] {
    const names = existsSync(join(root, dir)) ? readdirSync(join(root, dir)) : [];
    for (const p of this.overlay.keys()) if (posix.dirname(p) === dir && !names.includes(posix.basename(p))) names.push(posix.basename(p));
    return names.sort();
  }
  json(path: string): Manifest {
    return JSON.parse(this.read(path)) as Manifest;
  }
}

function matchPlatform(platforms: Record<string, Manifest>, name: string): Manifest | undefined {
  const parts = name.split("/");
  while (parts.length) {
    const partial = parts.join("/");
    for (const n of Object.keys(platforms)) {
      if (n.endsWith("/*")) {
        if (partial.startsWith(n.slice(0, -1))) return platforms[n];
      } else if (n.startsWith("*/")) {
        if (partial.endsWith(n.slice(1))) return platforms[n];
      } else if (partial === n) return platforms[n];
    }
    parts.length -= 1;
  }
  return platforms["..."];
}

export interface BuildModule {
  /** Module name (mcconfig's target without .xsb). */
  name: string;
  /** Repository path of the source, or undefined for an SDK module. */
  source?: string;
  kind: "ts" | "js" | "sdk";
}

export interface Build {
  platform: string;
  manifests: string[];
  modules: Map<string, BuildModule>;
  /** Preload patterns with the manifest that declares them. */
  preload: { pattern: string; from: string }[];
  creation: Creation;
  /** creation members by the manifest that set them (undefined: mcconfig's default). */
  creationFrom: Map<string, string>;
  sdkIncludes: string[];
}

function mergeDeep(into: Record<string, unknown>, from: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(from)) {
    if (v && typeof v === "object" && !Array.isArray(v)) {
      const cur = into[k];
      const target = cur && typeof cur === "object" ? (cur as Record<string, unknown>) : (into[k] = {});
      mergeDeep(target as Record<string, unknown>, v as Record<string, unknown>);
    } else into[k] = v;
  }
}

/** The build mcconfig would make from manifest.json for `-p platform` (repository part only). */
export function flatten(repo: Repo, platform: string, top = "manifest.json"): Build {
  const order: { path: string; manifest: Manifest }[] = [];
  const seen = new Set<string>();
  const sdkIncludes: string[] = [];
  const parse = (path: string): void => {
    if (seen.has(path)) return;
    seen.add(path);
    const manifest = repo.json(path);
    const includes = [manifest.include ?? []].flat();
    const block = manifest.platforms ? matchPlatform(manifest.platforms, platform) : undefined;
    if (block?.include) includes.push(...[block.include].flat());
    for (const inc of includes) {
      if (inc.startsWith("$(")) sdkIncludes.push(inc);
      else parse(posix.normalize(posix.join(posix.dirname(path), inc)));
    }
    order.push({ path, manifest });
  };
  parse(top);

  const build: Build = { platform, manifests: order.map((o) => o.path), modules: new Map(), preload: [], creation: {}, creationFrom: new Map(), sdkIncludes };
  const mergeBlock = (path: string, m: Manifest) => {
    const dir = posix.dirname(path);
    for (const [key, value] of Object.entries(m.modules ?? {})) {
      for (const v of [value].flat()) addModules(repo, build, dir, key, v);
    }
    for (const pattern of m.preload ?? []) build.preload.push({ pattern, from: path });
    if (m.creation) {
      mergeDeep(build.creation as Record<string, unknown>, m.creation as Record<string, unknown>);
      for (const k of Object.keys(m.creation)) build.creationFrom.set(k, path);
    }
  };
  for (const { path, manifest } of order) {
    mergeBlock(path, manifest);
    const block = manifest.platforms ? matchPlatform(manifest.platforms, platform) : undefined;
    if (block) mergeBlock(path, block);
  }
  return build;
}

function addModules(repo: Repo, build: Build, dir: string, key: string, value: string): void {
  if (value.startsWith("$(")) {
    // An SDK module: known by name when the key names one.
    if (!key.includes("*")) build.modules.set(key, { name: key, kind: "sdk" });
    return;
  }
  const path = posix.normalize(posix.join(dir, value));
  const star = posix.basename(path).lastIndexOf("*");
  if (star >= 0) {
    const folder = posix.dirname(path);
    const prefix = posix.basename(path).slice(0, star);
    for (const file of repo.list(folder)) {
      const m = /^(.*)\.(ts|js)$/.exec(file);
      if (!m || file.endsWith(".d.ts") || !m[1].startsWith(prefix)) continue;
      const name = key.replace("*", m[1].slice(prefix.length));
      build.modules.set(name, { name, source: `${folder}/${file}`, kind: m[2] as "ts" | "js" });
    }
    return;
  }
  for (const ext of ["ts", "js"] as const) {
    if (repo.exists(`${path}.${ext}`)) {
      build.modules.set(key, { name: key, source: `${path}.${ext}`, kind: ext });
      return;
    }
  }
  build.modules.set(key, { name: key, source: `${path}.(ts|js): missing`, kind: "js" });
}

/** mcconfig's filterPreload for one module. */
function preloadSelects(pattern: string, module: BuildModule): boolean {
  const star = pattern.lastIndexOf("*");
  if (star >= 0) return module.kind === "js" && module.name.slice(0, star) === pattern.slice(0, star);
  return module.name === pattern;
}

export interface ImportRef {
  specifier: string;
  /** A default import (`import X from`). */
  default: boolean;
}

const emitted = new Map<string, ImportRef[]>();

/** The imports a module keeps once TypeScript has emitted it (type-only imports elided, as mcconfig's tsc does). */
function importsOf(repo: Repo, source: string): ImportRef[] {
  const text = repo.read(source);
  const cacheKey = `${source}\n${text}`;
  const cached = emitted.get(cacheKey);
  if (cached) return cached;
  const js = source.endsWith(".ts") ? ts.transpileModule(text, { compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext } }).outputText : text;
  const file = ts.createSourceFile(source, js, ts.ScriptTarget.ES2022, false, ts.ScriptKind.JS);
  const out: ImportRef[] = [];
  for (const st of file.statements) {
    if (ts.isImportDeclaration(st) && ts.isStringLiteral(st.moduleSpecifier)) {
      out.push({ specifier: st.moduleSpecifier.text, default: st.importClause?.name !== undefined });
    } else if (ts.isExportDeclaration(st) && st.moduleSpecifier && ts.isStringLiteral(st.moduleSpecifier)) {
      out.push({ specifier: st.moduleSpecifier.text, default: false });
    }
  }
  emitted.set(cacheKey, out);
  return out;
}

/** XS: a relative specifier against the importing module's name; `.js` stripped. */
function resolveSpecifier(from: string, specifier: string): string {
  const bare = specifier.replace(/\.js$/, "");
  if (!bare.startsWith(".")) return bare;
  return posix.normalize(posix.join(posix.dirname(from), bare));
}

/** Platform family of an mcconfig platform name (esp32, nrf52, zephyr, lin...). */
function family(platform: string): string {
  return platform.split("/")[0];
}

/** Everything mcconfig or XS would reject or silently get wrong, one line each; empty = sound. */
export function checkBuild(repo: Repo, build: Build, needs: { minStack: number }): string[] {
  const problems: string[] = [];
  const fam = family(build.platform);
  const { creation } = build;

  // creation: present, with every member a device needs set by us, not left to defaults.
  for (const member of ["main", "stack", "chunk", "heap", "keys"]) {
    if (!build.creationFrom.has(member)) problems.push(`creation.${member} is not set (mcconfig would use its default${member === "stack" ? ", 384 slots" : member === "main" ? ' "main"' : ""})`);
  }
  if (creation.stack !== undefined && creation.stack < needs.minStack) problems.push(`creation.stack ${creation.stack} is below the measured need of ${needs.minStack} slots`);
  const main = creation.main ?? "main";
  const entry = build.modules.get(main);
  if (!entry?.source) problems.push(`creation.main "${main}" is not a module of the build`);

  for (const m of build.modules.values()) {
    if (!m.source) continue;
    if (m.source.endsWith("missing")) {
      problems.push(`module ${m.name}: no file ${m.source}`);
      continue;
    }
    for (const ref of importsOf(repo, m.source)) {
      const target = resolveSpecifier(m.name, ref.specifier);
      const inBuild = build.modules.get(target);
      const sdk = SDK_MODULES[target];
      if (inBuild?.source) continue;
      if (sdk && (sdk.platforms === "all" || sdk.platforms.includes(fam))) {
        if (ref.default && !sdk.default) problems.push(`${m.name} imports the default of "${target}", which SDK 8.2.3 does not export (${m.source})`);
        continue;
      }
      if (inBuild) continue; // an SDK module the manifests map by name
      problems.push(`${m.name}: import "${ref.specifier}" resolves to module "${target}", which is not in the ${build.platform} build (${m.source})`);
    }
  }

  // Preloads: every firmware module but the entry; every declared pattern selects something.
  const firmware = [...build.modules.values()].filter((m) => m.source && m.name !== main);
  for (const m of firmware) {
    if (!build.preload.some((p) => preloadSelects(p.pattern, m))) problems.push(`${m.name} is not preloaded (a "*" pattern selects only .js modules: name it in "preload")`);
  }
  if (entry && build.preload.some((p) => preloadSelects(p.pattern, entry))) problems.push(`the entry ${main} is preloaded: it would start the meter inside xsl`);
  for (const p of build.preload) {
    if (![...build.modules.values()].some((m) => preloadSelects(p.pattern, m))) problems.push(`preload "${p.pattern}" (${p.from}) selects no module`);
  }
  return problems;
}
