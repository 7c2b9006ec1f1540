import type { FlashPartition } from "../../hal/flash.js";
import { crc32 } from "./crc32.js";
import { readU32 as u32, writeU32 as put32 } from "../util/bytes.js";

/**
 * Log-structured record store over erase-before-write sectors (DESIGN.md
 * section 4, in the spirit of littlefs).
 *
 * Sector layout:
 *   0  part A, written right after the erase: magic, erase count, CRC-32
 *   12 part B, written when the sector joins the log: sector sequence (low 24 bits) and the
 *      number of sectors in the log once it joined (high 8 bits, 0 = not recorded), CRC-32 over A and B
 *   20 records, back to back
 * Part A keeps the erase count across reboots for free sectors; a sector with
 * A but a blank B is known erased and needs no second erase.
 *
 * Record layout (each field programmed once, so nRF52840's one write per word holds):
 *   type u8 | length u16 | sequence u32 | body | CRC-32 over all before | pad to writeSize
 *   then, in a second program operation, the commit mark: one write unit of 0x00.
 * The commit mark is written only after the body is complete, and only an
 * all-zero mark counts, so a torn mark (some bits still 1) reads as
 * uncommitted. A record is visible only with a matching CRC and the mark.
 *
 * Recovery reads every sector header, orders the log by sector sequence and
 * hands each committed record to the owner of its type (the KV store, a
 * profile): they rebuild their RAM indexes from it. Torn garbage at the end
 * of the head sector is zeroed before the next append (see repair()).
 *
 * Garbage collection reclaims one sector: the owners say which of its
 * records are still live, those are appended again at the head (new
 * sequence), then the sector is erased. Which sector depends on the policy:
 * - "garbage" (the main log): the sector with the most garbage, so a
 *   collection copies little; owners report records that died (release())
 *   and the store keeps live bytes per sector. Every WEAR_EVERY-th
 *   collection takes the oldest sector instead, so static data moves too
 *   and erases stay even.
 * - "oldest" (a profile's own ring): the oldest sector; its owner drops the
 *   oldest rows (drop()) instead of having them copied, so a ring never
 *   copies and erases rotate evenly.
 * A free sector is chosen by lowest erase count. One free sector is always
 * kept in reserve so that a collection can always copy.
 *
 * A sector erased or zeroed behind the store's back (damage) must not pass
 * for a free one:
 * - Formatting: every sector carries part A once the partition is in use
 *   (the first mount writes it on blank sectors, "MKL2"; the store writes it
 *   right after each erase). In a formatted partition (a sector in the log
 *   has an MKL2 part A: formatting ended before the first append) a sector
 *   without part A was erased behind the store's back, except the victim
 *   named by the head's last reclaim mark (a cut between erase and part A).
 *   A zeroed or scrambled header is damage as before.
 * - Counting: each sector records, when it joins, how many sectors the log
 *   then holds, and a collection writes a reclaim mark (record type
 *   RECLAIM_MARK, body: the victim's index) into the head just before it
 *   erases its victim. At mount the head's count minus the marks in the
 *   head is the number of sectors the log must hold; fewer is damage (for
 *   partitions formatted before MKL2). Before a new head joins, the old one
 *   gets an open mark (OPEN_MARK, body: the new head's index): a victim
 *   opened again as the newest sector and then erased is damage, not a cut.
 * Found damage is counted, and nothing written before it is proven newest.
 * The copies of a collection leave room for the mark in the head, so the
 * mark never needs a sector of its own. The newest sector erased together
 * with every free sector's header cannot be told from a younger log.
 *
 * Power loss: any flash call may throw (PowerLoss in the simulator); the
 * store then refuses further use until a new instance is mounted over the
 * same partition. A half-erased sector may still show an intact old header
 * and old records: those are older copies of data that was moved, or dead
 * data, and owners resolve them by sequence and entry number.
 */

export class StorageError extends Error {
  declare readonly code: "full" | "too-large" | "unmounted" | "broken";
  constructor(code: "full" | "too-large" | "unmounted" | "broken", message: string) {
    super(message);
    this.name = "StorageError";
    this.code = code;
  }
}

/** What a record type's owner tells the store. Addresses are partition byte offsets of the record. */
export interface LogOwner {
  /** A committed record found by the start-up scan, in log order. */
  recovered(addr: number, seq: number, type: number, body: Uint8Array): void;
  /** The scan is complete. */
  mounted(): void;
  /** Whether the record at addr must survive garbage collection. */
  isLive(addr: number, type: number): boolean;
  /** Garbage collection copied a live record to `to`. */
  moved(from: number, to: number, type: number): void;
  /**
   * Garbage collection is about to reclaim the live record at addr: true if
   * the owner gives it up instead (a profile's oldest rows, FIFO by space),
   * so it is not copied.
   */
  drop?(addr: number, type: number): boolean;
}

export type ReclaimPolicy = "garbage" | "oldest";

/** A collection in "garbage" policy takes the oldest sector every this many collections (static wear levelling). */
const WEAR_EVERY = 8;

const MAGIC_V1 = 0x4d4b4c31; // "MKL1": part A before formatting (still read)
const MAGIC = 0x4d4b4c32; // "MKL2": part A written by a formatting store
const PART_B = 12;
const RECORDS = 20;
const HDR = 7;
/** Records with at most this many body bytes are CRC-checked at mount in every sector, also in a ring (see crcAtMountEndsOnly). */
const SMALL_CHECKED = 32;
/** Store-internal record written just before a collection erases its victim (see the class comment); never live. */
const RECLAIM_MARK = 255 - 1;
/** Store-internal record naming the sector about to become the head, written in the old head (see the class comment); never live. */
const OPEN_MARK = 255 - 2;
/** Sector sequences use the low 24 bits of part B's word, the log's sector count the high 8 (0 = not recorded). */
const SEQ_BITS = 0x1000000;

export interface LogStats {
  usedSectors: number;
  freeSectors: number;
  /** Committed bytes in the log, live or not (record spans). */
  usedBytes: number;
  /** Bytes of live records (as owners reported them). */
  liveBytes: number;
  collections: number;
  /** Bytes copied by collections since mount. */
  copiedBytes: number;
}

export class LogStore {
  declare readonly flash: FlashPartition;
  private declare readonly size: number;
  private declare readonly count: number;
  private declare readonly unit: number;
  private declare readonly owners: Map<number, LogOwner>;
  /** Sector sequence, or -1 when not in the log. */
  private declare readonly sectorSeq: Float64Array;
  private declare readonly eraseCount: Uint32Array;
  /** 1 = erased with a valid part A (ready), 0 = must be erased before use. */
  private declare readonly ready: Uint8Array;
  /** Sectors in the log, oldest first. */
  private declare order: number[];
  private declare head: number;
  private declare headOffset: number;
  /** End of torn garbage after headOffset, found by mount; repaired before the next append. */
  private declare damageEnd: number;
  private declare nextSectorSeq: number;
  private declare nextSeq: number;
  private declare state: "new" | "mounted" | "broken";
  private declare inGc: boolean;
  /** Live record bytes per sector (spans), kept from owners' release() calls. */
  private declare readonly live: Float64Array;
  declare readonly policy: ReclaimPolicy;
  /**
   * A ring ("oldest") checks record CRCs at mount only in its oldest and
   * newest sectors, where a power cut can leave damage (the sector being
   * erased, the torn head); in the others mount checks the framing (length
   * within the sector, commit mark) and the CRC is checked when a record is
   * read (read()). Mount then costs no CRC over the bulk of a full ring.
   * Small records (at most SMALL_CHECKED body bytes: the transmit counters'
   * second copy, reset marks) are checked everywhere: they cost next to
   * nothing and are read only at mount.
   */
  private declare readonly crcAtMountEndsOnly: boolean;
  declare collections: number;
  declare copiedBytes: number;
  /** Records appended by owners since mount (collection copies not counted). */
  declare appends: number;
  /**
   * Damage found since mount: sector headers that do not check (neither
   * blank nor valid), damaged regions inside sectors, records that fail
   * their CRC when read. A sector left half-erased by a power cut counts
   * too: the store cannot tell a cut from a fault there.
   */
  declare damaged: number;
  /** Of `damaged`: sectors whose header does not check, or that are missing from the log (erased or zeroed behind its back). */
  declare damagedSectors: number;
  /** Log position (sector sequence, offset) of the newest damage found by the mount; Infinity when a sector header was damaged. */
  private declare damageSeq: number;
  private declare damageOff: number;
  /**
   * What the mount found damaged, as positions (sector, offset; -1 for a
   * sector header, -2 per missing sector): the same damage gives the same
   * fingerprint at every boot, new damage another one (see damageFingerprint).
   */
  private declare damageCrc: number;

  constructor(flash: FlashPartition, policy: ReclaimPolicy = "garbage") {
    this.owners = new Map<number, LogOwner>();
    this.order = [];
    this.head = -1;
    this.headOffset = 0;
    this.damageEnd = 0;
    this.nextSectorSeq = 1;
    this.nextSeq = 1;
    this.state = "new";
    this.inGc = false;
    this.collections = 0;
    this.copiedBytes = 0;
    this.appends = 0;
    this.damaged = 0;
    this.damagedSectors = 0;
    this.damageSeq = -1;
    this.damageOff = 0;
    this.damageCrc = 0;
    this.policy = policy;
    this.crcAtMountEndsOnly = policy === "oldest";
    this.flash = flash;
    const g = flash.geometry;
    this.size = g.sectorSize;
    this.count = g.sectorCount;
    this.unit = Math.max(1, g.writeSize);
    if (this.count < 3) throw new RangeError("log store needs at least 3 sectors");
    if (RECORDS % this.unit !== 0 || PART_B % this.unit !== 0) throw new RangeError(`write size ${g.writeSize} unsupported`);
    this.sectorSeq = new Float64Array(this.count).fill(-1);
    this.eraseCount = new Uint32Array(this.count);
    this.ready = new Uint8Array(this.count);
    this.live = new Float64Array(this.count);
  }

  /** Sectors of the partition. */
  get sectorCount(): number {
    return this.count;
  }

  /** Bytes records can use in one sector. */
  get sectorPayload(): number {
    return this.size - RECORDS;
  }

  /**
   * An owner's record at addr died (overwritten, compacted, expired): its
   * bytes count as garbage for the choice of the sector to reclaim.
   */
  release(addr: number, bodyLength: number): void {
    const s = Math.floor(addr / this.size);
    if (s >= 0 && s < this.count && this.sectorSeq[s] >= 0) this.live[s] = Math.max(0, this.live[s] - this.span(bodyLength));
  }

  /** Registers the owner of a record type (1..254); before mount(). */
  register(type: number, owner: LogOwner): void {
    if (!(type >= 1 && type < OPEN_MARK) || this.owners.has(type)) throw new RangeError(`record type ${type} unavailable`);
    if (this.state !== "new") throw new StorageError("unmounted", "register owners before mount");
    this.owners.set(type, owner);
  }

  /** Largest body one record can carry. */
  get maxBody(): number {
    // A collection's copy leaves room for the reclaim mark after it (see reclaim()).
    return this.size - RECORDS - 3 * this.span(2) - this.unit - 11 - this.unit;
  }

  /** Flash bytes one record with a body of n bytes occupies. */
  span(n: number): number {
    const u = this.unit;
    return Math.ceil((HDR + n + 4) / u) * u + u;
  }

  /**
   * True when a sector of `flash` that is in a log carries a formatting
   * part A (MKL2): formatting of that area ended (it happens at the first
   * mount, before the first append). Reads only the sector headers.
   */
  static formatted(flash: FlashPartition): boolean {
    const g = flash.geometry;
    for (let s = 0; s < g.sectorCount; s++) {
      const h = flash.read(s * g.sectorSize, RECORDS);
      if (u32(h, 0) === MAGIC && u32(h, 8) === crc32(h, 0, 8) && u32(h, PART_B + 4) === crc32(h, 0, PART_B + 4)) return true;
    }
    return false;
  }

  /**
   * Start-up scan: rebuilds the log state and replays every committed record
   * to its owner. `formatted`: another area of the same partition proves that
   * this one was formatted too (it was formatted first; see the meter), so a
   * blank sector here is damage even when none of this area's sectors is in
   * its log yet.
   */
  mount(formattedElsewhere = false): void {
    if (this.state !== "new") throw new StorageError("unmounted", "mount once per instance");
    this.state = "broken"; // until the scan completes
    const known: number[] = [];
    const joinCount = new Uint8Array(this.count);
    const blank: number[] = [];
    let formatted = formattedElsewhere;
    let lastVictim = -1;
    for (let s = 0; s < this.count; s++) {
      const h = this.flash.read(s * this.size, RECORDS);
      const magic = u32(h, 0);
      const aOk = (magic === MAGIC || magic === MAGIC_V1) && u32(h, 8) === crc32(h, 0, 8);
      if (!aOk && isBlank(h, 0, RECORDS)) blank.push(s);
      if (aOk) {
        this.eraseCount[s] = u32(h, 4);
        known.push(this.eraseCount[s]);
        if (u32(h, PART_B + 4) === crc32(h, 0, PART_B + 4)) {
          if (magic === MAGIC) formatted = true;
          this.sectorSeq[s] = u32(h, PART_B) % SEQ_BITS;
          joinCount[s] = Math.floor(u32(h, PART_B) / SEQ_BITS);
        } else if (isBlank(h, PART_B, RECORDS)) this.ready[s] = 1; // its body is checked when it is opened
        else this.headerDamage(s);
      } else if (!isBlank(h, 0, RECORDS)) this.headerDamage(s);
    }
    const headerDamaged = this.damaged;
    // Lost counts (sector damaged mid-erase) are taken as the mean so wear levelling stays fair.
    let mean = 0;
    for (let i = 0; i < known.length; i++) {
      const c = known[i];
      mean += c;
    }
    mean = known.length ? Math.round(mean / known.length) : 0;
    for (let s = 0; s < this.count; s++) {
      if (this.sectorSeq[s] < 0 && !this.ready[s]) this.eraseCount[s] = mean;
    }
    const used: number[] = [];
    for (let s = 0; s < this.count; s++) if (this.sectorSeq[s] >= 0) used.push(s);
    used.sort((a, b) => this.sectorSeq[a] - this.sectorSeq[b]);
    this.order = used;
    const recAddr: number[] = [];
    const recType: number[] = [];
    const recLen: number[] = [];
    let marks = 0;
    for (let j = 0; j < used.length; j++) {
      const s = used[j];
      if (this.sectorSeq[s] >= this.nextSectorSeq) this.nextSectorSeq = this.sectorSeq[s] + 1;
      const buf = this.flash.read(s * this.size, this.size);
      const checkCrc = !this.crcAtMountEndsOnly || s === used[0] || s === used[used.length - 1];
      const isHead = s === used[used.length - 1];
      const end = this.scan(buf, s, checkCrc, (addr, seq, type, body) => {
        if (seq >= this.nextSeq) this.nextSeq = seq + 1;
        if (type === RECLAIM_MARK && isHead) {
          marks++;
          lastVictim = body.length === 2 ? (body[0] << 8) | body[1] : -1;
        }
        // The victim was opened again as the newest sector: blank now, it is no cut's leftover.
        if (type === OPEN_MARK && isHead && body.length === 2 && ((body[0] << 8) | body[1]) === lastVictim) lastVictim = -1;
        const owner = this.owners.get(type);
        if (owner) {
          owner.recovered(addr, seq, type, body);
          recAddr.push(addr);
          recType.push(type);
          recLen.push(body.length);
        }
      }, true, isHead);
      if (s === used[used.length - 1]) {
        this.head = s;
        this.headOffset = end;
        this.damageEnd = end;
        for (let i = this.size - 1; i >= end; i--) {
          if (buf[i] !== 0xff) {
            this.damageEnd = Math.min(this.size, Math.ceil((i + 1) / this.unit) * this.unit);
            break;
          }
        }
      }
    }
    // Sectors the log must hold (the head's count at its join, less the collections since): fewer is damage.
    let blankDamaged = 0;
    if (formatted) {
      for (let i = 0; i < blank.length; i++) {
        const s = blank[i];
        if (s === lastVictim) continue;
        this.headerDamage(s);
        blankDamaged++;
      }
    }
    if (this.head >= 0 && joinCount[this.head] > 0) {
      const missing = joinCount[this.head] - marks - used.length - headerDamaged - blankDamaged;
      for (let i = 0; i < missing; i++) this.headerDamage(-2);
    }
    // Not formatted yet (a new partition, or one from before MKL2): part A on every blank sector now, before
    // the first append, so that from then on a blank sector is damage. A cut here leaves no MKL2 sector in the log.
    // Only wholly blank sectors: one with bytes left in its body is erased before use (openSector).
    if (!formatted) {
      for (let i = 0; i < blank.length; i++) if (isBlank32(this.flash.read(blank[i] * this.size, this.size))) this.writePartA(blank[i]);
    }
    this.state = "mounted"; // owners may read while they finish their indexes
    // One call per owner, though an owner registers several record types.
    new Set(this.owners.values()).forEach((owner) => owner.mounted());
    // Live bytes per sector, for the choice of the sector to reclaim.
    for (let i = 0; i < recAddr.length; i++) {
      if ((this.owners.get(recType[i]) as LogOwner).isLive(recAddr[i], recType[i])) this.live[Math.floor(recAddr[i] / this.size)] += this.span(recLen[i]);
    }
  }

  /** Appends a committed record; returns its address. Throws StorageError("full") when nothing can be collected. */
  append(type: number, body: Uint8Array): number {
    this.usable();
    if (body.length > this.maxBody) throw new StorageError("too-large", `record of ${body.length} bytes`);
    this.state = "broken"; // a flash exception leaves it so
    try {
      this.makeRoom(this.span(body.length));
    } catch (e) {
      if (e instanceof StorageError && e.code === "full") this.state = "mounted";
      throw e;
    }
    const addr = this.writeRecord(type, body);
    this.state = "mounted";
    this.appends++;
    return addr;
  }

  /**
   * Collection ahead of need, one sector at a time: when no more than
   * `spare` sectors besides the reserve are free, reclaims one now. The
   * composition root calls it in a tick that did no heavy storage work of
   * its own, so a tick that compacts a day (and writes the daily row) finds
   * free sectors and collects nothing: the collection cost is spread over
   * ticks instead of piling up in the worst one. Returns true if it collected.
   */
  maintain(spare = 1): boolean {
    this.usable();
    if (this.freeCount() > 1 + spare || this.order.length < 2) return false;
    this.state = "broken"; // a flash exception leaves it so
    this.repair();
    this.reclaim(this.victim());
    this.state = "mounted";
    return true;
  }

  /**
   * Body of the record at addr, checked again (CRC) so that a stale address
   * (a record collected meanwhile) gives undefined, never wrong bytes.
   */
  read(addr: number): Uint8Array | undefined {
    this.usable();
    if (!Number.isInteger(addr) || addr < 0 || addr % this.size < RECORDS || addr + HDR > this.count * this.size) return undefined;
    const h = this.flash.read(addr, HDR);
    const len = (h[1] << 8) | h[2];
    if ((addr % this.size) + this.span(len) > this.size) return undefined;
    const rec = this.flash.read(addr, HDR + len + 4);
    rec.set(h, 0);
    if (u32(rec, HDR + len) !== crc32(rec, 0, HDR + len)) return undefined;
    return rec.subarray(HDR, HDR + len);
  }

  /**
   * True when no damage found by the mount lies after the record at addr in
   * log order: then no newer record that the damage destroyed can exist,
   * and the record is proven to be its owner's newest.
   */
  provenNewest(addr: number): boolean {
    if (this.damageSeq < 0) return true;
    const s = Math.floor(addr / this.size);
    const seq = this.sectorSeq[s];
    return seq > this.damageSeq || (seq === this.damageSeq && addr % this.size > this.damageOff);
  }

  /**
   * Same value at every mount while the same damage stays in flash, another
   * one when damage was added (0 without damage): lets the composition root
   * do its damage handling (counter skips) once per damage, not at every boot.
   */
  get damageFingerprint(): number {
    return this.damaged === 0 ? 0 : (this.damageCrc ^ this.damaged) >>> 0 || 1;
  }

  private fingerprint(a: number, b: number): void {
    const x = new Uint8Array(8);
    put32(x, 0, a >>> 0);
    put32(x, 4, b >>> 0);
    this.damageCrc = (crc32(x, 0, 8) ^ Math.imul(this.damageCrc, 31)) >>> 0;
  }

  /** A sector header that checks neither as valid nor as blank (sector s), or a missing sector (s = -2). */
  private headerDamage(s: number): void {
    this.damaged++;
    this.damagedSectors++;
    this.damageSeq = Infinity;
    this.fingerprint(-1, s);
  }

  private markDamage(sector: number, offset: number): void {
    this.damaged++;
    this.fingerprint(sector, offset);
    const seq = this.sectorSeq[sector];
    if (seq > this.damageSeq || (seq === this.damageSeq && offset > this.damageOff)) {
      this.damageSeq = seq;
      this.damageOff = offset;
    }
  }

  /** An owner found the record it indexed at addr unreadable (read() gave undefined): counted as damage. */
  reportDamage(): void {
    this.damaged++;
  }

  stats(): LogStats {
    let usedBytes = 0;
    for (let i = 0; i < this.order.length; i++) {
      const s = this.order[i];
      usedBytes += (s === this.head ? this.headOffset : this.size) - RECORDS;
    }
    let liveBytes = 0;
    for (let i = 0; i < this.order.length; i++) {
      const s = this.order[i];
      liveBytes += this.live[s];
    }
    return { usedSectors: this.order.length, freeSectors: this.count - this.order.length, usedBytes, liveBytes, collections: this.collections, copiedBytes: this.copiedBytes };
  }

  /** Erase counts as the store knows them (part A of each sector). */
  eraseCounts(): Uint32Array {
    return this.eraseCount.slice();
  }

  // ---------------------------------------------------------------- internals

  private usable(): void {
    if (this.state === "new") throw new StorageError("unmounted", "log store not mounted");
    if (this.state === "broken") throw new StorageError("broken", "flash failed during an operation: mount again");
  }

  /**
   * Walks the records of one sector image; returns where the valid part
   * ends. Damage in the middle of a sector (a record whose CRC or framing
   * fails with valid records after it) loses only the damaged bytes: the
   * walk resynchronises on the next record that checks (type, length,
   * CRC-32, commit mark) and, when `damage` is set, counts the region.
   * Garbage after the last valid record is damage only outside the head
   * sector (in the head it is what a torn write leaves).
   */
  private scan(buf: Uint8Array, sector: number, checkCrc: boolean, visit: (addr: number, seq: number, type: number, body: Uint8Array) => void, damage = false, head = false): number {
    const u = this.unit;
    let p = RECORDS;
    while (p + HDR + 4 + u <= this.size) {
      const type = buf[p];
      let bad = type === 0xff;
      if (type === 0) {
        // Zeroed damage from an earlier power cut (see repair): skip it; a unit only partly zero is damage.
        if (isZero(buf, p, p + u)) {
          while (p < this.size && isZero(buf, p, p + u)) p += u;
          continue;
        }
        bad = true;
      }
      const len = (buf[p + 1] << 8) | buf[p + 2];
      const span = this.span(len);
      const check = checkCrc || len <= SMALL_CHECKED;
      if (!bad && (p + span > this.size || (check && u32(buf, p + HDR + len) !== crc32(buf, p, p + HDR + len)))) bad = true;
      if (bad) {
        if (type === 0xff && isBlank(buf, p, this.size)) break;
        const q = this.resync(buf, p + u);
        if (q < 0) {
          if (damage && !head) this.markDamage(sector, p);
          break;
        }
        if (damage) this.markDamage(sector, p);
        p = q;
        continue;
      }
      let committed = true;
      for (let i = p + span - u; i < p + span; i++) if (buf[i] !== 0) committed = false;
      if (committed) visit(sector * this.size + p, u32(buf, p + 3), type, check ? buf.slice(p + HDR, p + HDR + len) : buf.subarray(p + HDR, p + HDR + len));
      p += span;
    }
    return p;
  }

  /** The next offset from `from` where a whole committed record checks, or -1. */
  private resync(buf: Uint8Array, from: number): number {
    const u = this.unit;
    for (let q = from; q + HDR + 4 + u <= this.size; q += u) {
      const t = buf[q];
      if (t === 0 || t === 0xff) continue;
      const len = (buf[q + 1] << 8) | buf[q + 2];
      const span = this.span(len);
      if (q + span > this.size || !isZero(buf, q + span - u, q + span)) continue;
      if (u32(buf, q + HDR + len) === crc32(buf, q, q + HDR + len)) return q;
    }
    return -1;
  }

  /**
   * A torn write leaves garbage at the end of the head sector. Programming
   * can always clear bits, so the garbage is overwritten with zeros, which
   * the scan skips (no record type is 0, and a torn type byte keeps its set
   * bits so it is never 0); the sector stays in use. Losing it instead could
   * leave a collection interrupted by the cut without a free sector.
   */
  private repair(): void {
    if (this.head < 0 || this.damageEnd <= this.headOffset) return;
    this.flash.write(this.head * this.size + this.headOffset, new Uint8Array(this.damageEnd - this.headOffset));
    this.headOffset = this.damageEnd;
  }

  /**
   * Every record leaves room in its sector for two marks: the reclaim mark of
   * a collection that the next append may start, and the open mark that
   * names the next head. Marks never make a sector of their own.
   */
  private makeRoom(span: number): void {
    this.repair();
    const mark = this.span(2);
    if (this.head >= 0 && this.headOffset + span + 2 * mark <= this.size) return;
    if (!this.inGc) this.collect();
    this.openSector();
  }

  /** Reclaims sectors until more than the reserve is free. */
  private collect(): void {
    let budget = this.order.length;
    while (this.freeCount() <= 1) {
      if (budget-- <= 0 || this.order.length < 2) throw new StorageError("full", "log full of live records");
      this.reclaim(this.victim());
    }
  }

  /** The sector to reclaim: see the class comment. */
  private victim(): number {
    if (this.policy === "oldest" || this.collections % WEAR_EVERY === WEAR_EVERY - 1) return this.order[0];
    let best = this.order[0];
    let bestGarbage = -1;
    for (let i = 0; i < this.order.length; i++) {
      const s = this.order[i];
      if (s === this.head) continue;
      const garbage = this.size - RECORDS - this.live[s];
      if (garbage > bestGarbage) {
        best = s;
        bestGarbage = garbage;
      }
    }
    return best;
  }

  private reclaim(victim: number): void {
    this.inGc = true;
    try {
      const buf = this.flash.read(victim * this.size, this.size);
      const live: { addr: number; type: number; body: Uint8Array }[] = [];
      this.scan(buf, victim, true, (addr, _seq, type, body) => {
        const owner = this.owners.get(type);
        if (owner && owner.isLive(addr, type) && !(owner.drop && owner.drop(addr, type))) live.push({ addr, type, body });
      });
      // The head must not be the victim: copies need somewhere to go.
      if (this.head === victim) this.head = -1;
      const mark = this.span(2);
      for (let i = 0; i < live.length; i++) {
        const r = live[i];
        this.makeRoom(this.span(r.body.length) + mark);
        const to = this.writeRecord(r.type, r.body);
        this.copiedBytes += this.span(r.body.length);
        (this.owners.get(r.type) as LogOwner).moved(r.addr, to, r.type);
      }
      // The reclaim mark, in the head (whose count still includes the victim): appends and copies left room
      // for it. Never a sector opened for it (that could make the next victim the newest data); without room
      // (a third collection in one go, or the head was the victim) the mark is left out and a cut right after
      // this erase would be counted as damage once.
      if (this.head >= 0 && this.headOffset + mark <= this.size) {
        this.repair();
        this.writeRecord(RECLAIM_MARK, Uint8Array.of(victim >>> 8, victim & 0xff));
        this.live[this.head] -= mark;
      }
      this.order.splice(this.order.indexOf(victim), 1);
      this.live[victim] = 0;
      this.sectorSeq[victim] = -1;
      this.ready[victim] = 0;
      this.erase(victim);
      this.collections++;
    } finally {
      this.inGc = false;
    }
  }

  private freeCount(): number {
    return this.count - this.order.length;
  }

  private erase(s: number): void {
    this.flash.eraseSector(s);
    this.eraseCount[s]++;
    this.writePartA(s);
  }

  /** Part A (magic, erase count) on an erased sector: it is then ready to join the log. */
  private writePartA(s: number): void {
    const a = new Uint8Array(PART_B);
    put32(a, 0, MAGIC);
    put32(a, 4, this.eraseCount[s]);
    put32(a, 8, crc32(a, 0, 8));
    this.flash.write(s * this.size, a);
    this.ready[s] = 1;
  }

  private openSector(): void {
    let best = -1;
    for (let s = 0; s < this.count; s++) {
      if (this.sectorSeq[s] >= 0) continue;
      if (best < 0 || this.eraseCount[s] < this.eraseCount[best]) best = s;
    }
    if (best < 0) throw new StorageError("full", "no free sector");
    // Ready only while its body is blank: bits flipped in a free sector are erased, never programmed over.
    // Checked here, once per sector switch, rather than for every free sector at mount.
    if (this.ready[best] && !isBlank32(this.flash.read(best * this.size + RECORDS, this.size - RECORDS))) this.ready[best] = 0;
    // The old head names its successor, so a newest sector erased behind the store's back is not taken for
    // the victim of an interrupted collection (mount). Records left room for it; none after a torn-write repair.
    const mark = this.span(2);
    if (this.head >= 0 && this.headOffset + mark <= this.size) {
      this.writeRecord(OPEN_MARK, Uint8Array.of(best >>> 8, best & 0xff));
      this.live[this.head] -= mark;
    }
    if (!this.ready[best]) this.erase(best);
    const b = new Uint8Array(RECORDS);
    b.fill(0xff);
    const base = best * this.size;
    b.set(this.flash.read(base, PART_B), 0);
    const seq = this.nextSectorSeq++;
    if (seq >= SEQ_BITS) throw new StorageError("full", "sector sequence space used up");
    // The log's sector count once this one joins (0 when it does not fit 8 bits: not checked).
    const n = this.order.length + 1;
    put32(b, PART_B, seq + (n < 256 ? n * SEQ_BITS : 0));
    put32(b, PART_B + 4, crc32(b, 0, PART_B + 4));
    this.flash.write(base + PART_B, b.subarray(PART_B));
    this.ready[best] = 0;
    this.sectorSeq[best] = seq;
    this.live[best] = 0;
    this.order.push(best);
    this.head = best;
    this.headOffset = RECORDS;
    this.damageEnd = 0;
  }

  private writeRecord(type: number, body: Uint8Array): number {
    const u = this.unit;
    const span = this.span(body.length);
    const rec = new Uint8Array(span - u);
    rec.fill(0xff);
    rec[0] = type;
    rec[1] = body.length >>> 8;
    rec[2] = body.length & 0xff;
    put32(rec, 3, this.nextSeq++);
    rec.set(body, HDR);
    put32(rec, HDR + body.length, crc32(rec, 0, HDR + body.length));
    const addr = this.head * this.size + this.headOffset;
    this.flash.write(addr, rec);
    this.flash.write(addr + span - u, new Uint8Array(u));
    this.headOffset += span;
    this.live[this.head] += span;
    return addr;
  }
}


function isZero(b: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (b[i] !== 0) return false;
  return true;
}

/** isBlank over a whole fresh buffer, four bytes at a time. */
function isBlank32(b: Uint8Array): boolean {
  if (b.byteOffset % 4 !== 0 || b.length % 4 !== 0) return isBlank(b, 0, b.length);
  const w = new Uint32Array(b.buffer, b.byteOffset, b.length / 4);
  for (let i = 0; i < w.length; i++) if (w[i] !== 0xffffffff) return false;
  return true;
}

function isBlank(b: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (b[i] !== 0xff) return false;
  return true;
}
