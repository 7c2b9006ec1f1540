import { encodeApdu } from "../apdu/apdu.js";

/** The empty byte string (no date-time, no value yet, no secret). */
export const NO_DATA = new Uint8Array(0);

/** An ExceptionResponse: what every room answers when a request cannot be served at all. */
export function exception(stateError: number, serviceError: number, invocationCounter?: number): Uint8Array {
  return encodeApdu(
    invocationCounter === undefined
      ? { type: "exception-response", stateError, serviceError }
      : { type: "exception-response", stateError, serviceError, invocationCounter },
  );
}
