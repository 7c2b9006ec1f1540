import { describe, expect, it } from "vitest";
import type { EncodedStream } from "../../src/cosem/interface-class.js";
import { BlockSource } from "../../src/cosem/server/blocks.js";

/** The bytes 0, 1, 2, … (mod 256), handed out `chunk` at a time, or `over` more than asked when set. */
function counting(total: number, chunk: number, over = 0): EncodedStream {
  let at = 0;
  return {
    kind: "stream",
    next(maxBytes) {
      if (at >= total) return undefined;
      const n = Math.min(total - at, over ? maxBytes + over : Math.min(chunk, maxBytes));
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) out[i] = (at + i) & 0xff;
      at += n;
      return out;
    },
  };
}

function drain(src: BlockSource, block: number): Uint8Array[] {
  const blocks: Uint8Array[] = [];
  for (;;) {
    const b = src.take(block);
    blocks.push(b.bytes);
    if (b.last) return blocks;
  }
}

function checkSequence(blocks: Uint8Array[], total: number): void {
  let at = 0;
  for (const b of blocks) for (let i = 0; i < b.length; i++) expect(b[i]).toBe(at++ & 0xff);
  expect(at).toBe(total);
}

describe("BlockSource hands out a stream block by block", () => {
  it("small chunks: every byte once, in order, full blocks but the last", () => {
    const blocks = drain(new BlockSource(new Uint8Array(0), counting(1000, 7)), 100);
    expect(blocks.map((b) => b.length)).toEqual([100, 100, 100, 100, 100, 100, 100, 100, 100, 100]);
    checkSequence(blocks, 1000);
  });

  it("a stream that hands out more than it was asked loses nothing", () => {
    const blocks = drain(new BlockSource(new Uint8Array(0), counting(1000, 0, 37)), 64);
    expect(blocks.slice(0, -1).every((b) => b.length === 64)).toBe(true);
    checkSequence(blocks, 1000);
  });

  it("asking whether a short value fits in 16 KiB does not buffer 16 KiB for it", () => {
    const src = new BlockSource(new Uint8Array(0), counting(300, 50));
    expect(src.fitsIn(16384)).toBe(true);
    const all = src.take(16384);
    expect(all.last).toBe(true);
    checkSequence([all.bytes], 300);
    // The bytes handed over sit in a buffer about their own size, not one of the 16 KiB asked for.
    expect(all.bytes.buffer.byteLength).toBeLessThan(1024);
  });
});
