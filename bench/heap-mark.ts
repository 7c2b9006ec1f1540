/**
 * Imported first by the bench's footprint run so that its body runs before
 * any firmware module's: the live set here is the engine's own, and what the
 * firmware modules' bodies add is measured against it. XS only
 * (xsMemoryLive is the project's host function, scripts/xsnap/).
 */
declare function xsMemoryLive(): [number, number];

export const heapMarks: [number, number][] = [xsMemoryLive()];
