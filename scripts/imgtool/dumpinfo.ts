/**
 * `imgtool dumpinfo`: the header, TLV areas and trailer of an image file, in
 * the human and JSON forms of MCUboot's imgtool 2.4.0 (dumpinfo.py), read the
 * way it reads them (the unprotected area follows the walked protected TLVs,
 * the trailer is looked for at the end of the file when bytes follow the
 * TLVs). Where imgtool crashes on a truncated file this throws DumpError.
 */
export class DumpError extends Error {}

const IMAGE_F: [string, number][] = [
  ["PIC", 0x1],
  ["ENCRYPTED_AES128", 0x4],
  ["ENCRYPTED_AES256", 0x8],
  ["NON_BOOTABLE", 0x10],
  ["RAM_LOAD", 0x20],
  ["ROM_FIXED", 0x100],
  ["COMPRESSED_LZMA1", 0x200],
  ["COMPRESSED_LZMA2", 0x400],
  ["COMPRESSED_ARM_THUMB", 0x800],
];

const TLV_NAMES: Record<number, string> = {
  0x01: "KEYHASH",
  0x02: "PUBKEY",
  0x10: "SHA256",
  0x11: "SHA384",
  0x12: "SHA512",
  0x20: "RSA2048",
  0x22: "ECDSASIG",
  0x23: "RSA3072",
  0x24: "ED25519",
  0x25: "SIG_PURE",
  0x30: "ENCRSA2048",
  0x31: "ENCKW",
  0x32: "ENCEC256",
  0x33: "ENCX25519",
  0x34: "ENCX25519_SHA512",
  0x40: "DEPENDENCY",
  0x50: "SEC_CNT",
  0x60: "BOOT_RECORD",
  0x70: "DECOMP_SIZE",
  0x71: "DECOMP_SHA",
  0x72: "DECOMP_SIGNATURE",
  0x73: "COMP_DEC_SIZE",
  0x74: "UUID_VID",
  0x75: "UUID_CID",
};

const BOOT_MAGIC = [0x77, 0xc2, 0x95, 0xf3, 0x60, 0xd2, 0xef, 0x7f, 0x35, 0x52, 0x50, 0x0f, 0x2c, 0xb6, 0x79, 0x80];
const BOOT_MAGIC_2 = [0x2d, 0xe1, 0x5d, 0x29, 0x41, 0x0b, 0x8d, 0x77, 0x67, 0x9c, 0x11, 0x0f, 0x1f, 0x8a];
const LINE = 60;

export interface DumpTlv {
  type: number;
  type_name: string;
  len: number;
  data: Uint8Array;
}

export interface ImageInfo {
  filename: string;
  header: { magic: number; load_addr: number; hdr_size: number; protected_tlv_size: number; img_size: number; flags: number; version: string };
  tlv_area: { tlv_hdr_prot: { magic?: number; tlv_tot?: number }; tlvs_prot: DumpTlv[]; tlv_hdr: { magic?: number; tlv_tot?: number }; tlvs: DumpTlv[] };
  trailer: { magic?: Uint8Array; image_ok?: number; copy_done?: number; swap_info?: number; swap_size?: number; key_field_len?: number };
  /** Printed by imgtool while reading (before the dump). */
  warnings: string[];
}

export function readImageInfo(b: Uint8Array, filename: string): ImageInfo {
  const v = new DataView(b.buffer, b.byteOffset, b.length);
  const need = (o: number, n: number): void => {
    if (o < 0 || o + n > b.length) throw new DumpError(`Error: image truncated: ${n} bytes needed at offset ${o}, file has ${b.length}`);
  };
  need(0, 28);
  const header = {
    magic: v.getUint32(0, true),
    load_addr: v.getUint32(4, true),
    hdr_size: v.getUint16(8, true),
    protected_tlv_size: v.getUint16(10, true),
    img_size: v.getUint32(12, true),
    flags: v.getUint32(16, true),
    version: `${b[20]}.${b[21]}.${v.getUint16(22, true)}+${v.getUint32(24, true)}`,
  };
  const area: ImageInfo["tlv_area"] = { tlv_hdr_prot: {}, tlvs_prot: [], tlv_hdr: {}, tlvs: [] };
  let off = header.hdr_size + header.img_size;
  const walk = (end: number, out: DumpTlv[]): void => {
    while (off < end) {
      need(off, 4);
      const type = v.getUint16(off, true);
      const len = v.getUint16(off + 2, true);
      off += 4;
      out.push({ type, type_name: TLV_NAMES[type] ?? "UNKNOWN", len, data: b.slice(off, off + len) });
      off += len;
    }
  };
  if (header.protected_tlv_size !== 0) {
    need(off, 4);
    area.tlv_hdr_prot = { magic: v.getUint16(off, true), tlv_tot: v.getUint16(off + 2, true) };
    const end = off + (area.tlv_hdr_prot.tlv_tot as number);
    off += 4;
    walk(end, area.tlvs_prot);
  }
  need(off, 4);
  area.tlv_hdr = { magic: v.getUint16(off, true), tlv_tot: v.getUint16(off + 2, true) };
  const tlvEnd = off + (area.tlv_hdr.tlv_tot as number);
  off += 4;
  walk(tlvEnd, area.tlvs);

  const trailer: ImageInfo["trailer"] = {};
  const warnings: string[] = [];
  if (b.length - tlvEnd !== 0) {
    const magic = b.slice(Math.max(0, b.length - 16));
    trailer.magic = magic;
    let maxAlign: number | undefined;
    if (magic.length === 16 && BOOT_MAGIC.every((x, i) => magic[i] === x)) maxAlign = 8;
    else if (magic.length >= 14 && BOOT_MAGIC_2.every((x, i) => magic[magic.length - 14 + i] === x)) maxAlign = magic[0] | (magic[1] << 8);
    else warnings.push("Warning: the trailer magic value is invalid!");
    if (maxAlign !== undefined) {
      let t = b.length - 16;
      if (maxAlign > 16) t -= maxAlign - 16;
      t -= maxAlign;
      need(t, 1);
      trailer.image_ok = b[t];
      t -= maxAlign;
      trailer.copy_done = b[t];
      t -= maxAlign;
      trailer.swap_info = b[t];
      t -= maxAlign;
      need(t, 4);
      trailer.swap_size = v.getUint32(t, true);
      if (header.flags & 0xc) trailer.key_field_len = Math.ceil(16 / maxAlign) * maxAlign * 2;
    }
  }
  return { filename, header, tlv_area: area, trailer, warnings };
}

const hx = (n: number): string => "0x" + n.toString(16);

function row(text: string): string {
  const t = "#### " + text + " ";
  return t + "#".repeat(Math.max(0, LINE - t.length));
}

function frame(title: string, content: string): string {
  const header = "#### " + title + " ";
  const offset = Math.floor((LINE - content.length) / 2);
  const pre = "|" + " ".repeat(offset - 1);
  const post = " ".repeat(LINE - pre.length - content.length - 1) + "|";
  return [header + "#".repeat(LINE - header.length), "|" + " ".repeat(LINE - 2) + "|", pre + content + post, "|" + " ".repeat(LINE - 2) + "|", "#".repeat(LINE)].join("\n");
}

function tlvRecords(list: DumpTlv[]): string {
  const ind = " ".repeat(LINE >> 3);
  const lines: string[] = [];
  for (const t of list) {
    lines.push(ind + " " + "-".repeat(45));
    lines.push(`${ind} type: ${t.type_name} (${hx(t.type)})`);
    lines.push(`${ind} len:  ${hx(t.len)}`);
    let line = ind + " data: ";
    t.data.forEach((d, j) => {
      line += "0x" + d.toString(16).padStart(2, "0") + " ";
      if ((j + 1) % 8 === 0 && j + 1 !== t.data.length) {
        lines.push(line);
        line = " ".repeat((LINE >> 3) + 7);
      }
    });
    lines.push(line);
  }
  return lines.join("\n");
}

function status(n: number): string {
  const names: Record<number, string> = { 1: "SET", 2: "BAD", 3: "UNSET", 4: "ANY" };
  return names[n] ? `${names[n]} (${hx(n)})` : `INVALID (${hx(n)})`;
}

export function formatHuman(info: ImageInfo): string {
  const out: string[] = [];
  const p = (s = ""): void => {
    out.push(s + "\n");
  };
  p(`Printing content of signed image: ${info.filename} \n`);
  p(row("Image header (offset: 0x0)"));
  const h = info.header;
  for (const [key, value] of Object.entries(h)) {
    let text: string;
    if (key === "flags") {
      text = value === 0 ? hx(0) : IMAGE_F.filter(([, bit]) => (value as number) & bit).map(([n, bit]) => `${n} (${hx(bit)})`).join("\n" + " ".repeat(20));
    } else text = typeof value === "string" ? value : hx(value);
    p(key + ":" + " ".repeat(Math.max(0, 19 - key.length)) + text);
  }
  p("#".repeat(LINE));
  let off = h.hdr_size;
  p(frame(`Payload (offset: ${hx(off)})`, `FW image (size: ${hx(h.img_size)} Bytes)`));
  off += h.img_size;
  const a = info.tlv_area;
  if (h.protected_tlv_size !== 0) {
    p(row(`Protected TLV area (offset: ${hx(off)})`));
    p("magic:     " + hx(a.tlv_hdr_prot.magic ?? 0));
    p("area size: " + hx(a.tlv_hdr_prot.tlv_tot ?? 0));
    p(tlvRecords(a.tlvs_prot));
    p("#".repeat(LINE));
  }
  off += h.protected_tlv_size;
  p(row(`TLV area (offset: ${hx(off)})`));
  p("magic:     " + hx(a.tlv_hdr.magic ?? 0));
  p("area size: " + hx(a.tlv_hdr.tlv_tot ?? 0));
  p(tlvRecords(a.tlvs));
  p("#".repeat(LINE));
  const t = info.trailer;
  if (t.magic && t.magic.length > 0) {
    p(row("Image trailer (offset: unknown)"));
    p("(Note: some fields may not be used, depending on the update \nstrategy)\n");
    p("swap status: (len: unknown)");
    p("enc. keys:   " + (t.key_field_len !== undefined ? `(len: ${hx(t.key_field_len)}, if BOOT_SWAP_SAVE_ENCTLV is unset)` : "Image not encrypted"));
    if (t.swap_size !== undefined) p("swap size:   " + (t.swap_size === 0xffffffff ? "unknown" : `${hx(t.swap_size)} octal: ${t.swap_size}`));
    if (t.swap_info !== undefined) p("swap_info:   " + status(t.swap_info));
    if (t.copy_done !== undefined) p("copy_done:   " + status(t.copy_done));
    if (t.image_ok !== undefined) p("image_ok:    " + status(t.image_ok));
    let m = "";
    t.magic.forEach((x, i) => {
      m += "0x" + x.toString(16).padStart(2, "0") + " ";
      if (i === 7) m += "\n" + " ".repeat(13);
    });
    p("boot magic:  " + m);
    p();
  }
  p(row("End of Image "));
  return out.join("");
}

/** dumpinfo -f json (bytes as hex, as imgtool's serializer writes them). */
export function formatJson(info: ImageInfo): string {
  const tlv = (t: DumpTlv): object => ({ type: t.type, type_name: t.type_name, len: t.len, data: Buffer.from(t.data).toString("hex") });
  const tr: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(info.trailer)) tr[k] = v instanceof Uint8Array ? Buffer.from(v).toString("hex") : v;
  return JSON.stringify(
    {
      filename: info.filename,
      header: info.header,
      tlv_area: { tlv_hdr_prot: info.tlv_area.tlv_hdr_prot, tlvs_prot: info.tlv_area.tlvs_prot.map(tlv), tlv_hdr: info.tlv_area.tlv_hdr, tlvs: info.tlv_area.tlvs.map(tlv) },
      trailer: tr,
    },
    null,
    2,
  );
}

/**
 * `dumpinfo -o FILE` (or `-f yaml`): the same structure as JSON, written the
 * way PyYAML's yaml.dump(sort_keys=False) writes it (block style, sequences
 * not indented under their key, bytes as `!!binary |` base64 in lines of 76,
 * empty mappings and sequences as `{}` and `[]`).
 */
export function formatYaml(info: ImageInfo): string {
  type Y = number | string | Uint8Array | Y[] | { [k: string]: Y | undefined };
  const doc: Y = {
    filename: info.filename,
    header: info.header,
    tlv_area: { tlv_hdr_prot: info.tlv_area.tlv_hdr_prot, tlvs_prot: info.tlv_area.tlvs_prot as unknown as Y[], tlv_hdr: info.tlv_area.tlv_hdr, tlvs: info.tlv_area.tlvs as unknown as Y[] },
    trailer: info.trailer,
  };
  const lines: string[] = [];
  const scalar = (v: number | string): string => {
    if (typeof v === "number") return String(v);
    // Plain unless PyYAML would read it as something else or it holds YAML syntax.
    const resolvesToOther =
      /^(true|false|yes|no|on|off|y|n|null|~)$/i.test(v) || /^[-+]?(0|[1-9][0-9_]*|0[0-7_]+|0x[0-9a-fA-F_]+|0b[01_]+)$/.test(v) || /^[-+]?([0-9][0-9_]*)?\.[0-9_]*([eE][-+][0-9]+)?$/.test(v);
    const plain = /^[A-Za-z0-9_./][A-Za-z0-9_.+\/-]*$/.test(v) && !resolvesToOther;
    return plain ? v : `'${v.replace(/'/g, "''")}'`;
  };
  const binary = (b: Uint8Array, pad: string): void => {
    const b64 = Buffer.from(b).toString("base64");
    for (let i = 0; i < b64.length; i += 76) lines.push(pad + b64.slice(i, i + 76));
  };
  const mapping = (m: { [k: string]: Y | undefined }, indent: number, first?: string): void => {
    const pad = " ".repeat(indent);
    let lead = first;
    for (const [k, v] of Object.entries(m)) {
      if (v === undefined) continue;
      const head = (lead ?? pad) + k + ":";
      lead = undefined;
      if (typeof v === "number" || typeof v === "string") lines.push(`${head} ${scalar(v)}`);
      else if (v instanceof Uint8Array) {
        lines.push(`${head} !!binary |`);
        binary(v, pad + "  ");
      } else if (Array.isArray(v)) {
        if (v.length === 0) lines.push(`${head} []`);
        else {
          lines.push(head);
          for (const item of v) mapping(item as { [k: string]: Y }, indent + 2, pad + "- ");
        }
      } else if (Object.values(v).every((x) => x === undefined)) lines.push(`${head} {}`);
      else {
        lines.push(head);
        mapping(v, indent + 2);
      }
    }
  };
  mapping(doc as { [k: string]: Y }, 0);
  return lines.join("\n") + "\n";
}
