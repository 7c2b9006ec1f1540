/**
 * Profile Generic buffer to CSV: one header from capture_objects
 * (`0-0:1.0.0*255 attr 2`), one row per entry. Date-times become ISO text
 * in the meter's local time as it sent them; everything else as the lab
 * displays it.
 */
import { Tag, type Data } from "../../src/cosem/axdr.js";
import { Obis } from "../../src/cosem/obis.js";
import { formatData } from "./values.js";

export function captureHeader(captureObjects: Data): string[] {
  if (captureObjects.tag !== Tag.Array) return [];
  return (captureObjects.value as Data[]).map((c, i) => {
    const s = c.tag === Tag.Structure ? (c.value as Data[]) : [];
    const ln = s[1];
    if (s.length < 3 || !ln || ln.tag !== Tag.OctetString || (ln.value as Uint8Array).length !== 6) return `column ${i + 1}`;
    return `${Obis.fromBytes(ln.value as Uint8Array).toString()} attr ${String(s[2].value)}`;
  });
}

function cell(d: Data): string {
  const text = d.tag === Tag.OctetString || d.tag === Tag.VisibleString ? formatData(d).replace(/^"|"$/g, "") : formatData(d);
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** CSV lines (without trailing newline) for buffer entries. */
export function bufferRows(buffer: Data): string[] {
  if (buffer.tag !== Tag.Array) return [];
  return (buffer.value as Data[]).map((row) => (row.tag === Tag.Structure ? (row.value as Data[]).map(cell).join(",") : cell(row)));
}

export function headerLine(header: string[]): string {
  return header.map((h) => (/[",\n]/.test(h) ? `"${h.replace(/"/g, '""')}"` : h)).join(",");
}
