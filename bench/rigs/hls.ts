import { ApplicationContext, Mechanism } from "../../src/cosem/apdu/acse.js";
import { encodeAarq } from "../../src/cosem/client/client-apdu.js";

/** The client challenge (CtoS) the tests and bench operations send: 16 bytes, within HLS's 8..64. */
export const TEST_CTOS: Uint8Array = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16);

/** An HLS-GMAC AARQ (ciphered LN context) carrying the client's sealed InitiateRequest. */
export function hlsGmacAarq(callingApTitle: Uint8Array, sealedInitiate: Uint8Array, ctos: Uint8Array = TEST_CTOS): Uint8Array {
  return encodeAarq({
    type: "aarq",
    applicationContext: ApplicationContext.lnCiphered,
    callingApTitle,
    authenticationRequested: true,
    mechanism: Mechanism.hlsGmac,
    authenticationValue: ctos,
    userInformation: sealedInitiate,
  });
}
