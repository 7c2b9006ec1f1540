import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ADE7953_REGISTERS } from "../../hal/drivers/ade7953.js";
import { ATM90E32_REGISTERS } from "../../hal/drivers/atm90e32.js";
import { ADE } from "../../hal/sim/ade7953.js";
import { E32 } from "../../hal/sim/atm90e32.js";
import { sharedDir } from "../../scripts/gen-vectors.js";

// Each driver and its chip model keep their own register map, so a wrong
// address in one cannot be hidden by the other; both are checked here against
// the register facts gathered from public drivers and datasheets
// (../shared/docs/energy-ic/registers.json), which neither was derived from.
// Node only: the facts file is read from disk.

interface RegisterFact {
  name: string;
  address: string;
  address_32bit?: string;
}

const facts = JSON.parse(readFileSync(`${sharedDir}/docs/energy-ic/registers.json`, "utf8")) as Record<string, { registers: RegisterFact[] }>;

/** The names the code uses where the facts file spells a register differently (first register of a per-phase group). */
const aliases: Record<string, string> = {
  // ATM90E32: per-phase groups named by their phase A register.
  Ugain: "UgainA",
  Poffset: "PoffsetA",
  PQGain: "PQGainA",
  // ADE7953.
  R120: "RESERVED_0x120",
  RESERVED_120: "RESERVED_0x120",
  UNLOCK: "UNLOCK_120",
  LAST_RWDATA8: "LAST_RWDATA_8",
  VERSION: "Version",
};

function addressesOf(chip: string): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const r of facts[chip].registers) {
    out.set(r.name, [r.address, r.address_32bit].filter((a): a is string => typeof a === "string").map((a) => parseInt(a, 16)));
  }
  return out;
}

function mismatches(map: Record<string, number>, chip: string): string[] {
  const known = addressesOf(chip);
  const bad: string[] = [];
  for (const [name, address] of Object.entries(map)) {
    const fact = known.get(aliases[name] ?? name);
    if (!fact) bad.push(`${name}: not in registers.json`);
    else if (!fact.includes(address)) bad.push(`${name}: 0x${address.toString(16)} but registers.json says ${fact.map((a) => `0x${a.toString(16)}`).join(" / ")}`);
  }
  return bad;
}

describe("energy-IC register maps agree with the independent register facts", () => {
  it("ATM90E32 driver", () => expect(mismatches(ATM90E32_REGISTERS, "ATM90E32AS")).toEqual([]));
  it("ATM90E32 chip model", () => expect(mismatches(E32, "ATM90E32AS")).toEqual([]));
  it("ADE7953 driver", () => expect(mismatches(ADE7953_REGISTERS, "ADE7953")).toEqual([]));
  it("ADE7953 chip model", () => expect(mismatches(ADE, "ADE7953")).toEqual([]));

  it("the per-phase strides the ATM90E32 driver and model compute with hold for phases B and C", () => {
    const a = addressesOf("ATM90E32AS");
    const at = (name: string) => a.get(name)?.[0];
    const phases = ["A", "B", "C"];
    phases.forEach((ph, p) => {
      expect(at(`Ugain${ph}`)).toBe(ATM90E32_REGISTERS.Ugain + 4 * p);
      expect(at(`Igain${ph}`)).toBe(ATM90E32_REGISTERS.Ugain + 4 * p + 1);
      expect(at(`Poffset${ph}`)).toBe(ATM90E32_REGISTERS.Poffset + 2 * p);
      expect(at(`Qoffset${ph}`)).toBe(ATM90E32_REGISTERS.Poffset + 2 * p + 1);
      expect(at(`PQGain${ph}`)).toBe(ATM90E32_REGISTERS.PQGain + 2 * p);
      expect(at(`Phi${ph}`)).toBe(ATM90E32_REGISTERS.PQGain + 2 * p + 1);
      expect(at(`Urms${ph}`)).toBe(ATM90E32_REGISTERS.UrmsA + p);
      expect(at(`Irms${ph}`)).toBe(ATM90E32_REGISTERS.IrmsA + p);
      expect(at(`Pmean${ph}`)).toBe(ATM90E32_REGISTERS.PmeanT + 1 + p);
      expect(at(`PFmean${ph}`)).toBe(ATM90E32_REGISTERS.PFmeanT + 1 + p);
      expect(at(`PAngle${ph}`)).toBe(ATM90E32_REGISTERS.PAngleA + p);
    });
  });

  it("fails on a wrong address (the check can fail)", () => {
    expect(mismatches({ ...ATM90E32_REGISTERS, IrmsA: 0xde }, "ATM90E32AS")).toEqual(["IrmsA: 0xde but registers.json says 0xdd"]);
  });
});
