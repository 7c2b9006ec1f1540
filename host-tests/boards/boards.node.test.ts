/**
 * Board files that only the host reads (manifests, the ESP-IDF partition
 * table, sdkconfig, MCUboot's bootloader.conf, the Zephyr overlay) must say
 * what boards/<board>/board.ts says: a map that disagrees with its
 * bootloader bricks a board or loses the profile store.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { board as esp32 } from "../../boards/esp32-atm90e32/board.js";
import { board as nrf52840dk } from "../../boards/nrf52840dk/board.js";
import { regionOf } from "../../boards/partition-map.js";
import { BOARDS } from "../../boards/registry.js";
import type { PartitionMap } from "../../boards/types.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const read = (p: string) => readFileSync(join(root, p), "utf8");
const json = (p: string) => JSON.parse(read(p)) as Manifest;

interface Manifest {
  build?: Record<string, string>;
  include?: string | string[];
  modules?: Record<string, string | string[]>;
  preload?: string[];
  platforms?: Record<string, Manifest>;
  defines?: Record<string, unknown>;
  zephyrOverlay?: string[];
  zephyrConfig?: Record<string, string>;
}

function num(s: string): number {
  return s.startsWith("0x") || s.startsWith("0X") ? parseInt(s, 16) : parseInt(s, 10);
}

function labelled(map: PartitionMap): Map<string, { offset: number; size: number }> {
  const out = new Map<string, { offset: number; size: number }>();
  for (const d of map.devices) for (const r of d.regions) if (r.label) out.set(`${d.name}/${r.label}`, { offset: r.offset, size: r.size });
  return out;
}

describe("esp32-atm90e32 files agree with board.ts", () => {
  const map = esp32.partitionMaps[0];

  it("partitions.csv lists exactly the labelled regions, the app 64 KiB aligned", () => {
    const rows = read("boards/esp32-atm90e32/partitions.csv")
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith("#"))
      .map((l) => l.split(",").map((c) => c.trim()));
    const fromCsv = new Map(rows.map((r) => [`spi-flash/${r[0]}`, { offset: num(r[3]), size: num(r[4]) }]));
    const expected = labelled(map);
    expect([...fromCsv.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [k, v] of expected) expect(fromCsv.get(k)).toEqual(v);
    for (const r of rows.filter((x) => x[1] === "app")) expect(num(r[3]) % 0x10000).toBe(0);
    // Labels fit ESP-IDF's 16-byte name field.
    for (const r of rows) expect(r[0].length).toBeLessThan(17);
  });

  it("sdkconfig moves the partition table to where board.ts puts it", () => {
    const cfg = read("boards/esp32-atm90e32/sdkconfig/sdkconfig.defaults");
    const m = /CONFIG_PARTITION_TABLE_OFFSET=(0x[0-9a-fA-F]+)/.exec(cfg);
    expect(num(m?.[1] ?? "0")).toBe(regionOf(map, "partition-table")?.region.offset);
  });

  it("MCUboot's bootloader.conf has the same bootloader, slots and scratch", () => {
    const conf = Object.fromEntries(
      read("boards/esp32-atm90e32/mcuboot/bootloader.conf")
        .split("\n")
        .filter((l) => /^CONFIG_\w+=/.test(l))
        .map((l) => l.split("=") as [string, string]),
    );
    const r = (role: Parameters<typeof regionOf>[1]) => regionOf(map, role)?.region;
    expect(num(conf.CONFIG_ESP_BOOTLOADER_OFFSET)).toBe(r("bootloader")?.offset);
    expect(num(conf.CONFIG_ESP_BOOTLOADER_SIZE)).toBe(r("bootloader")?.size);
    expect(num(conf.CONFIG_ESP_IMAGE0_PRIMARY_START_ADDRESS)).toBe(r("mcuboot-primary")?.offset);
    expect(num(conf.CONFIG_ESP_IMAGE0_SECONDARY_START_ADDRESS)).toBe(r("mcuboot-secondary")?.offset);
    expect(num(conf.CONFIG_ESP_APPLICATION_SIZE)).toBe(r("mcuboot-primary")?.size);
    expect(num(conf.CONFIG_ESP_SCRATCH_OFFSET)).toBe(r("mcuboot-scratch")?.offset);
    expect(num(conf.CONFIG_ESP_SCRATCH_SIZE)).toBe(r("mcuboot-scratch")?.size);
    expect(conf.CONFIG_ESP_FLASH_SIZE).toBe(`${map.devices[0].size / (1024 * 1024)}MB`);
  });

  it("the manifest fragment points at those files and the SPI pins are CircuitSetup's", () => {
    const m = json("boards/esp32-atm90e32/manifest.json");
    expect(existsSync(join(root, "boards/esp32-atm90e32", m.build?.PARTITIONS_FILE ?? "-"))).toBe(true);
    expect(existsSync(join(root, "boards/esp32-atm90e32", m.build?.SDKCONFIGPATH ?? "-", "sdkconfig.defaults"))).toBe(true);
    expect(esp32.energyIc.bus).toMatchObject({ clock: 18, in: 19, out: 23, mode: 3 });
    expect(esp32.energyIc.selects).toEqual([5, 4]);
  });
});

describe("nrf52840dk files agree with board.ts", () => {
  it("the Zephyr overlay declares the MCUboot map's labelled regions on the right flash", () => {
    const dts = read("boards/nrf52840dk/zephyr/partitions.overlay");
    const map = nrf52840dk.partitionMaps.find((m) => m.bootloader === "mcuboot");
    if (!map) throw new Error("no MCUboot map");
    const found = new Map<string, { offset: number; size: number }>();
    // Each &node { partitions { ... } } block names its flash device.
    for (const block of dts.matchAll(/&(\w+)\s*\{([\s\S]*?)\n\};/g)) {
      const device = block[1] === "flash0" ? "internal" : block[1];
      for (const p of block[2].matchAll(/label = "([\w-]+)";\s*reg = <(0x[0-9a-f]+) (0x[0-9a-f]+)>;/g)) {
        found.set(`${device}/${p[1]}`, { offset: num(p[2]), size: num(p[3]) });
      }
    }
    const expected = labelled(map);
    expect([...found.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [k, v] of expected) expect(found.get(k)).toEqual(v);
    expect(dts).toContain("zephyr,code-partition = &slot0_partition");
  });

  it("the nRF52 build reserves a storage region of board.ts's size", () => {
    const m = json("boards/nrf52840dk/manifest.json");
    const defines = m.platforms?.["nrf52/*"]?.defines as { file: { lfs: { partition: { size: number } } } };
    const native = nrf52840dk.partitionMaps.find((p) => p.bootloader === "uf2");
    expect(defines.file.lfs.partition.size).toBe(native ? regionOf(native, "storage")?.region.size : -1);
    expect(m.platforms?.["zephyr/*"]?.zephyrOverlay).toEqual(["./zephyr/partitions.overlay"]);
    expect(m.platforms?.["zephyr/*"]?.zephyrConfig?.CONFIG_BOOTLOADER_MCUBOOT).toBe("y");
  });
});

describe("boards/README.md", () => {
  it("states every labelled region of every device board at its offset and size", () => {
    const readme = read("boards/README.md");
    for (const b of BOARDS) {
      for (const map of b.partitionMaps.filter((m) => m.bootloader !== "host")) {
        for (const d of map.devices) {
          for (const r of d.regions.filter((x) => x.label)) {
            const row = new RegExp("`" + r.label + "` \\| 0x" + r.offset.toString(16) + " \\| 0x" + r.size.toString(16) + "\\b");
            expect(row.test(readme), `${b.name} ${r.label}`).toBe(true);
          }
        }
      }
    }
  });
});

describe("manifests", () => {
  const top = json("manifest.json");

  it("the top manifest picks the board per platform", () => {
    const inc = (k: string) => top.platforms?.[k]?.include;
    expect(inc("esp32/*")).toBe("./boards/esp32-atm90e32/manifest.json");
    expect(inc("esp32")).toBe("./boards/esp32-atm90e32/manifest.json");
    expect(inc("nrf52/*")).toBe("./boards/nrf52840dk/manifest.json");
    expect(inc("zephyr/*")).toBe("./boards/nrf52840dk/manifest.json");
    expect(inc("...")).toBe("./boards/sim/manifest.json");
  });

  /** Every repository path a manifest maps (not $(MODDABLE) ones), resolved from that manifest's folder. */
  function repoPaths(file: string, m: Manifest = json(file), out: { file: string; key: string; path: string }[] = []) {
    const dir = dirname(file);
    for (const [key, value] of Object.entries(m.modules ?? {})) {
      for (const v of Array.isArray(value) ? value : [value]) if (!v.startsWith("$(")) out.push({ file, key, path: join(dir, v) });
    }
    for (const inc of [m.include ?? []].flat()) if (!inc.startsWith("$(")) repoPaths(join(dir, inc), json(join(dir, inc)), out);
    for (const p of Object.values(m.platforms ?? {})) repoPaths(file, p, out);
    return out;
  }

  const entries = repoPaths("manifest.json");

  it("every mapped module exists, and a wildcard folder has TypeScript in it", () => {
    for (const e of entries) {
      if (e.path.endsWith("*")) {
        const folder = join(root, dirname(e.path));
        expect(existsSync(folder), `${e.file}: ${e.key}`).toBe(true);
        if (!e.key.startsWith("@noble/")) expect(readdirSync(folder).some((n) => n.endsWith(".ts")), `${e.file}: ${e.key}`).toBe(true);
      } else {
        const found = existsSync(join(root, `${e.path}.ts`)) || existsSync(join(root, `${e.path}.js`));
        expect(found, `${e.file}: ${e.key} -> ${e.path}.ts|.js`).toBe(true);
      }
    }
  });

  it("module specifiers keep the folder structure, so relative imports resolve on XS", () => {
    for (const e of entries) {
      if (e.key.startsWith("@noble/")) continue;
      // `main` is the name Moddable's host loads first; the board's entry sits in the board folder.
      if (e.key === "main") {
        expect(e.path).toMatch(/^boards\/[\w-]+\/main(-zephyr)?$/);
        continue;
      }
      expect(e.path.replace(/\\/g, "/")).toBe(e.key);
    }
  });

  it("every firmware module is in the build, except the DLMS and transport clients, the STS vending side and the software SHA-2 (host tools only)", () => {
    const mapped = new Set(entries.filter((e) => e.key.endsWith("/*")).map((e) => e.key.slice(0, -2)));
    const named = new Set(entries.map((e) => e.key));
    const folders: string[] = [];
    const walk = (dir: string) => {
      const names = readdirSync(join(root, dir));
      if (names.some((n) => n.endsWith(".ts"))) folders.push(dir);
      for (const n of names) if (statSync(join(root, dir, n)).isDirectory()) walk(`${dir}/${n}`);
    };
    walk("src");
    // Host-only folders: a board manifest that named them would put their code in every device (footprint.bytecode).
    const hostOnly = (f: string) => f.endsWith("/client") || f === "src/prepay/vending";
    // Host-only modules, so their folders are mapped module by module: the image verifier hashes through the crypto port (a board's native Digest), the JavaScript SHA-2 serves the simulated port and the bench.
    const hostOnlyModules = ["src/fota/hash", "src/util/sha2"];
    for (const f of folders.filter((f) => !hostOnly(f))) {
      for (const n of readdirSync(join(root, f)).filter((x) => x.endsWith(".ts"))) {
        const m = `${f}/${n.slice(0, -3)}`;
        expect(mapped.has(f) || named.has(m), m).toBe(!hostOnlyModules.includes(m));
      }
    }
    for (const f of folders.filter(hostOnly)) expect(mapped.has(f), f).toBe(false);
  });

  it("every device binding is mapped by a board for the platforms that have its SDK module", () => {
    const bindings = readdirSync(join(root, "hal/moddable/device")).map((n) => `hal/moddable/device/${n.replace(/\.ts$/, "")}`);
    const keys = new Set(entries.map((e) => e.key));
    for (const b of bindings) expect(keys.has(b), b).toBe(true);
    // Zephyr has no ECMA-419 SPI and no `flash` module in SDK 8.2: the shared fragment must not pull them in.
    const shared = json("boards/moddable.json").modules ?? {};
    expect(Object.keys(shared)).not.toContain("hal/moddable/device/spi");
    expect(Object.keys(shared)).not.toContain("hal/moddable/device/flash");
  });
});
