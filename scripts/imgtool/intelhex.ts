/**
 * Intel HEX as imgtool reads and writes it through python-intelhex 2.3:
 * reading gives the bytes from the lowest to the highest address with holes
 * filled with 0xff (IntelHex.tobinarray()) and the lowest address
 * (minaddr()); writing follows IntelHex.write_hex_file(): 16-byte data
 * records that never cross a hole or a 64 KiB boundary, an extended linear
 * address record before each 64 KiB segment when any address is above
 * 0xffff, upper-case hex, then the end-of-file record.
 */
export class HexError extends Error {}

export function parseIntelHex(text: string): { base: number; data: Uint8Array } {
  const bytes = new Map<number, number>();
  let upper = 0;
  let ended = false;
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (line === "") continue;
    if (ended) throw new HexError(`line ${i + 1}: data after the end-of-file record`);
    if (!/^:([0-9a-fA-F]{2})+$/.test(line)) throw new HexError(`line ${i + 1}: not an Intel HEX record`);
    const rec = Uint8Array.from(line.slice(1).match(/../g) as string[], (h) => parseInt(h, 16));
    const len = rec[0];
    if (rec.length !== len + 5) throw new HexError(`line ${i + 1}: record length`);
    if ((rec.reduce((a, b) => a + b, 0) & 0xff) !== 0) throw new HexError(`line ${i + 1}: checksum`);
    const offset = (rec[1] << 8) | rec[2];
    const type = rec[3];
    const body = rec.subarray(4, 4 + len);
    if (type === 0) for (let k = 0; k < len; k++) bytes.set(upper + offset + k, body[k]);
    else if (type === 1) ended = true;
    else if (type === 2) upper = ((body[0] << 8) | body[1]) << 4;
    else if (type === 4) upper = ((body[0] << 8) | body[1]) * 0x10000;
    else if (type !== 3 && type !== 5) throw new HexError(`line ${i + 1}: record type ${type}`);
  }
  if (bytes.size === 0) return { base: 0, data: new Uint8Array(0) };
  let min = Infinity;
  let max = -Infinity;
  for (const a of bytes.keys()) {
    if (a < min) min = a;
    if (a > max) max = a;
  }
  const data = new Uint8Array(max - min + 1).fill(0xff);
  for (const [a, b] of bytes) data[a - min] = b;
  return { base: min, data };
}

function record(type: number, address: number, body: ArrayLike<number>): string {
  const rec = [body.length, (address >> 8) & 0xff, address & 0xff, type, ...Array.from(body)];
  rec.push(-rec.reduce((a, b) => a + b, 0) & 0xff);
  return ":" + rec.map((b) => b.toString(16).padStart(2, "0")).join("").toUpperCase() + "\n";
}

/** `segments`: [address, bytes] pieces (later pieces overwrite earlier ones, as IntelHex.puts does). */
export function writeIntelHex(segments: readonly (readonly [number, Uint8Array])[]): string {
  const buf = new Map<number, number>();
  for (const [addr, data] of segments) for (let i = 0; i < data.length; i++) buf.set(addr + i, data[i]);
  const addresses = [...buf.keys()].sort((a, b) => a - b);
  let out = "";
  if (addresses.length > 0) {
    const maxaddr = addresses[addresses.length - 1];
    const needOffset = maxaddr > 0xffff;
    let ix = 0;
    let cur = addresses[0];
    while (cur <= maxaddr) {
      const high = Math.floor(cur / 0x10000);
      if (needOffset) out += record(4, 0, [(high >> 8) & 0xff, high & 0xff]);
      for (;;) {
        const low = cur & 0xffff;
        // A record runs over consecutive addresses only, at most 16, within the 64 KiB segment.
        let n = 1;
        const limit = Math.min(16, 0x10000 - low, maxaddr - cur + 1);
        while (n < limit && addresses[ix + n] === cur + n) n++;
        out += record(0, low, addresses.slice(ix, ix + n).map((a) => buf.get(a) as number));
        ix += n;
        if (ix >= addresses.length) {
          cur = maxaddr + 1;
          break;
        }
        cur = addresses[ix];
        if (Math.floor(cur / 0x10000) > high) break;
      }
    }
  }
  return out + ":00000001FF\n";
}
