import { describe, expect, it } from "vitest";
import { Atm90e32 } from "../../hal/drivers/atm90e32.js";
import { E32, E32_UNLOCK } from "../../hal/sim/atm90e32.js";
import { ADE, ADE_IRQ } from "../../hal/sim/ade7953.js";
import { LoadScenario } from "../../hal/sim/load-scenario.js";
import { IcFlag } from "../../hal/energy-ic.js";
import { CS, NOMINAL, adeRig, e32Rig } from "../../bench/rigs/metrology.js";

/** Raw SPI access to the simulated chips, as a board's bus would carry it. */
function e32Frame(io: { transfer(b: Uint8Array): void }, read: boolean, a: number, v = 0): number {
  const f = new Uint8Array([(read ? 0x80 : 0) | ((a >> 8) & 3), a & 0xff, v >> 8, v & 0xff]);
  io.transfer(f);
  return (f[2] << 8) | f[3];
}

function adeFrame(io: { transfer(b: Uint8Array): void }, read: boolean, a: number, width: number, v = 0): number {
  const f = new Uint8Array(3 + width);
  f[0] = a >> 8;
  f[1] = a & 0xff;
  f[2] = read ? 0x80 : 0;
  for (let i = 0; i < width; i++) f[3 + i] = (v / 2 ** (8 * (width - 1 - i))) & 0xff;
  io.transfer(f);
  let r = 0;
  for (let i = 0; i < width; i++) r = r * 256 + f[3 + i];
  return r;
}

describe("ATM90E32 simulated chip (register rules from ENERGY-IC.md section 2)", () => {
  it("ignores configuration writes unless CfgRegAccEn holds 0x55AA; LastSPIData echoes the bus", () => {
    const { bus, chip } = e32Rig();
    const io = new bus.io({ select: CS, mode: 3, hz: 1_000_000 });
    e32Frame(io, false, E32.Ugain, 1234);
    expect(chip.peek(E32.Ugain)).toBe(0x8000); // locked: default kept
    expect(e32Frame(io, true, E32.LastSPIData)).toBe(1234);
    e32Frame(io, false, E32.CfgRegAccEn, 0x55ab); // wrong key
    e32Frame(io, false, E32.Ugain, 1234);
    expect(chip.peek(E32.Ugain)).toBe(0x8000);
    e32Frame(io, false, E32.CfgRegAccEn, E32_UNLOCK);
    e32Frame(io, false, E32.Ugain, 1234);
    expect(e32Frame(io, true, E32.Ugain)).toBe(1234);
    expect(chip.counts.rejectedWrites).toBe(2);
  });

  it("flags a CRC error when the configuration changes after the golden CRC was latched", () => {
    const { bus } = e32Rig();
    const io = new bus.io({ select: CS, mode: 3 });
    e32Frame(io, false, E32.CfgRegAccEn, E32_UNLOCK);
    e32Frame(io, false, E32.MeterEn, 1);
    expect(e32Frame(io, true, E32.CRCErrStatus)).toBe(0); // nothing latched yet
    e32Frame(io, false, E32.CfgRegAccEn, 0xaa55);
    expect(e32Frame(io, true, E32.CRCErrStatus) & 1).toBe(0);
    e32Frame(io, false, E32.CfgRegAccEn, E32_UNLOCK);
    e32Frame(io, false, E32.Ugain, 7000);
    expect(e32Frame(io, true, E32.CRCErrStatus) & 1).toBe(1);
  });

  it("has no CS0..CS3 / ConfigStart 0x5678-0x8765 scheme (ATM90E36 only): those writes change nothing", () => {
    const { bus, chip } = e32Rig();
    const io = new bus.io({ select: CS, mode: 3 });
    for (const a of [0x30, 0x40, 0x50, 0x60]) e32Frame(io, false, a, 0x5678);
    for (const a of [0x30, 0x40, 0x50, 0x60]) expect(chip.peek(a)).toBe(0);
  });

  it("energy registers clear on read and keep the fraction of an LSB inside", () => {
    const { bus, time } = e32Rig();
    const io = new bus.io({ select: CS, mode: 3 });
    e32Frame(io, false, E32.CfgRegAccEn, E32_UNLOCK);
    e32Frame(io, false, E32.Ugain, 7305);
    e32Frame(io, false, E32.Ugain + 1, 27961);
    e32Frame(io, false, E32.MeterEn, 1);
    time.t += 1000;
    const first = e32Frame(io, true, E32.APenergyT + 1);
    // 1840 W for 1 s = 0.5111 Wh = 163.6 LSB of 0.003125 Wh.
    expect(first).toBe(163);
    expect(e32Frame(io, true, E32.APenergyT + 1)).toBe(0);
    time.t += 1000;
    expect(e32Frame(io, true, E32.APenergyT + 1)).toBe(164); // 327.1 total: the kept 0.56 carried
  });

  it("answers all ones on a bus at a mode it does not sample at: the driver refuses to start", () => {
    const { bus, time } = e32Rig();
    expect(() => new Atm90e32({ sensor: { io: bus.io, select: CS, mode: 2 }, delay: time })).toThrow();
    // The failed driver released the chip select: a correct one can open it.
    expect(new Atm90e32({ sensor: { io: bus.io, select: CS, mode: 3 }, delay: time }).phaseCount).toBe(3);
  });
});

describe("ATM90E32 driver through the simulated bus", () => {
  it("starts the chip, reads RMS, power, PF, angle and frequency at the documented scales", () => {
    const { driver, bus, time } = e32Rig();
    const ic = driver();
    time.t += 10000;
    const s = ic.sample();
    for (let p = 0; p < 3; p++) {
      expect(s.phases[p].vRms).toBeCloseTo(230, 2);
      expect(s.phases[p].iRms).toBeCloseTo(10, 3);
      expect(s.phases[p].activeW).toBeCloseTo(1840, 2);
      expect(s.phases[p].reactiveVar).toBeCloseTo(1380, 2);
      expect(s.phases[p].apparentVA).toBeCloseTo(2300, 2);
      expect(s.phases[p].powerFactor).toBe(0.8);
      expect(s.phases[p].angleDeg).toBeCloseTo(36.9, 1);
    }
    expect(s.frequencyHz).toBe(50);
    expect(s.neutralA).toBeLessThan(0.01); // balanced
    // 10 s of 5520 W = 15.333 Wh, quantised to 0.003125 Wh.
    expect(Math.abs(s.total.importWh - (5520 * 10) / 3600)).toBeLessThan(0.003125);
    expect(s.flags & IcFlag.configError).toBe(0);
    expect(bus.stats(CS).transactions).toBeGreaterThan(100);
  });

  it("drains the read-clear registers before its soft reset when the firmware restarts", () => {
    const { driver, time } = e32Rig();
    const first = driver();
    time.t += 30000;
    first.close(); // firmware restart: the chip kept metering
    const second = driver();
    time.t += 30000;
    const s = second.sample();
    expect(Math.abs(s.total.importWh - (5520 * 60) / 3600)).toBeLessThan(2 * 0.003125);
  });

  it("reports sag, phase loss, reverse flow and over-current from the status registers", () => {
    const { driver, time } = e32Rig([
      LoadScenario.voltage(0, 10000, 20000, 0.7),
      LoadScenario.phaseLoss(1, 10000, 20000),
      LoadScenario.reverse(4, 10000, 20000),
    ]);
    const ic = driver({ maxCurrent: 8 });
    time.t = 15000;
    const s = ic.sample();
    expect(s.flags & IcFlag.sag(0)).toBeTruthy();
    expect(s.flags & IcFlag.phaseLoss(1)).toBeTruthy();
    expect(s.flags & IcFlag.reverse(2)).toBeTruthy();
    expect(s.flags & IcFlag.overCurrent(0)).toBeTruthy();
    expect(s.phases[2].activeW).toBeCloseTo(-2300, 1);
    time.t = 25000;
    const t = ic.sample();
    expect(t.flags & (IcFlag.sag(0) | IcFlag.phaseLoss(1) | IcFlag.reverse(2))).toBe(0);
  });

  it("applies calibration through configure(): gains scale the readings; out-of-range values are refused", () => {
    const { driver, time } = e32Rig();
    const ic = driver();
    const cal = [0, 1, 2].map(() => ({ voltageGain: 7305 * 1.1, currentGain: 27961, phase: 0, powerOffset: 0, reactiveOffset: 0, powerGain: 0 }));
    expect(ic.configure(cal)).toBe(false); // not an integer
    cal.forEach((c) => (c.voltageGain = Math.round(7305 * 1.1)));
    expect(ic.configure(cal)).toBe(true);
    time.t += 1000;
    expect(ic.sample().phases[0].vRms).toBeCloseTo(253, 0);
  });
});

describe("ADE7953 simulated chip (datasheet Rev. C rules, ENERGY-IC.md section 4)", () => {
  it("accepts a write to 0x120 only right after 0xAD to 0x0FE", () => {
    const { bus, chip } = adeRig();
    const io = new bus.io({ select: CS, mode: 0 });
    adeFrame(io, false, ADE.RESERVED_120, 2, 0x30);
    expect(chip.peek(ADE.RESERVED_120)).toBe(0);
    adeFrame(io, false, ADE.UNLOCK, 1, 0xac); // wrong key
    adeFrame(io, false, ADE.RESERVED_120, 2, 0x30);
    expect(chip.peek(ADE.RESERVED_120)).toBe(0);
    adeFrame(io, false, ADE.UNLOCK, 1, 0xad);
    adeFrame(io, false, ADE.PGA_V, 1, 0); // any write in between relocks
    adeFrame(io, false, ADE.RESERVED_120, 2, 0x30);
    expect(chip.peek(ADE.RESERVED_120)).toBe(0);
    adeFrame(io, false, ADE.UNLOCK, 1, 0xad);
    adeFrame(io, false, ADE.RESERVED_120, 2, 0x30);
    expect(adeFrame(io, true, ADE.RESERVED_120, 2)).toBe(0x30);
    expect(chip.counts.rejectedWrites).toBe(3);
  });

  it("raises RESET in IRQSTATA after power-up; RSTIRQSTATA reads and clears it", () => {
    const { bus } = adeRig();
    const io = new bus.io({ select: CS, mode: 0 });
    expect(adeFrame(io, true, ADE.IRQSTATA, 3) & ADE_IRQ.RESET).toBeTruthy();
    expect(adeFrame(io, true, ADE.RSTIRQSTATA, 3) & ADE_IRQ.RESET).toBeTruthy();
    expect(adeFrame(io, true, ADE.IRQSTATA, 3) & ADE_IRQ.RESET).toBe(0);
  });

  it("energy registers: read-with-reset by default; with RSTREAD = 0 they accumulate and wrap at 24 bits with AEOF", () => {
    const { bus, time } = adeRig();
    const io = new bus.io({ select: CS, mode: 0 });
    time.t += 1000;
    // 1840 W × 154²/3600 LSB per W·s = 12121.8 LSB in 1 s.
    expect(adeFrame(io, true, ADE.AENERGYA, 3)).toBe(12121);
    expect(adeFrame(io, true, ADE.AENERGYA, 3)).toBe(0);
    adeFrame(io, false, ADE.LCYCMODE, 1, 0x00);
    time.t += 700000; // 8.48e6 LSB: past 0x7FFFFF
    const raw = adeFrame(io, true, ADE.AENERGYA + 0x100, 4) | 0;
    expect(raw).toBeLessThan(0); // wrapped to negative
    expect(raw + 0x1000000).toBe(Math.floor(0.8 + 1840 * (154 * 154) / 3600 * 700));
    expect(adeFrame(io, true, ADE.IRQSTATA, 3) & ADE_IRQ.AEOF).toBeTruthy();
  });
});

describe("ADE7953 driver through the simulated bus", () => {
  it("starts the chip (0x120 setting read back), reads V, I, P, Q, S, PF, angle, f at the Shelly scale", () => {
    const { driver, chip, time } = adeRig();
    const ic = driver();
    expect(chip.peek(ADE.RESERVED_120)).toBe(0x30);
    time.t += 1000;
    const s = ic.sample();
    const a = s.phases[0];
    expect(a.vRms).toBeCloseTo(230, 3);
    expect(a.iRms).toBeCloseTo(10, 4);
    expect(a.activeW).toBeCloseTo(1840, 1);
    expect(a.reactiveVar).toBeCloseTo(1380, 1);
    expect(a.powerFactor).toBeCloseTo(0.8, 3);
    expect(a.angleDeg).toBeCloseTo(36.87, 0);
    expect(s.frequencyHz).toBeCloseTo(50, 6);
    expect(s.neutralA).toBeCloseTo(10, 4);
    expect(s.flags & IcFlag.configError).toBe(0);
    expect(Math.abs(s.total.importWh - 1840 / 3600)).toBeLessThan(1 / (154 * 154));
  });

  it("accumulate mode: modular differences across many 24-bit roll-overs equal the energy", () => {
    const { driver, time } = adeRig();
    const ic = driver({ energyMode: "accumulate" });
    let wh = 0;
    for (let k = 0; k < 12; k++) {
      time.t += 300000; // 5 min steps: a roll-over every 11.5 min at 1840 W
      wh += ic.sample().total.importWh;
    }
    expect(Math.abs(wh - 1840)).toBeLessThan(1 / (154 * 154));
  });

  it("a chip restart behind the driver's back is seen through RESET and counted from zero", () => {
    const { driver, time } = adeRig([LoadScenario.outage(300000, 301000)], NOMINAL);
    const ic = driver();
    time.t = 299000;
    ic.sample();
    time.t = 600000;
    const s = ic.sample();
    expect(s.flags & IcFlag.chipRestarted).toBeTruthy();
    // Only what the chip counted since it came back (the second before the cut is gone with the chip).
    expect(Math.abs(s.total.importWh - (1840 * 299) / 3600)).toBeLessThan(1 / (154 * 154));
  });

  it("channel B as a second billed circuit: its own values and energy, totals are the sum", () => {
    const { driver, time } = adeRig([], [NOMINAL, { ...NOMINAL, iRms: 5, phiDeg: 0 }], 1);
    const ic = driver({ channelB: "circuit" });
    expect(ic.phaseCount).toBe(2);
    time.t += 60000;
    const s = ic.sample();
    expect(s.phases[1].iRms).toBeCloseTo(5, 4);
    expect(s.phases[1].activeW).toBeCloseTo(1150, 1);
    expect(Number.isNaN(s.neutralA)).toBe(true);
    const lsb = 1 / (154 * 154);
    expect(Math.abs(s.energy[1].importWh - 1150 / 60)).toBeLessThan(lsb);
    expect(s.energy[1].reactivePosVarh).toBeLessThan(lsb);
    expect(Math.abs(s.total.importWh - (1840 + 1150) / 60)).toBeLessThan(2 * lsb);
  });
});
