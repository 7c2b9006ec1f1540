import { encodeApdu, type ApduFromMeter } from "../apdu/apdu.js";
import type { AttributeDescriptor, AttributeWithSelection, DataBlockSA, MethodDescriptor } from "../apdu/xdlms.js";
import { ActionResult, DataAccessResult, type AccessSelection, type EncodedStream } from "../interface-class.js";
import { concatBytes } from "../../util/bytes.js";
import { frozen } from "../../util/frozen.js";
import { NO_DATA } from "./replies.js";

/**
 * The bytes of one long response, handed out block by block. A value built
 * in RAM is sliced; an EncodedStream is pulled only as far as the block being
 * sent (plus one look-ahead pull to know whether it is the last), so a year
 * of load profile never sits in RAM whole.
 */
export class BlockSource {
  // Fields are `declare`d and set in the constructor: a plain declaration is emitted as a class
  // field (~40 B of XS bytecode per class). No #private method here: XS keeps the last instance of
  // a class with one alive through the method's home object, which kept a finished read's stream
  // state (13.8 KB after a one-day profile read) alive and out of heap.peak.* (ARCHITECTURE.md).
  declare private buf: Uint8Array;
  declare private stream: EncodedStream | undefined;
  declare private ended: boolean;

  constructor(bytes: Uint8Array, stream?: EncodedStream) {
    this.buf = bytes;
    this.stream = stream;
    this.ended = stream === undefined;
  }

  /**
   * Buffers until n bytes are available or the source ended. The pulls go
   * into one buffer that doubles (up to n) as they come: a few allocations
   * per block, not a growing copy per chunk pulled, and never n bytes for a
   * value that turns out short (fitsIn(maxAssembly) asks for 16 KiB on every
   * streamed item of a GET-with-list). A stream that hands out more than it
   * was asked (the contract says at most maxBytes) only costs a larger buffer.
   */
  private fill(n: number): void {
    const stream = this.stream;
    if (!stream || this.ended || this.buf.length >= n) return;
    // Starts as the held bytes (never written into: the first chunk grows it into a new buffer).
    let into = this.buf;
    let have = into.length;
    while (have < n) {
      const chunk = stream.next(n - have);
      // An empty chunk would spin forever: it ends the value like undefined does.
      if (chunk === undefined || chunk.length === 0) {
        this.ended = true;
        break;
      }
      if (have + chunk.length > into.length) {
        const grown = new Uint8Array(Math.max(have + chunk.length, Math.min(n, 2 * into.length + 256)));
        grown.set(into.subarray(0, have));
        into = grown;
      }
      into.set(chunk, have);
      have += chunk.length;
    }
    this.buf = have === into.length ? into : into.subarray(0, have);
  }

  /** True when everything left fits in n bytes (pulls ahead one byte to know). */
  fitsIn(n: number): boolean {
    // A value built in RAM has ended from the start: no pull (a call less for every short response).
    if (!this.ended) this.fill(n + 1);
    return this.ended && this.buf.length <= n;
  }

  /** Takes up to n bytes; `last` tells whether nothing remains after them. */
  take(n: number): { bytes: Uint8Array; last: boolean } {
    if (!this.ended) this.fill(n + 1);
    const buf = this.buf;
    if (n >= buf.length) {
      // All that is left: buf is this source's own (encoded or joined here), handed over without a copy.
      this.buf = NO_DATA;
      return { bytes: buf, last: this.ended };
    }
    // Views, not copies: nothing writes into buf once filled (the next fill makes a new buffer).
    this.buf = buf.subarray(n);
    return { bytes: buf.subarray(0, n), last: false };
  }
}

/**
 * Block transfer (IEC 62056-5-3 / Green Book 9.3.9): a long GET or ACTION
 * response handed out block by block, and a long SET or ACTION request
 * assembled block by block up to a size limit. This room only moves blocks
 * and answers out-of-sequence ones; the service room runs the assembled
 * request and checks rights.
 */

/** A long response being sent: its bytes and the number of the last block sent. */
export interface LongOut {
  readonly invokeId: number;
  readonly source: BlockSource;
  block: number;
}

interface Assembly {
  readonly invokeId: number;
  /** The blocks received so far, their total size and the number of the last one. */
  readonly chunks: Uint8Array[];
  size: number;
  block: number;
}

/** A long SET or ACTION request being received, by the service it will run once complete. */
export type LongIn = Assembly &
  (
    | { readonly kind: "set"; readonly descriptor: AttributeDescriptor; readonly access?: AccessSelection }
    | { readonly kind: "set-list"; readonly items: readonly AttributeWithSelection[] }
    | { readonly kind: "action"; readonly method: MethodDescriptor }
    | { readonly kind: "action-list"; readonly methods: readonly MethodDescriptor[] }
  );

/** The long transfers an association may have running: at most one per direction and service. */
export interface BlockTransfers {
  getLong?: LongOut | undefined;
  actionOut?: LongOut | undefined;
  longIn?: LongIn | undefined;
}

/** Bytes of a with-datablock / with-pblock response around its raw data. */
const BLOCK_OVERHEAD = 12;

/**
 * A service whose response may go out in blocks (GET with datablocks,
 * ACTION with pblocks): where an association keeps its transfer, how one
 * block is written, and the answer to a next-block request that matches no
 * transfer (none running, or another block number), which ends it.
 */
interface LongService {
  readonly slot: "getLong" | "actionOut";
  /** The APDUs, not their bytes: the caller encodes them, so a block costs no deeper stack than before. */
  block(invokeId: number, blockNumber: number, lastBlock: boolean, raw: Uint8Array): ApduFromMeter;
  refuse(invokeId: number, blockNumber: number, running: boolean): ApduFromMeter;
}

export const LONG_GET: LongService = frozen({
  slot: "getLong" as const,
  block: (invokeId: number, blockNumber: number, lastBlock: boolean, raw: Uint8Array): ApduFromMeter => ({ type: "get-response-with-datablock", invokeId, block: { lastBlock, blockNumber, result: { raw } } }),
  refuse: (invokeId: number, blockNumber: number, running: boolean): ApduFromMeter => ({
    type: "get-response-with-datablock",
    invokeId,
    block: { lastBlock: true, blockNumber, result: { error: running ? DataAccessResult.dataBlockNumberInvalid : DataAccessResult.noLongGetInProgress } },
  }),
});

export const LONG_ACTION: LongService = frozen({
  slot: "actionOut" as const,
  block: (invokeId: number, blockNumber: number, lastBlock: boolean, raw: Uint8Array): ApduFromMeter => ({ type: "action-response-with-pblock", invokeId, block: { lastBlock, blockNumber, raw } }),
  // Action-Result has no block-number-invalid: a broken transfer is long-action-aborted.
  refuse: (invokeId: number, _blockNumber: number, running: boolean): ApduFromMeter => ({
    type: "action-response-normal",
    invokeId,
    response: { result: running ? ActionResult.longActionAborted : ActionResult.noLongActionInProgress },
  }),
});

/** Starts a long response of `service` (the first block goes out at once). */
export function startLong(t: BlockTransfers, service: LongService, invokeId: number, source: BlockSource, room: number): Uint8Array {
  const out: LongOut = { invokeId, source, block: 0 };
  t[service.slot] = out;
  return nextBlock(t, service, out, room);
}

/** A next-block request (get-request-next, action-request-next-pblock): the next block, or the answer that ends the transfer. */
export function continueLong(t: BlockTransfers, service: LongService, invokeId: number, blockNumber: number, room: number): Uint8Array {
  const out = t[service.slot];
  if (!out || blockNumber !== out.block) {
    t[service.slot] = undefined;
    return encodeApdu(service.refuse(invokeId, blockNumber, out !== undefined));
  }
  return nextBlock(t, service, out, room);
}

function nextBlock(t: BlockTransfers, service: LongService, out: LongOut, room: number): Uint8Array {
  const { bytes, last } = out.source.take(room - BLOCK_OVERHEAD);
  out.block++;
  if (last) t[service.slot] = undefined;
  return encodeApdu(service.block(out.invokeId, out.block, last, bytes));
}

/**
 * A refused long SET or ACTION, answered in the response form of its request (IEC 62056-5-3, 8:
 * the with-list requests get Set-Response-Last-Datablock-With-List / Action-Response-With-List,
 * one result per item), never in the single-item form a client would not match.
 */
export function refuseLongIn(t: BlockTransfers, s: LongIn, result: number, blockNumber: number): Uint8Array {
  t.longIn = undefined;
  switch (s.kind) {
    case "set":
      return encodeApdu({ type: "set-response-last-datablock", invokeId: s.invokeId, result, blockNumber });
    case "set-list":
      return encodeApdu({ type: "set-response-last-datablock-with-list", invokeId: s.invokeId, results: s.items.map(() => result), blockNumber });
    case "action":
      return encodeApdu({ type: "action-response-normal", invokeId: s.invokeId, response: { result } });
    case "action-list":
      return encodeApdu({ type: "action-response-with-list", invokeId: s.invokeId, responses: s.methods.map(() => ({ result })) });
  }
}

/**
 * Takes one block of a long SET or ACTION request: the reply asking for the next block, or the
 * refusal of an out-of-sequence or oversized one; undefined once the last block is in, and then
 * `assembled(s)` is the value to run the service on.
 */
export function receiveBlock(t: BlockTransfers, s: LongIn, block: DataBlockSA, maxAssembly: number): Uint8Array | undefined {
  const isSet = s.kind === "set" || s.kind === "set-list";
  // Action-Result has no data-block-number-invalid: a broken action transfer is long-action-aborted.
  if (block.blockNumber !== s.block + 1) return refuseLongIn(t, s, isSet ? DataAccessResult.dataBlockNumberInvalid : ActionResult.longActionAborted, block.blockNumber);
  if (s.size + block.raw.length > maxAssembly) return refuseLongIn(t, s, isSet ? DataAccessResult.longSetAborted : ActionResult.longActionAborted, block.blockNumber);
  s.chunks.push(block.raw);
  s.size += block.raw.length;
  s.block = block.blockNumber;
  if (!block.lastBlock) {
    t.longIn = s;
    return isSet
      ? encodeApdu({ type: "set-response-datablock", invokeId: s.invokeId, blockNumber: s.block })
      : encodeApdu({ type: "action-response-next-pblock", invokeId: s.invokeId, blockNumber: s.block });
  }
  t.longIn = undefined;
  return undefined;
}

/** The whole value of a completed long request. */
export function assembled(s: LongIn): Uint8Array {
  return concatBytes(...s.chunks);
}
