/**
 * What the project's static checks (check-firmware.ts, check-exports.ts)
 * share: the source files of a folder and one TypeScript program over them,
 * built with the compiler options the firmware is written for, so both
 * checks resolve imports the same way.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const root = resolve(fileURLToPath(new URL("..", import.meta.url)));

/** Every .ts/.js/.mjs source below dir (declaration files, node_modules and dot folders left out). */
export function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    if (name === "node_modules" || name.startsWith(".")) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sourceFiles(p));
    else if (/\.(ts|js|mjs)$/.test(name) && !name.endsWith(".d.ts")) out.push(p);
  }
  return out;
}

/** A type-checked program over files, as the firmware is compiled (ES2022 modules, bundler resolution). */
export function sourceProgram(files: readonly string[]): ts.Program {
  return ts.createProgram(files, {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ES2022,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ["lib.es2022.d.ts"],
    types: ["node"],
    typeRoots: [join(root, "node_modules", "@types")],
    allowJs: true,
    noEmit: true,
    skipLibCheck: true,
  });
}
