/**
 * The one error type a decoder may throw. Every decoder in the firmware is
 * total: any byte string yields a value or a DecodeError, never another
 * exception, so a caller can map it to the protocol's own error reply.
 */
export class DecodeError extends Error {
  declare readonly code: string;
  declare readonly offset: number;
  constructor(code: string, message: string, offset = -1) {
    super(offset >= 0 ? `${message} (at byte ${offset})` : message);
    this.name = "DecodeError";
    this.code = code;
    this.offset = offset;
  }
}

/** Thrown when a value handed to an encoder cannot be represented. */
export class EncodeError extends Error {
  declare readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = "EncodeError";
    this.code = code;
  }
}
