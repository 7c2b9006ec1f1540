/**
 * SHA-256 and SHA-512 in JavaScript, incremental: the simulated crypto
 * port's streaming hash (hal/sim/crypto.ts createHash), as a board's crypt
 * Digest is natively, and the host's software hash (src/fota/hash.ts).
 * Checked against the MCUboot images' published hashes
 * (host-tests/fota/verify-vectors.test.ts). Not firmware: no device manifest
 * maps it (manifest.json lists src/util's modules by name without it), since
 * the image verifier hashes through the crypto port. Both work on 32-bit
 * words only (SHA-512 as hi/lo pairs): BigInt is slow on XS.
 */
import type { HashAlgorithm, IncrementalHash } from "../../hal/crypto.js";

/** A fresh streaming hash of `algorithm`. */
export function sha2(algorithm: HashAlgorithm): IncrementalHash {
  return algorithm === "sha256" ? new Sha256() : new Sha512();
}

const K256 = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
  0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
  0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

/** Shared buffering for 64- and 128-byte block hashes. */
abstract class BlockHash implements IncrementalHash {
  abstract readonly digestLength: number;
  protected readonly block: Uint8Array;
  #fill = 0;
  #total = 0;
  #done = false;

  constructor(readonly blockLength: number) {
    this.block = new Uint8Array(blockLength);
  }

  /** Compresses the block of blockLength bytes at b[o..]. */
  protected abstract compress(b: Uint8Array, o: number): void;
  protected abstract output(): Uint8Array;

  update(data: Uint8Array, offset = 0, length = data.length - offset): void {
    if (this.#done) throw new Error("hash already finished");
    const end = offset + length;
    const bl = this.blockLength;
    const block = this.block;
    let i = offset;
    this.#total += length;
    // Whole blocks are compressed straight from the input: no copy, no view objects per block.
    while (i < end) {
      if (this.#fill === 0 && end - i >= bl) {
        this.compress(data, i);
        i += bl;
        continue;
      }
      let f = this.#fill;
      while (f < bl && i < end) block[f++] = data[i++];
      this.#fill = f;
      if (f === bl) {
        this.compress(block, 0);
        this.#fill = 0;
      }
    }
  }

  digest(): Uint8Array {
    if (this.#done) throw new Error("hash already finished");
    const bl = this.blockLength;
    const lenBytes = bl === 64 ? 8 : 16;
    const bits = this.#total * 8;
    this.block[this.#fill++] = 0x80;
    if (this.#fill > bl - lenBytes) {
      this.block.fill(0, this.#fill);
      this.compress(this.block, 0);
      this.#fill = 0;
    }
    this.block.fill(0, this.#fill);
    // Images are far below 2^53 bits: the high words of the length stay 0.
    const hi = Math.floor(bits / 0x100000000);
    const lo = bits >>> 0;
    const v = new DataView(this.block.buffer, this.block.byteOffset, bl);
    v.setUint32(bl - 8, hi >>> 0);
    v.setUint32(bl - 4, lo);
    this.compress(this.block, 0);
    this.#done = true;
    return this.output();
  }
}

class Sha256 extends BlockHash {
  readonly digestLength = 32;
  readonly #h = new Uint32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
  readonly #w = new Uint32Array(64);

  constructor() {
    super(64);
  }

  protected compress(b: Uint8Array, o: number): void {
    const w = this.#w;
    for (let i = 0, j = o; i < 16; i++, j += 4) w[i] = (b[j] << 24) | (b[j + 1] << 16) | (b[j + 2] << 8) | b[j + 3];
    for (let i = 16; i < 64; i++) {
      const x = w[i - 15];
      const y = w[i - 2];
      const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
      const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
      w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
    }
    const h = this.#h;
    let a = h[0], bb = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
    for (let i = 0; i < 64; i++) {
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const ch = (e & f) ^ (~e & g);
      const t1 = (hh + S1 + ch + K256[i] + w[i]) | 0;
      const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const maj = (a & bb) ^ (a & c) ^ (bb & c);
      const t2 = (S0 + maj) | 0;
      hh = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = bb;
      bb = a;
      a = (t1 + t2) | 0;
    }
    h[0] += a; h[1] += bb; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
  }

  protected output(): Uint8Array {
    const out = new Uint8Array(32);
    const v = new DataView(out.buffer);
    for (let i = 0; i < 8; i++) v.setUint32(i * 4, this.#h[i]);
    return out;
  }
}

// SHA-512 round constants as [hi, lo] pairs, interleaved.
const K512 = new Uint32Array([
  0x428a2f98, 0xd728ae22, 0x71374491, 0x23ef65cd, 0xb5c0fbcf, 0xec4d3b2f, 0xe9b5dba5, 0x8189dbbc, 0x3956c25b, 0xf348b538, 0x59f111f1, 0xb605d019,
  0x923f82a4, 0xaf194f9b, 0xab1c5ed5, 0xda6d8118, 0xd807aa98, 0xa3030242, 0x12835b01, 0x45706fbe, 0x243185be, 0x4ee4b28c, 0x550c7dc3, 0xd5ffb4e2,
  0x72be5d74, 0xf27b896f, 0x80deb1fe, 0x3b1696b1, 0x9bdc06a7, 0x25c71235, 0xc19bf174, 0xcf692694, 0xe49b69c1, 0x9ef14ad2, 0xefbe4786, 0x384f25e3,
  0x0fc19dc6, 0x8b8cd5b5, 0x240ca1cc, 0x77ac9c65, 0x2de92c6f, 0x592b0275, 0x4a7484aa, 0x6ea6e483, 0x5cb0a9dc, 0xbd41fbd4, 0x76f988da, 0x831153b5,
  0x983e5152, 0xee66dfab, 0xa831c66d, 0x2db43210, 0xb00327c8, 0x98fb213f, 0xbf597fc7, 0xbeef0ee4, 0xc6e00bf3, 0x3da88fc2, 0xd5a79147, 0x930aa725,
  0x06ca6351, 0xe003826f, 0x14292967, 0x0a0e6e70, 0x27b70a85, 0x46d22ffc, 0x2e1b2138, 0x5c26c926, 0x4d2c6dfc, 0x5ac42aed, 0x53380d13, 0x9d95b3df,
  0x650a7354, 0x8baf63de, 0x766a0abb, 0x3c77b2a8, 0x81c2c92e, 0x47edaee6, 0x92722c85, 0x1482353b, 0xa2bfe8a1, 0x4cf10364, 0xa81a664b, 0xbc423001,
  0xc24b8b70, 0xd0f89791, 0xc76c51a3, 0x0654be30, 0xd192e819, 0xd6ef5218, 0xd6990624, 0x5565a910, 0xf40e3585, 0x5771202a, 0x106aa070, 0x32bbd1b8,
  0x19a4c116, 0xb8d2d0c8, 0x1e376c08, 0x5141ab53, 0x2748774c, 0xdf8eeb99, 0x34b0bcb5, 0xe19b48a8, 0x391c0cb3, 0xc5c95a63, 0x4ed8aa4a, 0xe3418acb,
  0x5b9cca4f, 0x7763e373, 0x682e6ff3, 0xd6b2b8a3, 0x748f82ee, 0x5defb2fc, 0x78a5636f, 0x43172f60, 0x84c87814, 0xa1f0ab72, 0x8cc70208, 0x1a6439ec,
  0x90befffa, 0x23631e28, 0xa4506ceb, 0xde82bde9, 0xbef9a3f7, 0xb2c67915, 0xc67178f2, 0xe372532b, 0xca273ece, 0xea26619c, 0xd186b8c7, 0x21c0c207,
  0xeada7dd6, 0xcde0eb1e, 0xf57d4f7f, 0xee6ed178, 0x06f067aa, 0x72176fba, 0x0a637dc5, 0xa2c898a6, 0x113f9804, 0xbef90dae, 0x1b710b35, 0x131c471b,
  0x28db77f5, 0x23047d84, 0x32caab7b, 0x40c72493, 0x3c9ebe0a, 0x15c9bebc, 0x431d67c4, 0x9c100d4c, 0x4cc5d4be, 0xcb3e42b6, 0x597f299c, 0xfc657e2a,
  0x5fcb6fab, 0x3ad6faec, 0x6c44198c, 0x4a475817,
]);

class Sha512 extends BlockHash {
  readonly digestLength = 64;
  // [hi, lo] pairs of the 8 state words.
  readonly #h = new Uint32Array([
    0x6a09e667, 0xf3bcc908, 0xbb67ae85, 0x84caa73b, 0x3c6ef372, 0xfe94f82b, 0xa54ff53a, 0x5f1d36f1, 0x510e527f, 0xade682d1, 0x9b05688c, 0x2b3e6c1f,
    0x1f83d9ab, 0xfb41bd6b, 0x5be0cd19, 0x137e2179,
  ]);
  readonly #w = new Uint32Array(160);

  constructor() {
    super(128);
  }

  protected compress(b: Uint8Array, o: number): void {
    const w = this.#w;
    for (let i = 0, j = o; i < 32; i++, j += 4) w[i] = (b[j] << 24) | (b[j + 1] << 16) | (b[j + 2] << 8) | b[j + 3];
    for (let i = 16; i < 80; i++) {
      // s0 = rotr1 ^ rotr8 ^ shr7 of w[i-15]; s1 = rotr19 ^ rotr61 ^ shr6 of w[i-2]
      const xh = w[(i - 15) * 2], xl = w[(i - 15) * 2 + 1];
      const s0h = ((xh >>> 1) | (xl << 31)) ^ ((xh >>> 8) | (xl << 24)) ^ (xh >>> 7);
      const s0l = ((xl >>> 1) | (xh << 31)) ^ ((xl >>> 8) | (xh << 24)) ^ ((xl >>> 7) | (xh << 25));
      const yh = w[(i - 2) * 2], yl = w[(i - 2) * 2 + 1];
      const s1h = ((yh >>> 19) | (yl << 13)) ^ ((yl >>> 29) | (yh << 3)) ^ (yh >>> 6);
      const s1l = ((yl >>> 19) | (yh << 13)) ^ ((yh >>> 29) | (yl << 3)) ^ ((yl >>> 6) | (yh << 26));
      let lo = (s0l >>> 0) + (s1l >>> 0) + w[(i - 16) * 2 + 1] + w[(i - 7) * 2 + 1];
      const hi = s0h + s1h + w[(i - 16) * 2] + w[(i - 7) * 2] + Math.floor(lo / 0x100000000);
      lo = lo >>> 0;
      w[i * 2] = hi | 0;
      w[i * 2 + 1] = lo;
    }
    const H = this.#h;
    let ah = H[0], al = H[1], bh = H[2], bl = H[3], ch = H[4], cl = H[5], dh = H[6], dl = H[7];
    let eh = H[8], el = H[9], fh = H[10], fl = H[11], gh = H[12], gl = H[13], hh = H[14], hl = H[15];
    for (let i = 0; i < 80; i++) {
      // S1 = rotr14 ^ rotr18 ^ rotr41 of e
      const S1h = ((eh >>> 14) | (el << 18)) ^ ((eh >>> 18) | (el << 14)) ^ ((el >>> 9) | (eh << 23));
      const S1l = ((el >>> 14) | (eh << 18)) ^ ((el >>> 18) | (eh << 14)) ^ ((eh >>> 9) | (el << 23));
      const chh = (eh & fh) ^ (~eh & gh);
      const chl = (el & fl) ^ (~el & gl);
      let t1l = (hl >>> 0) + (S1l >>> 0) + (chl >>> 0) + K512[i * 2 + 1] + w[i * 2 + 1];
      const t1h = (hh + S1h + chh + K512[i * 2] + w[i * 2] + Math.floor(t1l / 0x100000000)) | 0;
      t1l = t1l >>> 0;
      // S0 = rotr28 ^ rotr34 ^ rotr39 of a
      const S0h = ((ah >>> 28) | (al << 4)) ^ ((al >>> 2) | (ah << 30)) ^ ((al >>> 7) | (ah << 25));
      const S0l = ((al >>> 28) | (ah << 4)) ^ ((ah >>> 2) | (al << 30)) ^ ((ah >>> 7) | (al << 25));
      const mh = (ah & bh) ^ (ah & ch) ^ (bh & ch);
      const ml = (al & bl) ^ (al & cl) ^ (bl & cl);
      let t2l = (S0l >>> 0) + (ml >>> 0);
      const t2h = (S0h + mh + Math.floor(t2l / 0x100000000)) | 0;
      t2l = t2l >>> 0;
      hh = gh; hl = gl;
      gh = fh; gl = fl;
      fh = eh; fl = el;
      let nl = (dl >>> 0) + t1l;
      eh = (dh + t1h + Math.floor(nl / 0x100000000)) | 0;
      el = nl >>> 0;
      dh = ch; dl = cl;
      ch = bh; cl = bl;
      bh = ah; bl = al;
      nl = t1l + t2l;
      ah = (t1h + t2h + Math.floor(nl / 0x100000000)) | 0;
      al = nl >>> 0;
    }
    add64(H, 0, ah, al); add64(H, 2, bh, bl); add64(H, 4, ch, cl); add64(H, 6, dh, dl);
    add64(H, 8, eh, el); add64(H, 10, fh, fl); add64(H, 12, gh, gl); add64(H, 14, hh, hl);
  }

  protected output(): Uint8Array {
    const out = new Uint8Array(64);
    const v = new DataView(out.buffer);
    for (let i = 0; i < 16; i++) v.setUint32(i * 4, this.#h[i]);
    return out;
  }
}

function add64(H: Uint32Array, i: number, h: number, l: number): void {
  const lo = H[i + 1] + (l >>> 0);
  H[i] = H[i] + h + Math.floor(lo / 0x100000000);
  H[i + 1] = lo >>> 0;
}
