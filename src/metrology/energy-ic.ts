// The energy-IC port moved to hal/energy-ic.ts; kept until the last importer (src/meter) follows.
export * from "../../hal/energy-ic.js";
