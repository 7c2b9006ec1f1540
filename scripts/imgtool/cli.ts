/**
 * Command line of the host imgtool, with MCUboot imgtool's command and option
 * names. `runImgtool` is the whole tool as a function (tests call it); the
 * entry scripts/imgtool.ts only wires it to the process.
 */
import { generateKeyPairSync } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { basename } from "node:path";
import { SimCrypto } from "../../hal/sim/crypto.js";
import { TlvType, bytesSource } from "../../src/fota/image.js";
import { bootMagic, imgtoolTrailerSize } from "../../src/fota/trailer.js";
import { parseIntelHex, writeIntelHex } from "./intelhex.js";
import { loadEncryptionKey, type EncryptOptions } from "./encrypt.js";
import { ImageVerifier } from "../../src/fota/verify.js";
import { DumpError, formatHuman, formatJson, formatYaml, readImageInfo } from "./dumpinfo.js";
import { KEYGEN_TYPES, emitCPublic, emitCPublicHash, emitRustPublic, generateKey, hashFor, loadKey, privateKeyPem, publicKeyPem, type HostKeyType, type KeyType } from "./keys.js";
import { UsageError, parseDependencies, parseVersion, sign } from "./sign.js";
import { hostVerify, verifyOutput } from "./verify.js";

export interface ToolResult {
  stdout: string;
  /** Binary stdout (getpub -e raw without -o). */
  stdoutBytes?: Uint8Array;
  stderr: string;
  exitCode: number;
}

interface Spec {
  /** option name → canonical key; flags have no value. */
  values: Record<string, string>;
  flags: Record<string, string>;
}

function parseArgs(args: string[], spec: Spec): { opts: Record<string, string | boolean>; positional: string[] } {
  const opts: Record<string, string | boolean> = {};
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a.startsWith("-") && a.length > 1) {
      const eq = a.indexOf("=");
      const name = eq > 0 && a.startsWith("--") ? a.slice(0, eq) : a;
      if (name in spec.flags) {
        opts[spec.flags[name]] = true;
        continue;
      }
      if (name in spec.values) {
        const v = eq > 0 && a.startsWith("--") ? a.slice(eq + 1) : args[++i];
        if (v === undefined) throw new UsageError(`Option '${name}' requires an argument.`);
        opts[spec.values[name]] = v;
        continue;
      }
      throw new UsageError(`No such option: ${name}`);
    }
    positional.push(a);
  }
  return { opts, positional };
}

/** click's BasedIntParamType: 0x.., 0o.., 0b.. or decimal. */
function int(v: string | boolean | undefined, name: string): number | undefined {
  if (v === undefined || typeof v === "boolean") return undefined;
  const n = Number(v.trim());
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`Invalid value for '${name}': ${v} is not a valid integer`);
  return n;
}

function str(v: string | boolean | undefined): string | undefined {
  return typeof v === "string" ? v : undefined;
}

function keyFile(path: string | undefined) {
  if (!path) throw new UsageError("Missing option '-k' / '--key'.");
  return loadKey(readFileSync(path, "utf8"));
}

function out(r: Partial<ToolResult>): ToolResult {
  return { stdout: r.stdout ?? "", stderr: r.stderr ?? "", exitCode: r.exitCode ?? 0, stdoutBytes: r.stdoutBytes };
}

function emitTo(output: string | undefined, text: string | Uint8Array): ToolResult {
  if (output) {
    writeFileSync(output, text);
    return out({});
  }
  return typeof text === "string" ? out({ stdout: text }) : out({ stdoutBytes: text });
}

export function runImgtool(argv: string[]): ToolResult {
  const [command, ...args] = argv;
  try {
    switch (command) {
      case "keygen": {
        const { opts } = parseArgs(args, { values: { "-k": "key", "--key": "key", "-t": "type", "--type": "type" }, flags: { "-p": "password", "--password": "password" } });
        if (opts.password) throw new UsageError("password-protected keys are not supported");
        const type = str(opts.type);
        if (!KEYGEN_TYPES.includes(type as HostKeyType) && type !== "x25519") throw new UsageError(`Invalid value for '-t' / '--type': '${type}' (supported: ${KEYGEN_TYPES.join(", ")}, x25519)`);
        const path = str(opts.key);
        if (!path) throw new UsageError("Missing option '-k' / '--key'.");
        // X25519 keys only encrypt images (-E): PKCS#8 as imgtool's keys/x25519.py writes them.
        if (type === "x25519") {
          writeFileSync(path, generateKeyPairSync("x25519").privateKey.export({ type: "pkcs8", format: "pem" }) as string);
          return out({});
        }
        writeFileSync(path, privateKeyPem(generateKey(type as HostKeyType)));
        return out({});
      }
      case "getpub": {
        const { opts } = parseArgs(args, {
          values: { "-k": "key", "--key": "key", "-e": "encoding", "--encoding": "encoding", "-l": "lang", "--lang": "lang", "-o": "output", "--output": "output", "--name-suffix": "suffix" },
          flags: {},
        });
        const key = keyFile(str(opts.key));
        const lang = str(opts.lang);
        const encoding = str(opts.encoding) ?? (lang === "rust" ? "lang-rust" : "lang-c");
        const suffix = str(opts.suffix) ?? "";
        const o = str(opts.output);
        if (encoding === "lang-c") return emitTo(o, emitCPublic(key, suffix));
        if (encoding === "lang-rust") return emitTo(o, emitRustPublic(key, suffix));
        if (encoding === "pem") return emitTo(o, publicKeyPem(key));
        if (encoding === "raw") return emitTo(o, key.spki);
        throw new UsageError(`Invalid value for '-e' / '--encoding': '${encoding}'`);
      }
      case "getpubhash": {
        const { opts } = parseArgs(args, { values: { "-k": "key", "--key": "key", "-e": "encoding", "--encoding": "encoding", "-o": "output", "--output": "output", "--name-suffix": "suffix" }, flags: {} });
        const key = keyFile(str(opts.key));
        const encoding = str(opts.encoding) ?? "lang-c";
        const o = str(opts.output);
        if (encoding === "lang-c") return emitTo(o, emitCPublicHash(key, str(opts.suffix) ?? ""));
        if (encoding === "raw") return emitTo(o, hashFor("sha256", key.spki));
        throw new UsageError(`Invalid value for '-e' / '--encoding': '${encoding}'`);
      }
      case "sign":
        return signCommand(args);
      case "verify": {
        const { opts, positional } = parseArgs(args, { values: { "-k": "key", "--key": "key" }, flags: { "--meter": "meter" } });
        if (positional.length !== 1) throw new UsageError("Missing argument 'IMGFILE'.");
        const key = str(opts.key) ? keyFile(str(opts.key)) : undefined;
        // image.py verify(): a .hex image is read through IntelHex (from its lowest address).
        const bytes = /\.hex$/i.test(positional[0]) ? parseIntelHex(readFileSync(positional[0], "utf8")).data : Uint8Array.from(readFileSync(positional[0]));
        if (opts.meter) {
          // The firmware's verifier: the bootloader's rules, the image placed in an erased slot.
          if (key && key.type !== "ecdsa-p256" && key.type !== "ed25519") return out({ stdout: `unsupported: the meter verifies ecdsa-p256 and ed25519 only\n`, exitCode: 1 });
          const keys = key ? [key.spki] : [];
          const v = new ImageVerifier({ signature: key ? (key.type as KeyType) : "none", keys }, new SimCrypto());
          const r = v.verify(bytesSource(bytes, Math.max(bytes.length + 1, 0x40000)));
          return out({ stdout: `${r.verdict}: ${r.reason}\n`, exitCode: r.verdict === "ok" ? 0 : 1 });
        }
        const r = verifyOutput(hostVerify(bytes, key));
        return out({ stdout: r.stdout, exitCode: r.exitCode });
      }
      case "dumpinfo": {
        const { opts, positional } = parseArgs(args, { values: { "-o": "outfile", "--outfile": "outfile", "-f": "format", "--format": "format" }, flags: { "-s": "silent", "--silent": "silent" } });
        if (positional.length !== 1) throw new UsageError("Missing argument 'IMGFILE'.");
        const format = str(opts.format) ?? (opts.outfile ? "yaml" : "human");
        if (format !== "human" && format !== "json" && format !== "yaml") throw new UsageError(`Invalid value for '-f' / '--format': '${format}' is not one of 'human', 'yaml', 'json'.`);
        const info = readImageInfo(Uint8Array.from(readFileSync(positional[0])), basename(positional[0]));
        const warn = info.warnings.map((w) => w + "\n").join("");
        const text = format === "human" ? formatHuman(info) : format === "yaml" ? formatYaml(info) : formatJson(info);
        const file = str(opts.outfile);
        if (file) {
          writeFileSync(file, text);
          return out({ stdout: warn });
        }
        return out({ stdout: warn + text + (format === "json" ? "\n" : "") });
      }
      default:
        throw new UsageError(`No such command '${command ?? ""}'. Commands: keygen, getpub, getpubhash, sign, verify, dumpinfo.`);
    }
  } catch (e) {
    if (e instanceof UsageError) return out({ stderr: `Error: ${e.message}\n`, exitCode: 2 });
    if (e instanceof DumpError) return out({ stderr: e.message + "\n", exitCode: 1 });
    return out({ stderr: `Error: ${(e as Error).message}\n`, exitCode: 1 });
  }
}

function encryptOptions(opts: Record<string, string | boolean>): EncryptOptions | undefined {
  const file = str(opts.encrypt);
  if (!file) return undefined;
  const keyLen = str(opts.encKeyLen) ?? "128";
  if (keyLen !== "128" && keyLen !== "256") throw new UsageError(`Invalid value for '--encrypt-keylen': '${keyLen}' is not one of '128', '256'.`);
  const hmacSha = str(opts.hmacSha) ?? "auto";
  if (hmacSha !== "auto" && hmacSha !== "256" && hmacSha !== "512") throw new UsageError(`Invalid value for '--hmac-sha': '${hmacSha}' is not one of 'auto', '256', '512'.`);
  const key = loadEncryptionKey(readFileSync(file, "utf8"));
  if (hmacSha === "512" && key.type !== "x25519") throw new UsageError("Currently only ECIES-X25519 supports HMAC-SHA512");
  return { key, keyLen: keyLen === "256" ? 256 : 128, hmacSha: hmacSha === "512" ? "512" : "256", clear: opts.clear === true };
}

function signCommand(argv: string[]): ToolResult {
  // --custom-tlv TAG VALUE takes two values and repeats: taken out first, in order (main.py:559-579).
  const customTlvs: [number, Uint8Array][] = [];
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] !== "--custom-tlv") {
      args.push(argv[i]);
      continue;
    }
    const tag = argv[i + 1];
    const value = argv[i + 2];
    if (tag === undefined || value === undefined) throw new UsageError("Option '--custom-tlv' requires 2 arguments.");
    i += 2;
    const t = Number(tag);
    if (!Number.isInteger(t)) throw new UsageError(`Invalid custom TLV tag: ${tag}`);
    if (customTlvs.some(([x]) => x === t)) throw new UsageError(`Custom TLV 0x${t.toString(16)} already exists.`);
    if (Object.values(TlvType).includes(t as never) || t === 0x74 || t === 0x75) throw new UsageError(`Custom TLV 0x${t.toString(16)} conflicts with predefined TLV.`);
    // "0x…" is hex bytes, anything else its UTF-8 text.
    customTlvs.push([t, value.startsWith("0x") ? Uint8Array.from(value.slice(2).match(/../g) ?? [], (h) => parseInt(h, 16)) : new TextEncoder().encode(value)]);
  }
  const { opts, positional } = parseArgs(args, {
    values: {
      "-k": "key",
      "--key": "key",
      "-H": "header",
      "--header-size": "header",
      "-v": "version",
      "--version": "version",
      "-s": "seccnt",
      "--security-counter": "seccnt",
      "-S": "slot",
      "--slot-size": "slot",
      "--align": "align",
      "--max-align": "maxAlign",
      "-M": "maxSectors",
      "--max-sectors": "maxSectors",
      "-L": "loadAddr",
      "--load-addr": "loadAddr",
      "-F": "romFixed",
      "--rom-fixed": "romFixed",
      "--public-key-format": "pkf",
      "-d": "deps",
      "--dependencies": "deps",
      "-R": "erased",
      "--erased-val": "erased",
      "--sha": "sha",
      "-e": "endian",
      "--endian": "endian",
      "--vid": "vid",
      "--cid": "cid",
      "--boot-record": "bootRecord",
      "-x": "hexAddr",
      "--hex-addr": "hexAddr",
      "-E": "encrypt",
      "--encrypt": "encrypt",
      "--encrypt-keylen": "encKeyLen",
      "--hmac-sha": "hmacSha",
      "--compression": "compression",
    },
    flags: {
      "--pad-header": "padHeader",
      "--pad": "pad",
      "--confirm": "confirm",
      "--test": "test",
      "--non-bootable": "nonBootable",
      "--pure": "pure",
      "--overwrite-only": "overwriteOnly",
      "--pad-sig": "padSig",
      "-c": "clear",
      "--clear": "clear",
    },
  });
  if (positional.length !== 2) throw new UsageError("sign needs INFILE and OUTFILE");
  const version = str(opts.version);
  if (!version) throw new UsageError("Missing option '-v' / '--version'.");
  const header = int(opts.header, "-H");
  if (header === undefined) throw new UsageError("Missing option '-H' / '--header-size'.");
  const slot = int(opts.slot, "-S");
  if (slot === undefined) throw new UsageError("Missing option '-S' / '--slot-size'.");
  const sc = str(opts.seccnt);
  const pkf = str(opts.pkf) ?? "hash";
  if (pkf !== "hash" && pkf !== "full") throw new UsageError(`Invalid value for '--public-key-format': '${pkf}'`);
  const sha = str(opts.sha) ?? "auto";
  if (sha !== "auto" && sha !== "256" && sha !== "384" && sha !== "512") throw new UsageError(`Invalid value for '--sha': '${sha}'`);
  const align = int(opts.align, "--align") ?? 1;
  if (![1, 2, 4, 8, 16, 32].includes(align)) throw new UsageError(`Invalid value for '--align': '${align}'`);
  const erased = str(opts.erased);
  const endian = str(opts.endian) ?? "little";
  if (endian !== "little" && endian !== "big") throw new UsageError(`Invalid value for '-e' / '--endian': '${endian}' is not one of 'little', 'big'.`);
  // image.py load(): a .hex input gives the bytes from its lowest address, which becomes the base address (minus a padded header).
  const isHex = (path: string) => /\.hex$/i.test(path);
  let input: Uint8Array;
  let base: number | undefined;
  if (isHex(positional[0])) {
    const h = parseIntelHex(readFileSync(positional[0], "utf8"));
    input = h.data;
    base = h.base;
    if (opts.padHeader === true && base) base -= header;
  } else {
    input = Uint8Array.from(readFileSync(positional[0]));
  }
  const hexOut = isHex(positional[1]);
  const compression = str(opts.compression) ?? "disabled";
  if (compression !== "disabled" && compression !== "lzma2" && compression !== "lzma2armthumb") {
    throw new UsageError(`Invalid value for '--compression': '${compression}' is not one of 'disabled', 'lzma2', 'lzma2armthumb'.`);
  }
  const wantsPad = opts.pad === true || opts.confirm === true || opts.test === true;
  const r = sign(input, {
    key: str(opts.key) ? keyFile(str(opts.key)) : undefined,
    publicKeyFormat: pkf,
    headerSize: header,
    padHeader: opts.padHeader === true,
    version: parseVersion(version),
    securityCounter: sc === undefined ? undefined : sc === "auto" ? "auto" : int(sc, "-s"),
    slotSize: slot,
    // A .hex output is not padded: image.py save() puts only the trailer's magic and image_ok at their addresses.
    pad: opts.pad === true && !hexOut,
    confirm: opts.confirm === true && !hexOut,
    test: opts.test === true && !hexOut,
    align,
    maxAlign: int(opts.maxAlign, "--max-align"),
    maxSectors: int(opts.maxSectors, "-M"),
    loadAddr: int(opts.loadAddr, "-L"),
    romFixed: int(opts.romFixed, "-F"),
    nonBootable: opts.nonBootable === true,
    dependencies: str(opts.deps) ? parseDependencies(str(opts.deps) as string) : undefined,
    erasedVal: erased === undefined ? 0xff : Number(erased),
    pure: opts.pure === true,
    sha,
    endian,
    overwriteOnly: opts.overwriteOnly === true,
    customTlvs,
    vid: str(opts.vid),
    cid: str(opts.cid),
    bootRecord: str(opts.bootRecord),
    padSig: opts.padSig === true,
    encrypt: encryptOptions(opts),
    compression: compression === "disabled" ? undefined : compression,
  });
  if (hexOut) {
    const hexAddr = int(opts.hexAddr, "-x");
    if (hexAddr !== undefined) base = hexAddr;
    if (base === undefined) throw new UsageError("No address exists in input file neither was it provided by user");
    const segments: [number, Uint8Array][] = [[base, r.image]];
    if (wantsPad) {
      const maxAlign = int(opts.maxAlign, "--max-align") ?? Math.max(8, align);
      const magicAlign = Math.ceil(16 / maxAlign) * maxAlign;
      const tsize = opts.overwriteOnly === true ? maxAlign * 2 + magicAlign : imgtoolTrailerSize(align, maxAlign, int(opts.maxSectors, "-M") ?? 128);
      const trailerAddr = base + slot - tsize;
      const erasedVal = erased === undefined ? 0xff : Number(erased);
      if ((opts.test === true || opts.confirm === true) && opts.overwriteOnly !== true) {
        const flag = new Uint8Array(maxAlign).fill(erasedVal);
        if (opts.confirm === true) flag[0] = 0x01;
        segments.push([trailerAddr + tsize - (magicAlign + maxAlign), flag]);
      }
      const magic = bootMagic(maxAlign);
      if (maxAlign !== 8 && endian === "big") magic.set([(maxAlign >> 8) & 0xff, maxAlign & 0xff], 0);
      segments.push([trailerAddr + tsize - 16, magic]);
    }
    writeFileSync(positional[1], writeIntelHex(segments));
  } else {
    writeFileSync(positional[1], r.image);
  }
  return out({ stdout: r.messages.map((m) => m + "\n").join("") });
}
