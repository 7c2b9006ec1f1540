/**
 * Where the idle meter's RAM goes (issue 13): the census that
 * `npx tsx scripts/heap-census.ts` runs on XS with the project's host
 * function xsCensus (scripts/xsnap/meterkit-memory.c). XS only.
 *
 * The sim-board meter is booted as for heap.meter.idle, then its live set
 * is walked from the realm (engine, modules, module-level tables: not
 * counted), the simulated hardware as it was before boot (not counted),
 * then each part of the meter in turn: a part is credited with what is
 * first reached from it, so the order below matters for what two parts
 * share (a domain first, then the catalog rows that adapt it, then the
 * DLMS front, the rest of the meter last). Prints one JSON line.
 */
import type { ObjectEntry } from "../src/cosem/interface-class.js";
import type { Meter } from "../src/meter/meter.js";
import { realMeter, simBoard } from "./ops/device.js";

declare function xsCensus(roots: unknown[], kindsFrom: number, kindsTo?: number): [[number, number][], [string, number, number, number][]];
declare function xsMemoryLive(): [number, number];
declare function print(s: string): void;

/** Meter fields in the order they are credited: storage and leaf domains first, those that reference them after. */
const DOMAINS: (keyof Meter)[] = [
  "config",
  "events",
  "clock",
  "faults",
  "boot",
  "profileStatus",
  "bank",
  "demand",
  "log",
  "loadRing",
  "store",
  "loadProfile",
  "dailyProfile",
  "billingProfile",
  "eventLogs",
  "metrology",
  "activation",
  "billing",
  "specialDays",
  "calendar",
  "scripts",
  "disconnect",
  "limiter",
  "prepay",
  "keypadEntry",
  "firmware",
  "engine",
  "alarms",
  "pushes",
];

function rowLabel(e: ObjectEntry): string {
  const o = e.object;
  return `${o.classId} ${(o as object).constructor.name}`;
}

/** `only`: tally kinds for the parts whose label contains it (all meter parts when empty). */
export function census(only = ""): void {
  const board = simBoard();
  const before = xsMemoryLive();
  const hardware = xsCensus([board], 1)[0][0];
  const m = realMeter(board).meter;
  const after = xsMemoryLive();
  const roots: unknown[] = [];
  const labels: string[] = [];
  // The hardware that refers to nothing of the meter (the flash arrays, the crypto); the rest of the
  // board (IC model, clock, timers, network) refers to the meter through callbacks and comes last.
  const { flash, slots, crypto, curve } = board;
  for (const [k, v] of Object.entries({ flash, slots, crypto, curve })) {
    roots.push(v);
    labels.push(`hardware.${k}`);
  }
  const first = roots.length;
  // The DLMS front's parts first: the link setup objects of the catalog refer to the links.
  const dlms = m.dlms!;
  for (const [k, v] of Object.entries({ server: dlms.server, wrapper: dlms.wrapper, optical: dlms.optical, setups: dlms.setups, associations: dlms.associations })) {
    roots.push(v);
    labels.push(`dlms.${k}`);
  }
  for (const d of DOMAINS) {
    roots.push(m[d]);
    labels.push(`domain.${String(d)}`);
  }
  const entries = m.catalog.entries;
  for (const e of entries) {
    // The object is the row (ObjectDirectory keeps no entry object per row; `entries` makes them now): its rights are the index's.
    roots.push(e.object);
    labels.push(`catalog.row ${rowLabel(e)}`);
  }
  roots.push(m.settings);
  labels.push("domain.settings");
  roots.push(m.catalog);
  labels.push("catalog (index)");
  roots.push(m.dlms);
  labels.push("dlms (the rest)");
  roots.push(m);
  labels.push("meter (the rest)");
  // The board's own objects (fences, so that no meter part is credited with them), then what is left.
  const { clock, chip, bus, scenario, timers, worldTimers, network, system, relay } = board;
  for (const [k, v] of Object.entries({ clock, chip, bus, scenario, timers, worldTimers, network, system, relay })) {
    roots.push(v);
    labels.push(`board.${k}`);
  }
  roots.push(board);
  labels.push("board (ports made at boot, callbacks on the hardware)");
  let from = first;
  let to = roots.length;
  if (only) {
    from = labels.findIndex((l) => l.includes(only));
    to = labels.length - [...labels].reverse().findIndex((l) => l.includes(only));
    if (from < 0) throw new Error(`census: no part ${only}`);
  }
  const [parts, kinds] = xsCensus(roots, from, to);
  print(
    JSON.stringify({
      idle: { slots: after[0] - before[0], chunks: after[1] - before[1] },
      hardwareBeforeBoot: { slots: hardware[0], chunks: hardware[1] },
      parts: parts.map((p, i) => ({ label: labels[i], slots: p[0], chunks: p[1] })),
      kinds: kinds.map(([label, instances, slots, chunks]) => ({ label, instances, slots, chunks })),
      catalogRows: entries.length,
    }),
  );
}
