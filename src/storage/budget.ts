import type { FlashGeometry, FlashPartition } from "../../hal/flash.js";
import { EVENT_LOG_ENTRIES } from "./event-logs.js";
import { frozen } from "../util/frozen.js";

/**
 * The storage partition as a budget (issue 14). A board declares, once,
 * how many sectors of its storage partition each area gets and what each
 * stream promises (rows kept) at what planned size per row; the meter
 * checks at boot that the partition can keep every promise with room for
 * cheap collection, and refuses to start otherwise.
 *
 * Two areas:
 * - the load profile's ring (`loadSectors`, the last sectors of the
 *   partition): only its compacted days, in entry order; a collection
 *   drops the oldest day instead of copying it, so it never copies;
 * - the main log (the rest): settings and counters (KeyValueStore), the
 *   daily and billing profiles, the event logs and the load profile's rows
 *   of the current day. A collection takes the sector with most garbage;
 *   the budget keeps live data at most 2/3 of the main log, so the
 *   fullest-of-garbage sector is at least 1/3 garbage: a collection copies
 *   at most 2/3 of a sector and always frees some.
 *
 * Planned row sizes are encoded bytes per row (src/storage/profile-store.ts
 * format). Rows larger than planned (a load far above the board's planned
 * household load) shorten what the load ring keeps: the profile reports
 * the rows it gave up (ProfileStore.droppedBySpace), never fails.
 */
export interface StreamBudget {
  /** Rows promised: the reference depth here, the meter configuration's depth once a meter checks it (withDepths). */
  readonly entries: number;
  /** Planned encoded bytes per row. */
  readonly entryBytes: number;
  /** Rows per compacted chunk. */
  readonly chunkRows: number;
}

export interface StorageBudget {
  /** Sectors of the load profile's own ring, at the end of the partition. */
  readonly loadSectors: number;
  readonly loadProfile: StreamBudget;
  readonly dailyProfile: StreamBudget;
  readonly billingProfile: StreamBudget;
  /** All event logs together (their capacities summed). */
  readonly eventLogs: StreamBudget;
  /** Live bytes of settings, counters, energy, relay, keys, FOTA state (the KeyValueStore's newest records). */
  readonly settingsBytes: number;
}

/**
 * The budget of every reference board (ESP32 and nRF52840: 64 sectors of
 * 4 KiB). Load profile: 366 days of 15-minute rows of status and four
 * energy registers at 4.8 B per row (a household below ~500 W average per
 * quarter hour gets 1-byte deltas; see the bench figure
 * storage.bytes-per-entry); daily values 400 days; billing 25 months; the
 * event logs as many entries as their capacities sum to (src/storage/event-logs.ts).
 */
export const DEFAULT_BUDGET: StorageBudget = frozen({
  loadSectors: 48,
  loadProfile: { entries: 366 * 96, entryBytes: 4.8, chunkRows: 96 },
  dailyProfile: { entries: 400, entryBytes: 12, chunkRows: 31 },
  billingProfile: { entries: 25, entryBytes: 80, chunkRows: 1 },
  eventLogs: { entries: EVENT_LOG_ENTRIES, entryBytes: 18, chunkRows: 16 },
  settingsBytes: 6144,
});

/** Sector header and record framing (src/storage/log-store.ts). */
const SECTOR_HEADER = 20;
const CHUNK_HEADER = 16;

function span(bodyBytes: number, writeSize: number): number {
  const u = Math.max(1, writeSize);
  return Math.ceil((7 + bodyBytes + 4) / u) * u + u;
}

export interface BudgetReport {
  readonly problems: string[];
  /** One line per area and stream, for the start-up print. */
  readonly lines: string[];
}

/** Checks a budget against a partition's geometry; problems empty means every promise fits. */
export function checkBudget(b: StorageBudget, g: FlashGeometry): BudgetReport {
  const problems: string[] = [];
  const lines: string[] = [];
  const payload = g.sectorSize - SECTOR_HEADER;
  const mainSectors = g.sectorCount - b.loadSectors;
  lines.push(`storage partition: ${g.sectorCount} sectors of ${g.sectorSize} B (${(g.sectorCount * g.sectorSize) / 1024} KiB, write unit ${g.writeSize} B)`);
  // Load ring: a reserve sector is free and the head may be almost empty, so only loadSectors - 2 full sectors are sure.
  const lp = b.loadProfile;
  const chunkSpan = span(CHUNK_HEADER + lp.chunkRows * lp.entryBytes, g.writeSize);
  const perSector = Math.floor(payload / chunkSpan);
  const keeps = Math.max(0, b.loadSectors - 2) * perSector * lp.chunkRows;
  lines.push(`  load profile ring: ${b.loadSectors} sectors, ${perSector} chunks of ${lp.chunkRows} rows per sector at ${lp.entryBytes} B/row: keeps ${keeps} rows, promised ${lp.entries}`);
  if (b.loadSectors < 3) problems.push(`the load profile ring needs at least 3 sectors, has ${b.loadSectors}`);
  if (perSector < 1) problems.push(`a load profile chunk (${chunkSpan} B) does not fit a sector`);
  if (keeps < lp.entries) problems.push(`the load profile ring keeps ${keeps} rows at ${lp.entryBytes} B/row, less than the ${lp.entries} promised: give it ${Math.ceil(lp.entries / Math.max(1, perSector * lp.chunkRows)) + 2} sectors`);
  // Main log: compacted rows, their chunk framing, the rows still in one-row records, settings.
  const stream = (name: string, s: StreamBudget): number => {
    const chunks = Math.ceil(s.entries / s.chunkRows) + 1;
    const bytes = chunks * span(CHUNK_HEADER + s.chunkRows * s.entryBytes, g.writeSize) + (s.chunkRows > 1 ? s.chunkRows * span(CHUNK_HEADER + s.entryBytes, g.writeSize) : 0);
    lines.push(`  ${name}: ${s.entries} rows at ${s.entryBytes} B/row: ${bytes} B live`);
    return bytes;
  };
  let live = b.settingsBytes;
  live += stream("daily profile", b.dailyProfile);
  live += stream("billing profile", b.billingProfile);
  live += stream("event logs", b.eventLogs);
  // The load profile's rows of the current day wait in one-row records in the main log.
  const pending = lp.chunkRows * span(CHUNK_HEADER + lp.entryBytes, g.writeSize);
  live += pending;
  lines.push(`  settings and counters: ${b.settingsBytes} B live; load profile rows of the day: ${pending} B`);
  const room = Math.max(0, mainSectors - 2) * payload;
  lines.push(`  main log: ${mainSectors} sectors, ${live} B live of ${room} B (at most 2/3, so the sector with most garbage is at least 1/3 garbage)`);
  if (mainSectors < 4) problems.push(`the main log needs at least 4 sectors, has ${mainSectors}`);
  if (live * 3 > room * 2) problems.push(`the main log's live data (${live} B) is more than 2/3 of its ${room} B: give it ${Math.ceil((live * 3) / 2 / payload) + 2} sectors`);
  return { problems, lines };
}

/** A run of whole sectors of a partition as a partition of its own (the budget's areas). */
class FlashWindow implements FlashPartition {
  declare readonly geometry: FlashGeometry;
  declare readonly byteLength: number;
  private declare readonly base: number;

  private declare readonly parent: FlashPartition;
  private declare readonly firstSector: number;

  constructor(
    parent: FlashPartition,
    firstSector: number,
    sectorCount: number,
  ) {
    this.parent = parent;
    this.firstSector = firstSector;
    const g = parent.geometry;
    if (firstSector < 0 || sectorCount < 1 || firstSector + sectorCount > g.sectorCount) throw new RangeError(`sectors ${firstSector}+${sectorCount} outside the partition`);
    this.geometry = { ...g, sectorCount };
    this.byteLength = sectorCount * g.sectorSize;
    this.base = firstSector * g.sectorSize;
  }

  read(offset: number, length: number): Uint8Array {
    this.check(offset, length);
    return this.parent.read(this.base + offset, length);
  }

  write(offset: number, data: Uint8Array): void {
    this.check(offset, data.length);
    this.parent.write(this.base + offset, data);
  }

  eraseSector(sector: number): void {
    if (!(sector >= 0 && sector < this.geometry.sectorCount)) throw new RangeError(`sector ${sector} outside the window`);
    this.parent.eraseSector(this.firstSector + sector);
  }

  private check(offset: number, length: number): void {
    if (!(offset >= 0 && length >= 0 && offset + length <= this.byteLength)) throw new RangeError(`flash window access ${offset}+${length}`);
  }
}

/** The budget's two areas over one partition: the main log first, the load ring last. */
export function storageAreas(flash: FlashPartition, b: StorageBudget): { main: FlashPartition; load: FlashPartition } {
  const n = flash.geometry.sectorCount;
  return { main: new FlashWindow(flash, 0, n - b.loadSectors), load: new FlashWindow(flash, n - b.loadSectors, b.loadSectors) };
}

export class StorageBudgetError extends Error {
  declare readonly problems: string[];

  constructor(problems: string[]) {
    super(`storage budget does not fit the partition: ${problems.join("; ")}`);
    this.problems = problems;
    this.name = "StorageBudgetError";
  }
}

/**
 * The budget with the depths a meter configuration asks for: the board
 * declares the split of its partition and the planned row sizes, the
 * configuration the depths (src/meter/config.ts), and the boot check then
 * proves that this partition keeps them.
 */
export function withDepths(b: StorageBudget, loadEntries: number, loadChunkRows: number, dailyEntries: number, billingEntries: number): StorageBudget {
  return {
    ...b,
    loadProfile: { ...b.loadProfile, entries: loadEntries, chunkRows: loadChunkRows },
    dailyProfile: { ...b.dailyProfile, entries: dailyEntries },
    billingProfile: { ...b.billingProfile, entries: billingEntries },
  };
}
