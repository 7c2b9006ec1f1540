/**
 * AES-GCM (NIST SP 800-38D) for the simulated crypto port: the meter's
 * ciphering runs through it in every simulated and XS-benchmarked exchange,
 * so it is written to cost what a small software GCM costs, not what a
 * general-purpose library costs per call:
 * - the key schedule and the GHASH table are made once per key and kept
 *   (DLMS uses one block-cipher key per association for every APDU);
 * - AES is the 32-bit T-table form (FIPS 197 section 5.2 and the
 *   rijndael-alg-fst layout), state in locals;
 * - GHASH is Shoup's 8-bit table method: 256 multiples of H, one lookup per
 *   byte plus a 256-entry reduction table;
 * - open verifies the tag over the ciphertext, then decrypts: one pass of
 *   CTR and one of GHASH, as the standard defines it;
 * - nothing is allocated per block; a call allocates its result (and, to
 *   open, the expected tag).
 * A board uses its hardware AES instead (hal/moddable/crypto.ts).
 */

/** AES S-box and the four encryption T-tables, built once (FIPS 197 5.1.1 from GF(2^8) inverses). */
const SBOX = new Uint8Array(256);
const TE0 = new Uint32Array(256);
const TE1 = new Uint32Array(256);
const TE2 = new Uint32Array(256);
const TE3 = new Uint32Array(256);
/** GHASH reduction of the 8 bits shifted out by a multiplication by x^8 (already placed in the top word). */
const R8 = new Uint32Array(256);
buildTables();

function buildTables(): void {
  // Powers of the generator 3 give log/antilog tables for the inverses.
  const exp = new Uint8Array(256);
  const log = new Uint8Array(256);
  let x = 1;
  for (let i = 0; i < 255; i++) {
    exp[i] = x;
    log[x] = i;
    x ^= ((x << 1) ^ (x & 0x80 ? 0x1b : 0)) & 0xff;
  }
  for (let i = 0; i < 256; i++) {
    let s = i === 0 ? 0 : exp[(255 - log[i]) % 255];
    s = s ^ rotl8(s, 1) ^ rotl8(s, 2) ^ rotl8(s, 3) ^ rotl8(s, 4) ^ 0x63;
    SBOX[i] = s;
    const s2 = ((s << 1) ^ (s & 0x80 ? 0x1b : 0)) & 0xff;
    const s3 = s2 ^ s;
    const t = ((s2 << 24) | (s << 16) | (s << 8) | s3) >>> 0;
    TE0[i] = t;
    TE1[i] = ((t >>> 8) | (t << 24)) >>> 0;
    TE2[i] = ((t >>> 16) | (t << 16)) >>> 0;
    TE3[i] = ((t >>> 24) | (t << 8)) >>> 0;
  }
  for (let r = 0; r < 256; r++) {
    // (0, 0, 0, r) times x^8: eight single-bit steps; the result lives in the top word only.
    let z0 = 0;
    let z3 = r;
    for (let k = 0; k < 8; k++) {
      const lsb = z3 & 1;
      z3 >>>= 1;
      z3 |= (z0 & 1) << 31; // never set: z0's bits stay in its top 15 bits
      z0 >>>= 1;
      if (lsb) z0 ^= 0xe1000000;
    }
    R8[r] = z0 >>> 0;
  }
}

function rotl8(v: number, n: number): number {
  return ((v << n) | (v >>> (8 - n))) & 0xff;
}

/** One AES-GCM engine; keeps the schedule and GHASH table of the last key. */
export class AesGcm {
  private key = new Uint8Array(0);
  private rk = new Uint32Array(60);
  private rounds = 0;
  /** M[b] = b·H for every byte b, four big-endian words each. */
  private readonly m = new Uint32Array(1024);
  /** Scratch: the GHASH accumulator and the last block cipher output, four words each. */
  private readonly z = new Uint32Array(4);
  private readonly out = new Uint32Array(4);
  /** The pre-counter block J0 of the current call. */
  private readonly j = new Uint32Array(4);

  /** ciphertext ‖ first tagLength bytes of the tag. */
  seal(key: Uint8Array, iv: Uint8Array, aad: Uint8Array, plaintext: Uint8Array, tagLength: number): Uint8Array {
    checkTag(tagLength);
    this.setKey(key);
    const n = plaintext.length;
    const result = new Uint8Array(n + tagLength);
    const j0 = this.j0(iv);
    this.ctr(j0, plaintext, result, n);
    this.tag(j0, aad, result, n, result, n, tagLength);
    return result;
  }

  /** The plaintext, or undefined when the tag (its first tagLength bytes) does not verify. */
  open(key: Uint8Array, iv: Uint8Array, aad: Uint8Array, sealed: Uint8Array, tagLength: number): Uint8Array | undefined {
    checkTag(tagLength);
    if (sealed.length < tagLength) return undefined;
    this.setKey(key);
    const n = sealed.length - tagLength;
    const j0 = this.j0(iv);
    const expected = new Uint8Array(tagLength);
    this.tag(j0, aad, sealed, n, expected, 0, tagLength);
    let diff = 0;
    for (let i = 0; i < tagLength; i++) diff |= expected[i] ^ sealed[n + i];
    if (diff !== 0) return undefined;
    const plaintext = new Uint8Array(n);
    this.ctr(j0, sealed, plaintext, n);
    return plaintext;
  }

  private setKey(key: Uint8Array): void {
    const len = key.length;
    if (len !== 16 && len !== 24 && len !== 32) throw new Error(`AES key of ${len} bytes (16, 24 or 32)`);
    if (len === this.key.length) {
      let same = true;
      for (let i = 0; i < len; i++) if (key[i] !== this.key[i]) same = false;
      if (same) return;
    }
    this.key = key.slice();
    this.expand(key);
    // H = E(K, 0^128), then the table of its byte multiples.
    this.encryptBlock(0, 0, 0, 0);
    const m = this.m;
    let v0 = this.out[0];
    let v1 = this.out[1];
    let v2 = this.out[2];
    let v3 = this.out[3];
    // M[0x80] = H, M[0x40] = H·x, ..., M[0x01] = H·x^7 (GCM's reflected bit order).
    for (let b = 0x80; b > 0; b >>= 1) {
      m[b * 4] = v0;
      m[b * 4 + 1] = v1;
      m[b * 4 + 2] = v2;
      m[b * 4 + 3] = v3;
      const lsb = v3 & 1;
      v3 = ((v3 >>> 1) | (v2 << 31)) >>> 0;
      v2 = ((v2 >>> 1) | (v1 << 31)) >>> 0;
      v1 = ((v1 >>> 1) | (v0 << 31)) >>> 0;
      v0 = (v0 >>> 1) ^ (lsb ? 0xe1000000 : 0);
    }
    m[0] = m[1] = m[2] = m[3] = 0;
    // Every other byte value is the XOR of its bits' multiples.
    for (let i = 2; i < 256; i <<= 1) {
      for (let j = 1; j < i; j++) {
        const a = (i + j) * 4;
        m[a] = m[i * 4] ^ m[j * 4];
        m[a + 1] = m[i * 4 + 1] ^ m[j * 4 + 1];
        m[a + 2] = m[i * 4 + 2] ^ m[j * 4 + 2];
        m[a + 3] = m[i * 4 + 3] ^ m[j * 4 + 3];
      }
    }
  }

  /** FIPS 197 5.2 key expansion into big-endian words. */
  private expand(key: Uint8Array): void {
    const nk = key.length >> 2;
    this.rounds = nk + 6;
    const total = 4 * (this.rounds + 1);
    const rk = this.rk;
    for (let i = 0; i < nk; i++) rk[i] = ((key[4 * i] << 24) | (key[4 * i + 1] << 16) | (key[4 * i + 2] << 8) | key[4 * i + 3]) >>> 0;
    let rcon = 1;
    for (let i = nk; i < total; i++) {
      let t = rk[i - 1];
      if (i % nk === 0) {
        t = ((SBOX[(t >>> 16) & 0xff] << 24) | (SBOX[(t >>> 8) & 0xff] << 16) | (SBOX[t & 0xff] << 8) | SBOX[t >>> 24]) ^ (rcon << 24);
        rcon = ((rcon << 1) ^ (rcon & 0x80 ? 0x1b : 0)) & 0xff;
      } else if (nk > 6 && i % nk === 4) {
        t = (SBOX[t >>> 24] << 24) | (SBOX[(t >>> 16) & 0xff] << 16) | (SBOX[(t >>> 8) & 0xff] << 8) | SBOX[t & 0xff];
      }
      rk[i] = (rk[i - nk] ^ t) >>> 0;
    }
  }

  /** Encrypts one block given as four big-endian words; the result is left in this.out. */
  private encryptBlock(i0: number, i1: number, i2: number, i3: number): void {
    const rk = this.rk;
    let s0 = i0 ^ rk[0];
    let s1 = i1 ^ rk[1];
    let s2 = i2 ^ rk[2];
    let s3 = i3 ^ rk[3];
    let k = 4;
    for (let r = 1; r < this.rounds; r++) {
      const t0 = TE0[s0 >>> 24] ^ TE1[(s1 >>> 16) & 0xff] ^ TE2[(s2 >>> 8) & 0xff] ^ TE3[s3 & 0xff] ^ rk[k];
      const t1 = TE0[s1 >>> 24] ^ TE1[(s2 >>> 16) & 0xff] ^ TE2[(s3 >>> 8) & 0xff] ^ TE3[s0 & 0xff] ^ rk[k + 1];
      const t2 = TE0[s2 >>> 24] ^ TE1[(s3 >>> 16) & 0xff] ^ TE2[(s0 >>> 8) & 0xff] ^ TE3[s1 & 0xff] ^ rk[k + 2];
      const t3 = TE0[s3 >>> 24] ^ TE1[(s0 >>> 16) & 0xff] ^ TE2[(s1 >>> 8) & 0xff] ^ TE3[s2 & 0xff] ^ rk[k + 3];
      s0 = t0 >>> 0;
      s1 = t1 >>> 0;
      s2 = t2 >>> 0;
      s3 = t3 >>> 0;
      k += 4;
    }
    const out = this.out;
    out[0] = ((SBOX[s0 >>> 24] << 24) | (SBOX[(s1 >>> 16) & 0xff] << 16) | (SBOX[(s2 >>> 8) & 0xff] << 8) | SBOX[s3 & 0xff]) ^ rk[k];
    out[1] = ((SBOX[s1 >>> 24] << 24) | (SBOX[(s2 >>> 16) & 0xff] << 16) | (SBOX[(s3 >>> 8) & 0xff] << 8) | SBOX[s0 & 0xff]) ^ rk[k + 1];
    out[2] = ((SBOX[s2 >>> 24] << 24) | (SBOX[(s3 >>> 16) & 0xff] << 16) | (SBOX[(s0 >>> 8) & 0xff] << 8) | SBOX[s1 & 0xff]) ^ rk[k + 2];
    out[3] = ((SBOX[s3 >>> 24] << 24) | (SBOX[(s0 >>> 16) & 0xff] << 16) | (SBOX[(s1 >>> 8) & 0xff] << 8) | SBOX[s2 & 0xff]) ^ rk[k + 3];
  }

  /** The pre-counter block J0 (SP 800-38D 7.1 step 2) as four words: 12-byte IV ‖ 1, otherwise GHASH of the IV. */
  private j0(iv: Uint8Array): Uint32Array {
    if (iv.length === 0) throw new Error("GCM IV of 0 bytes");
    const j = this.j;
    if (iv.length === 12) {
      j[0] = word(iv, 0);
      j[1] = word(iv, 4);
      j[2] = word(iv, 8);
      j[3] = 1;
      return j;
    }
    const z = this.z;
    z[0] = z[1] = z[2] = z[3] = 0;
    this.ghash(iv, 0, iv.length);
    this.ghashBlock(0, 0, 0, iv.length * 8);
    j.set(z);
    return j;
  }

  /** GCTR from inc32(J0) (SP 800-38D 6.5): out[0, n) = in[0, n) XOR keystream. */
  private ctr(j0: Uint32Array, input: Uint8Array, output: Uint8Array, n: number): void {
    const c0 = j0[0];
    const c1 = j0[1];
    const c2 = j0[2];
    let c3 = j0[3];
    const ks = this.out;
    for (let p = 0; p < n; p += 16) {
      c3 = (c3 + 1) >>> 0;
      this.encryptBlock(c0, c1, c2, c3);
      const end = n - p < 16 ? n - p : 16;
      for (let i = 0; i < end; i++) output[p + i] = input[p + i] ^ (ks[i >> 2] >>> (24 - 8 * (i & 3)));
    }
  }

  /** The tag over aad and ciphertext c[0, n): first tagLength bytes written to dst at at. */
  private tag(j0: Uint32Array, aad: Uint8Array, c: Uint8Array, n: number, dst: Uint8Array, at: number, tagLength: number): void {
    const z = this.z;
    z[0] = z[1] = z[2] = z[3] = 0;
    this.ghash(aad, 0, aad.length);
    this.ghash(c, 0, n);
    // Lengths in bits as two 64-bit words (both below 2^32 bits here).
    this.ghashBlock(Math.floor(aad.length / 0x20000000), (aad.length * 8) >>> 0, Math.floor(n / 0x20000000), (n * 8) >>> 0);
    this.encryptBlock(j0[0], j0[1], j0[2], j0[3]);
    const e = this.out;
    for (let i = 0; i < tagLength; i++) dst[at + i] = ((z[i >> 2] ^ e[i >> 2]) >>> (24 - 8 * (i & 3))) & 0xff;
  }

  /** Folds bytes[from, to) into the accumulator, the last block zero-padded. */
  private ghash(bytes: Uint8Array, from: number, to: number): void {
    for (let p = from; p < to; p += 16) {
      if (to - p >= 16) {
        this.ghashBlock(word(bytes, p), word(bytes, p + 4), word(bytes, p + 8), word(bytes, p + 12));
      } else {
        this.ghashBlock(partialWord(bytes, p, to), partialWord(bytes, p + 4, to), partialWord(bytes, p + 8, to), partialWord(bytes, p + 12, to));
      }
    }
  }

  /** Z = (Z XOR X)·H with X given as four words: Horner over the bytes of X from the last, x^8 per step. */
  private ghashBlock(x0: number, x1: number, x2: number, x3: number): void {
    const z = this.z;
    const m = this.m;
    x0 ^= z[0];
    x1 ^= z[1];
    x2 ^= z[2];
    x3 ^= z[3];
    let a = (x3 & 0xff) * 4;
    let z0 = m[a];
    let z1 = m[a + 1];
    let z2 = m[a + 2];
    let z3 = m[a + 3];
    for (let i = 14; i >= 0; i--) {
      const w = i < 4 ? x0 : i < 8 ? x1 : i < 12 ? x2 : x3;
      const rem = z3 & 0xff;
      z3 = (z3 >>> 8) | (z2 << 24);
      z2 = (z2 >>> 8) | (z1 << 24);
      z1 = (z1 >>> 8) | (z0 << 24);
      a = ((w >>> (24 - 8 * (i & 3))) & 0xff) * 4;
      z0 = (z0 >>> 8) ^ R8[rem] ^ m[a];
      z1 ^= m[a + 1];
      z2 ^= m[a + 2];
      z3 ^= m[a + 3];
    }
    z[0] = z0;
    z[1] = z1;
    z[2] = z2;
    z[3] = z3;
  }
}

function word(b: Uint8Array, p: number): number {
  return ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0;
}

/** A big-endian word of bytes[p, p + 4) with the bytes at or past `to` read as zero. */
function partialWord(b: Uint8Array, p: number, to: number): number {
  let w = 0;
  for (let i = 0; i < 4; i++) w = (w << 8) | (p + i < to ? b[p + i] : 0);
  return w >>> 0;
}

function checkTag(tagLength: number): void {
  if (!Number.isInteger(tagLength) || tagLength < 4 || tagLength > 16) throw new Error(`GCM tag of ${tagLength} bytes (4..16)`);
}
