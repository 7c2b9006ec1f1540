/**
 * Each board's build as mcconfig 8.2.3 would make it, checked without the
 * SDK (scripts/manifest-rules.ts has the rules): the entry is a
 * module named by creation.main whose relative imports resolve, every
 * import resolves to a module of that build (SDK ones with the exports they
 * really have), every firmware module is preloaded, and creation is set.
 * The second half reintroduces each failure found on the real SDK
 * (issue 21) in memory and expects the check to report it.
 */
import { describe, expect, it } from "vitest";
import { BOARDS } from "../../boards/registry.js";
import { checkBuild, flatten, Repo, type Manifest } from "../../scripts/manifest-rules.js";

/**
 * The stack the firmware needs, in slots: the deepest of the `xs.stack.peak`
 * figures of `npm run bench` (boot, deepest DLMS exchange), measured on the
 * project's XS engine. creation.stack must cover it (boards/README.md states
 * the margin on top).
 */
const STACK_NEED = 579;

/** Every platform of every registered board (boards/registry.ts): a new board's build is checked without editing this file. */
/**
 * Platforms a board names but whose build is not checked, with the reason.
 * The sim board names Moddable's three desktop simulators; the SDK model
 * (SDK_MODULES in scripts/manifest-rules.ts) has the ECMA-419 sockets the DLMS
 * wrapper needs on lin only, and the sim board has been built on lin only.
 */
const NOT_CHECKED: Readonly<Record<string, string>> = Object.freeze({ mac: "sockets not modelled, never built", win: "sockets not modelled, never built" });
const PLATFORMS = BOARDS.flatMap((b) => b.platforms).filter((p) => !(p in NOT_CHECKED));

function problems(repo: Repo, platform: string): string[] {
  return checkBuild(repo, flatten(repo, platform), { minStack: STACK_NEED });
}

describe("each board's build follows mcconfig's rules", () => {
  for (const platform of PLATFORMS) {
    it(`${platform}: entry, imports, preloads and creation`, () => {
      expect(problems(new Repo(), platform)).toEqual([]);
    });
  }

  it("each board's entry is named after its folder and loads first", () => {
    const entries = Object.fromEntries(PLATFORMS.map((p) => [p, flatten(new Repo(), p).creation.main]));
    expect(entries).toMatchObject({
      esp32: "boards/esp32-atm90e32/main",
      "nrf52/dk": "boards/nrf52840dk/main",
      "zephyr/nrf52840dk": "boards/nrf52840dk/main-zephyr",
      lin: "boards/sim/main",
    });
    for (const b of BOARDS) for (const p of b.platforms.filter((x) => PLATFORMS.includes(x))) expect(entries[p], `${b.name} on ${p}`).toMatch(new RegExp(`^boards/${b.name}/main(-[\\w-]+)?$`));
  });

  it("every board the composition root starts has the relay it requires", () => {
    for (const b of BOARDS) expect(b.relay, b.name).toBeDefined();
  });
});

/** A manifest edited in memory. */
function edit(repo: Repo, path: string, change: (m: Manifest) => void): void {
  const m = repo.json(path);
  change(m);
  repo.overlay.set(path, JSON.stringify(m));
}

describe("the check reports each failure issue 21 found on the real SDK", () => {
  it("1. an entry mapped as `main` resolves ./board.js against its name: module not found", () => {
    const repo = new Repo();
    edit(repo, "boards/esp32-atm90e32/manifest.json", (m) => {
      delete m.modules?.["boards/esp32-atm90e32/main"];
      if (m.modules) m.modules.main = "./main";
      delete m.creation?.main;
    });
    const found = problems(repo, "esp32");
    expect(found).toContain('main: import "./board.js" resolves to module "board", which is not in the esp32 build (boards/esp32-atm90e32/main.js)');
    expect(found).toContain("creation.main is not set (mcconfig would use its default \"main\")");
  });

  it("2. a default import of `system`, which exports nothing in SDK 8.2.3", () => {
    const repo = new Repo();
    const path = "hal/moddable/device/system-nrf52.ts";
    repo.overlay.set(path, `import System from "system";\n${repo.read(path)}\nexport const restart = () => System.restart();\n`);
    expect(problems(repo, "nrf52/dk")).toContain(`hal/moddable/device/system-nrf52 imports the default of "system", which SDK 8.2.3 does not export (${path})`);
  });

  it("3. no creation: the 384/512-slot default stack", () => {
    const repo = new Repo();
    edit(repo, "boards/nrf52840dk/manifest.json", (m) => {
      const block = m.platforms?.["nrf52/*"];
      if (block) delete block.creation;
    });
    const found = problems(repo, "nrf52/dk");
    expect(found).toContain("creation.stack is not set (mcconfig would use its default, 384 slots)");
    expect(found).toContain("creation.heap is not set (mcconfig would use its default)");
    // A creation with too small a stack is refused as well.
    edit(repo, "boards/nrf52840dk/manifest.json", (m) => {
      const block = m.platforms?.["nrf52/*"];
      if (block) block.creation = { main: "boards/nrf52840dk/main", stack: 512, chunk: {}, heap: {}, keys: {} };
    });
    expect(problems(repo, "nrf52/dk")).toContain(`creation.stack 512 is below the measured need of ${STACK_NEED} slots`);
  });

  it("4. star preload patterns over TypeScript select nothing", () => {
    const repo = new Repo();
    edit(repo, "manifest.json", (m) => {
      m.preload = ["src/util/*", "src/cosem/*"];
    });
    edit(repo, "boards/moddable.json", (m) => {
      m.preload = ["hal/moddable/*", "boards/types", "boards/partition-map"];
    });
    const found = problems(repo, "esp32");
    expect(found).toContain('preload "src/util/*" (manifest.json) selects no module');
    expect(found).toContain('preload "hal/moddable/*" (boards/moddable.json) selects no module');
    expect(found).toContain('src/cosem/obis is not preloaded (a "*" pattern selects only .js modules: name it in "preload")');
    expect(found).toContain('hal/moddable/device/timer is not preloaded (a "*" pattern selects only .js modules: name it in "preload")');
  });

  it("a new firmware file that nobody preloads is reported", () => {
    const repo = new Repo();
    repo.overlay.set("src/storage/new-helper.ts", "export const x = Object.freeze([1]);\n");
    expect(problems(repo, "esp32")).toContain('src/storage/new-helper is not preloaded (a "*" pattern selects only .js modules: name it in "preload")');
  });

  it("firmware importing the host-only software SHA-2, which no device build maps, is reported", () => {
    const repo = new Repo();
    const path = "src/fota/verify.ts";
    repo.overlay.set(path, `import { sha2 } from "../util/sha2.js";\n${repo.read(path)}\nexport const h = sha2;\n`);
    expect(problems(repo, "esp32")).toContain(`src/fota/verify: import "../util/sha2.js" resolves to module "src/util/sha2", which is not in the esp32 build (${path})`);
  });

  it("preloading the entry would start the meter inside xsl", () => {
    const repo = new Repo();
    edit(repo, "boards/sim/manifest.json", (m) => {
      m.preload = [...(m.preload ?? []), "boards/sim/main"];
    });
    expect(problems(repo, "lin")).toContain("the entry boards/sim/main is preloaded: it would start the meter inside xsl");
  });

  it("7. the sim board without an entry, or with @noble (TextEncoder at load) instead of the SDK's crypto", () => {
    const repo = new Repo();
    edit(repo, "boards/sim/manifest.json", (m) => {
      delete m.creation;
      delete m.modules?.["boards/sim/main"];
    });
    expect(problems(repo, "lin")).toContain('creation.main "main" is not a module of the build');
    const noble = new Repo();
    edit(noble, "boards/sim/manifest.json", (m) => {
      if (m.modules) m.modules["hal/sim/crypto"] = "../../hal/sim/crypto";
      m.preload = [...(m.preload ?? []), "hal/sim/crypto"];
    });
    expect(problems(noble, "lin")).toContain('hal/sim/crypto: import "@noble/ciphers/aes.js" resolves to module "@noble/ciphers/aes", which is not in the lin build (hal/sim/crypto.ts)');
  });

  it("an SDK module a platform does not have (ECMA-419 SPI on Zephyr)", () => {
    const repo = new Repo();
    edit(repo, "boards/nrf52840dk/manifest.json", (m) => {
      const block = m.platforms?.["zephyr/*"];
      if (block?.modules) block.modules["hal/moddable/device/spi"] = "../../hal/moddable/device/spi";
      block?.preload?.push("hal/moddable/device/spi");
    });
    expect(problems(repo, "zephyr/nrf52840dk")).toContain('hal/moddable/device/spi: import "embedded:io/spi" resolves to module "embedded:io/spi", which is not in the zephyr/nrf52840dk build (hal/moddable/device/spi.ts)');
  });
});
