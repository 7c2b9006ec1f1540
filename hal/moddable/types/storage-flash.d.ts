// ECMA-419 flash storage (`embedded:storage/flash`, Moddable SDK
// modules/io/flash/{esp32,zephyr}), for the standalone check against
// @moddable/typings 5.6.0, which predates it. Not referenced by any module:
// in an mcconfig build the SDK's typings/embedded/storage/flash.d.ts is used.
declare module "embedded:storage/flash" {
  export interface FlashStatus {
    size: number;
    blockLength: number;
    blocks: number;
    writeAlign: number;
    eraseValue: number;
  }
  export class Flash {
    close(): void;
    eraseBlock(start: number, end?: number): void;
    read(byteLength: number, byteOffset: number): ArrayBuffer;
    write(buffer: ArrayBuffer, byteOffset: number): void;
    status(): FlashStatus;
  }
  const FlashStorage: { open(options: { path: string; mode?: "r" | "r+" }): Flash };
  export default FlashStorage;
}
