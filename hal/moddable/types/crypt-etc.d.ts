// Moddable SDK modules/crypt/etc/{ecdsa,curve,rng}.js and
// modules/crypt/arith/ecp.js (JavaScript over XS BigInt and the native
// modular arithmetic in modules/crypt/arith). Only what the HAL uses.
declare module "ecp" {
  export default class ECPoint {
    constructor(x: bigint, y: bigint, identity?: boolean);
    readonly X: bigint;
    readonly Y: bigint;
  }
}

declare module "curve" {
  export default class Curve {
    constructor(name: "secp256r1" | "secp384r1");
    readonly n: bigint;
    readonly orderSize: number;
  }
}

declare module "ecdsa" {
  import type ECPoint from "ecp";
  import type Curve from "curve";
  export default class ECDSA {
    constructor(key: ECPoint | bigint, curve: Curve);
    /** H is the message digest; sig is r||s (asn1 false). */
    verify(H: ArrayBuffer, sig: ArrayBuffer, asn1?: boolean): boolean;
  }
}

declare module "rng" {
  const RNG: { get(n: number): ArrayBuffer; init(seed?: ArrayBufferLike): void };
  export default RNG;
}
