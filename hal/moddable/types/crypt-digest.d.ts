// Moddable SDK modules/crypt/digest/crypt.js Digest, for the standalone check
// against @moddable/typings 5.6.0 (which has no crypt module). Not listed in
// manifest.json: the SDK's own typings/crypt.d.ts declares this class there.
declare module "crypt" {
  export class Digest {
    constructor(type: "MD5" | "SHA1" | "SHA224" | "SHA256" | "SHA384" | "SHA512");
    write(message: string | ArrayBufferLike | Uint8Array): void;
    close(): ArrayBuffer;
    reset(): void;
  }
}
