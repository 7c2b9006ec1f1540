import { bytesEqual } from "../util/bytes.js";
import { frozen } from "../util/frozen.js";
import { Obis } from "../cosem/obis.js";
import type { EnergyDeltas } from "../metrology/energy.js";

/**
 * Time-of-use energy registers and the mask mechanism of Register Activation
 * (COSEM class 6) that decides which of them receive energy.
 *
 * The bank holds the TOU registers (1.0.c.8.t.255: c = 1 import active,
 * 2 export active, 3 import reactive, 4 export reactive; t = tariff). The
 * Register Activation object lists registers (register_assignment), groups
 * them in named masks (mask_list) and names the active mask; a tariff script
 * writes active_mask. Each energy delta goes to the register of the active
 * mask whose OBIS C group is the delta's quantity.
 */

const QUANTITY_C = Object.freeze([1, 2, 3, 4] as const);

export interface RegisterAssignment {
  classId: number;
  logicalName: Obis;
}

export interface RegisterMask {
  name: Uint8Array;
  /** 1-based indices into register_assignment. */
  indices: number[];
}

/** The rate registers' names, quantity by quantity, rate by rate. */
function touObis(tariffs: number): Obis[] {
  const out: Obis[] = [];
  for (let j = 0; j < QUANTITY_C.length; j++) {
    const c = QUANTITY_C[j];
    for (let t = 1; t <= tariffs; t++) out.push(Obis.of(1, 0, c, 8, t, 255));
  }
  return out;
}

/** The names of the default four rates: module-level frozen data (in flash on a device), shared by every bank of four rates. */
const TOU_OBIS_4: readonly Obis[] = frozen(touObis(4));

/** The rate registers' values (Wh / varh) in one typed array in the order of `obis`, not a Map (RAM on XS, issue 13). */
export class TouRegisterBank {
  private readonly values: Float64Array;
  readonly obis: readonly Obis[];

  constructor(tariffs = 4) {
    this.obis = tariffs === 4 ? TOU_OBIS_4 : frozen(touObis(tariffs));
    this.values = new Float64Array(this.obis.length);
  }

  /** Position of a register by its OBIS key, -1 when the bank has none (16 registers: a scan). */
  private at(key: number): number {
    const obis = this.obis;
    for (let i = 0; i < obis.length; i++) if (obis[i].key === key) return i;
    return -1;
  }

  has(o: Obis): boolean {
    return this.at(o.key) >= 0;
  }

  /** Register value in Wh / varh (fractional: deltas split at tariff boundaries). */
  value(o: Obis): number {
    const i = this.at(o.key);
    return i < 0 ? 0 : this.values[i];
  }

  add(key: number, amount: number): void {
    const i = this.at(key);
    if (i >= 0) this.values[i] += amount;
  }
}

export class RegisterActivation {
  assignment: RegisterAssignment[];
  masks: RegisterMask[];
  private active: Uint8Array = new Uint8Array(0);
  /** Register key per quantity (index 0..3 = C 1..4) under the active mask; -1 = none. */
  private readonly targets = [-1, -1, -1, -1];

  /**
   * The lists may be shared frozen data (the standard activation of four
   * rates): the methods below replace them, never write into them (copy on
   * write), as the COSEM adapter's SETs do.
   */
  constructor(assignment: RegisterAssignment[], masks: RegisterMask[]) {
    this.assignment = assignment;
    this.masks = masks;
  }

  get activeMask(): Uint8Array {
    return this.active;
  }

  /** Selects a mask by name; false (nothing changes) when no mask has that name. */
  setActiveMask(name: Uint8Array): boolean {
    const mask = this.masks.find((m) => bytesEqual(m.name, name));
    if (!mask) return false;
    this.active = name.slice();
    this.recompute(mask);
    return true;
  }

  /** Method 1: add_register. */
  addRegister(r: RegisterAssignment): void {
    this.assignment = this.assignment.concat([r]);
  }

  /** Method 2: add_mask (replaces a mask of the same name); indices must be within register_assignment. */
  addMask(mask: RegisterMask): boolean {
    for (let k = 0; k < mask.indices.length; k++) {
      const i = mask.indices[k];
      if (!Number.isInteger(i) || i < 1 || i > this.assignment.length) return false;
    }
    const at = this.masks.findIndex((m) => bytesEqual(m.name, mask.name));
    this.masks = at >= 0 ? this.masks.map((m, i) => (i === at ? mask : m)) : this.masks.concat([mask]);
    if (bytesEqual(mask.name, this.active)) this.recompute(mask);
    return true;
  }

  /** Method 3: delete_mask. */
  deleteMask(name: Uint8Array): boolean {
    const at = this.masks.findIndex((m) => bytesEqual(m.name, name));
    if (at < 0) return false;
    this.masks = this.masks.filter((_, i) => i !== at);
    if (bytesEqual(name, this.active)) {
      this.active = new Uint8Array(0);
      this.targets.fill(-1);
    }
    return true;
  }

  private recompute(mask: RegisterMask): void {
    this.targets.fill(-1);
    for (let j = 0; j < mask.indices.length; j++) {
      const i = mask.indices[j];
      const r = this.assignment[i - 1];
      if (!r) continue;
      const c = r.logicalName.c;
      if (r.logicalName.d === 8 && c >= 1 && c <= 4 && this.targets[c - 1] < 0) this.targets[c - 1] = r.logicalName.key;
    }
  }

  /** Adds a fraction of the deltas to the registers of the active mask. */
  accumulate(bank: TouRegisterBank, d: EnergyDeltas, fraction: number): void {
    const t = this.targets;
    if (t[0] >= 0) bank.add(t[0], d.importActive * fraction);
    if (t[1] >= 0) bank.add(t[1], d.exportActive * fraction);
    if (t[2] >= 0) bank.add(t[2], d.importReactive * fraction);
    if (t[3] >= 0) bank.add(t[3], d.exportReactive * fraction);
  }
}

/** The usual wiring: masks "T1".."Tn" each activating 1/2/3/4.8.t. */
function standardParts(obis: readonly Obis[], tariffs: number): { assignment: RegisterAssignment[]; masks: RegisterMask[] } {
  const assignment: RegisterAssignment[] = obis.map((o) => ({ classId: 3, logicalName: o }));
  const masks: RegisterMask[] = [];
  for (let t = 1; t <= tariffs; t++) {
    const indices: number[] = [];
    assignment.forEach((a, i) => {
      if (a.logicalName.e === t) indices.push(i + 1);
    });
    masks.push({ name: Uint8Array.of(0x54, 0x30 + t), indices }); // "T1".."T4"
  }
  return { assignment, masks };
}

/** The standard activation of the default four rates, shared like TOU_OBIS_4. */
const STANDARD_4 = frozen(standardParts(TOU_OBIS_4, 4));

export function standardTouActivation(bank: TouRegisterBank, tariffs = 4): RegisterActivation {
  const parts = bank.obis === TOU_OBIS_4 && tariffs === 4 ? STANDARD_4 : standardParts(bank.obis, tariffs);
  return new RegisterActivation(parts.assignment, parts.masks);
}
