/**
 * imgtool's `--compression` codec: a raw LZMA2 stream (no .xz container),
 * optionally behind the ARM-Thumb BCJ filter, with the options main.py
 * passes to Python's lzma module (preset 9, dict 128 KiB, lc 3, lp 1, pb 2).
 * Python's lzma is liblzma; so is Debian's `xz`, which takes the same filter
 * chain on its command line and gives the same bytes (checked against
 * imgtool's images in host-tests/fota/fixtures/imgtool-compression).
 */
import { spawnSync } from "node:child_process";
import { UsageError } from "./sign.js";

/** main.py comp_default_*. */
const LZMA2_DEFAULTS = Object.freeze({ dictSize: 131072, pb: 2, lc: 3, lp: 1, preset: 9 });

export function lzma2Compress(data: Uint8Array, armThumb: boolean): Uint8Array {
  const d = LZMA2_DEFAULTS;
  const args = ["--format=raw", ...(armThumb ? ["--armthumb"] : []), `--lzma2=preset=${d.preset},dict=${d.dictSize},lc=${d.lc},lp=${d.lp},pb=${d.pb}`, "--stdout", "-"];
  const r = spawnSync("xz", args, { input: data, maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw new UsageError(`--compression needs the xz command (Debian package xz-utils): ${r.error.message}`);
  if (r.status !== 0) throw new UsageError(`xz failed: ${r.stderr.toString().trim()}`);
  return new Uint8Array(r.stdout);
}

/** main.py create_lzma2_header(): the dictionary-size byte and the lc/lp/pb properties byte bootutil's decoder reads first. */
export function lzma2Header(dictSize = LZMA2_DEFAULTS.dictSize, pb = LZMA2_DEFAULTS.pb, lc = LZMA2_DEFAULTS.lc, lp = LZMA2_DEFAULTS.lp): Uint8Array {
  let dict = 40;
  for (let i = 0; i < 40; i++) {
    if (dictSize <= (2 | (i & 1)) * 2 ** (Math.floor(i / 2) + 11)) {
      dict = i;
      break;
    }
  }
  return Uint8Array.from([dict, (pb * 5 + lp) * 9 + lc]);
}
