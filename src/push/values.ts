/**
 * Reading push_object_list elements from the catalog, as encoded A-XDR: the
 * meter itself reads (management rights, client SAP 0), a profile buffer with
 * a restriction is read with the matching selective access (range by the
 * clock column for "by date", entry_descriptor for "by entry"), and an
 * attribute that streams (a profile buffer) is gathered up to `maxBytes`.
 * Restriction dates take their unspecified date fields from the push
 * instant's local date (window.ts), so `*-*-* 00:00` to `*-*-* 00:00` is the
 * row captured at this day's midnight: the daily profile's newest day.
 */
import { D, Tag, encodeData, type Data } from "../cosem/axdr.js";
import { dateTimeToBytes, type DateTime } from "../cosem/datetime.js";
import type { AccessSelection, CosemObject } from "../cosem/interface-class.js";
import { Obis } from "../cosem/obis.js";
import { concatBytes } from "../util/bytes.js";
import type { PushValues } from "./engine.js";
import type { PushObject } from "./setup.js";
import { MS_PER_DAY, localMsOf, type LocalClock } from "./window.js";

/** The clock column that range access restricts on (Blue Book 0-0:1.0.0.255, attribute 2). */
const CLOCK_LN = Obis.of(0, 0, 1, 0, 0, 255);

/** What the reader resolves elements in (the meter's catalog). */
interface ObjectResolver {
  resolve(classId: number, logicalName: Obis): CosemObject | undefined;
}

type ReaderClock = LocalClock & { dateTimeAt(utcMs: number): DateTime };

function definition(classId: number, ln: Obis, attribute: number, dataIndex: number): Data {
  return D.struct(D.u16(classId), D.octets(ln.toBytes()), D.i8(attribute), D.u16(dataIndex));
}

/** The selective access of a restricted element at an instant, or undefined for none (or a restriction that does not resolve). */
function selectionOf(o: PushObject, clock: ReaderClock, nowUtcMs: number): AccessSelection | undefined | null {
  const r = o.restriction;
  if (!r) return undefined;
  const columns = D.array((o.columns ?? []).map((c) => definition(c.classId, c.logicalName, c.attribute, c.dataIndex)));
  if (r.type === 2) {
    return { selector: 2, parameters: D.struct(D.u32(r.fromEntry), D.u32(r.toEntry), D.u16(1), D.u16(0)) };
  }
  const day = Math.floor(clock.localMsAt(nowUtcMs) / MS_PER_DAY);
  const from = localMsOf(r.from, day);
  const to = localMsOf(r.to, day);
  if (from === undefined || to === undefined) return null;
  const at = (local: number) => D.octets(dateTimeToBytes(clock.dateTimeAt(clock.utcOfLocal(local))));
  return { selector: 1, parameters: D.struct(definition(8, CLOCK_LN, 2, 0), at(from), at(to), columns) };
}

/** The push engine's values (PushValues) read from the catalog: one object with a method, not a closure (RAM on XS). */
export class CatalogReader implements PushValues {
  constructor(
    readonly objects: ObjectResolver,
    readonly clock: ReaderClock,
    /** The largest value gathered from a stream; a larger one is sent as null-data. */
    readonly maxBytes: number,
  ) {}

  read(o: PushObject, nowUtcMs: number): Uint8Array | undefined {
    const object = this.objects.resolve(o.classId, o.logicalName);
    if (!object || object.classId !== o.classId || o.attribute < 1 || o.attribute > object.attributeCount) return undefined;
    if (o.attribute === 1) return encodeData(D.octets(o.logicalName.toBytes()));
    const selection = selectionOf(o, this.clock, nowUtcMs);
    if (selection === null) return undefined;
    const r = object.get(o.attribute, { role: "management", clientSap: 0, nowUtcMs }, selection);
    if (!r.ok) return undefined;
    if (!("kind" in r.value)) {
      // data_index n > 0: the n-th element of an array or structure value (Blue Book, push_object_list).
      if (o.dataIndex === 0) return encodeData(r.value);
      const v = r.value;
      if ((v.tag !== Tag.Array && v.tag !== Tag.Structure) || o.dataIndex > v.value.length) return undefined;
      return encodeData(v.value[o.dataIndex - 1]);
    }
    const parts: Uint8Array[] = [];
    let size = 0;
    for (let chunk = r.value.next(1024); chunk; chunk = r.value.next(1024)) {
      size += chunk.length;
      if (size > this.maxBytes) return undefined;
      parts.push(chunk);
    }
    return concatBytes(...parts);
  }
}
