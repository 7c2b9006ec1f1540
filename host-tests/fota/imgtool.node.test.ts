/**
 * The host imgtool (scripts/imgtool) against MCUboot's imgtool 2.4.0: the
 * vector images in ../shared/vectors/mcuboot-imgtool-2 are re-made with the
 * same commands (sign_command in vectors.json) and compared byte for byte
 * outside the ECDSA signature (Ed25519 and hash-only images are identical);
 * verify, dumpinfo, getpub and getpubhash print what imgtool printed
 * (outputs/*.txt, imgtool_stdout); each tool verifies the other's images.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { SimCrypto } from "../../hal/sim/crypto.js";
import { bytesSource, parseImage, TlvType } from "../../src/fota/image.js";
import { ImageVerifier } from "../../src/fota/verify.js";
import { runImgtool } from "../../scripts/imgtool/cli.js";
import { loadKey, privateKeyPem, type PrivateSigningKey } from "../../scripts/imgtool/keys.js";
import { sharedDir } from "../../scripts/gen-vectors.js";
import { runProgramSync } from "../support/simulator-process.node.js";

const V = join(sharedDir, "vectors", "mcuboot-imgtool-2");
const V1 = join(sharedDir, "vectors", "mcuboot");
const tmp = mkdtempSync(join(tmpdir(), "imgtool-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Run {
  trusted_key: string | null;
  imgtool_exit_code: number;
  imgtool_result: string;
  imgtool_stdout: string;
  bootloader_model: { result: string; reason: string; config: string };
}
interface Img {
  name: string;
  file: string;
  sign_command?: string;
  signed_with?: string | null;
  verifications: Run[];
  dumpinfo_exit_code: number;
}
const vectors = JSON.parse(readFileSync(join(V, "vectors.json"), "utf8")) as { images: Img[] };
const signed = vectors.images.filter((i) => i.sign_command);
const read = (p: string): Uint8Array => Uint8Array.from(readFileSync(p));

/** The stdout part of an outputs/*.txt log ("$ command", stdout, "--- exit code: N ---"). */
function loggedStdout(file: string): { stdout: string; exitCode: number } {
  const text = readFileSync(join(V, "outputs", file), "utf8");
  const lines = text.split("\n");
  const exit = /--- exit code: (\d+) ---/.exec(text);
  const body = lines.slice(1).join("\n");
  const end = body.search(/--- (stderr|exit code)/);
  return { stdout: body.slice(0, end), exitCode: exit ? Number(exit[1]) : -1 };
}

function argsOf(command: string, out: string): string[] {
  const words = (command.match(/'[^']*'|\S+/g) ?? []).map((w) => w.replace(/^'(.*)'$/, "$1"));
  const args = words.slice(1); // drop "imgtool"
  return args.map((a, i) => (i === args.length - 1 ? out : /^(keys|inputs|images)\//.test(a) ? join(V, a) : a));
}

/** Offsets of the signature TLV's length field and value, and of the unprotected info's total. */
function signatureMask(img: Uint8Array): Set<number> {
  const parsed = parseImage(bytesSource(img));
  if (!parsed.ok) throw new Error(parsed.reason);
  const mask = new Set<number>([parsed.image.unprotectedInfo.offset + 2, parsed.image.unprotectedInfo.offset + 3]);
  for (const t of parsed.image.tlvs) {
    if (t.type === TlvType.ecdsaSig) for (let o = t.offset + 2; o < t.dataOffset + t.len; o++) mask.add(o);
  }
  return mask;
}

describe("imgtool sign: the vector images re-made with the same command", () => {
  it.each(signed)("mcuboot-imgtool-2/images/$name", (im) => {
    const outFile = join(tmp, `${im.name}.bin`);
    const r = runImgtool(argsOf(im.sign_command as string, outFile));
    expect(r.stderr).toBe("");
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe(loggedStdout(`${im.name}.sign.txt`).stdout);
    const mine = read(outFile);
    const theirs = read(join(V, im.file));
    const ecdsa = im.signed_with !== null && im.signed_with !== undefined && !im.signed_with.startsWith("ed25519");
    if (!ecdsa) {
      expect(Buffer.from(mine).equals(Buffer.from(theirs))).toBe(true);
      return;
    }
    // ECDSA signatures are randomised (and DER lengths vary 70..72): compare
    // everything before the signature TLV except the area total, then the padding after.
    const mm = signatureMask(mine);
    const tm = signatureMask(theirs);
    const mineEnd = Math.max(...mm) + 1;
    const theirEnd = Math.max(...tm) + 1;
    // Before the signature TLV's length: identical except the unprotected area total.
    const sigLenAt = Math.min(...[...mm].filter((o) => o > Math.min(...mm) + 1));
    for (let i = 0; i < sigLenAt; i++) if (!mm.has(i) && mine[i] !== theirs[i]) expect([i, mine[i]]).toEqual([i, theirs[i]]);
    if (mine.length === theirs.length && mine.length === 0x40000) {
      // Padded to the slot: erased bytes up to the trailer, then the same trailer.
      const from = Math.max(mineEnd, theirEnd);
      expect(Buffer.from(mine.subarray(from)).equals(Buffer.from(theirs.subarray(from)))).toBe(true);
      expect(mine.subarray(mineEnd, from).every((b) => b === 0xff) && theirs.subarray(theirEnd, from).every((b) => b === 0xff)).toBe(true);
    } else {
      expect(mine.length - mineEnd).toBe(theirs.length - theirEnd);
      expect(mine.length - mineEnd).toBe(0);
    }
    // imgtool's verifier logic (host verify) and the firmware's accept the host-made image.
    const key = join(V, "keys", `${im.signed_with}.pub.pem`);
    expect(runImgtool(["verify", "-k", key, outFile]).exitCode).toBe(0);
    const spki = loadKey(readFileSync(key, "utf8")).spki;
    const v = new ImageVerifier({ signature: "ecdsa-p256", keys: [spki], keyTlv: im.name === "ec256_pubkey_full" ? "full" : "hash" }, new SimCrypto());
    expect(v.verify(bytesSource(mine, 0x40000)).verdict).toBe("ok");
  });
});

const runs = vectors.images.flatMap((im) => im.verifications.map((r) => ({ im, r, id: `${im.name} (${r.trusted_key ?? "no key"})` })));

describe("imgtool verify: imgtool's output for every verification run of vectors.json", () => {
  it.each(runs)("mcuboot-imgtool-2/images/$id", ({ im, r }) => {
    const args = ["verify", ...(r.trusted_key ? ["-k", join(V, "keys", `${r.trusted_key}.pub.pem`)] : []), join(V, im.file)];
    const res = runImgtool(args);
    expect(res.stdout).toBe(r.imgtool_stdout);
    expect(res.exitCode).toBe(r.imgtool_exit_code);
  });

  it.each(runs.filter(({ r }) => /^(MCUBOOT_SIGN_EC256,|MCUBOOT_SIGN_ED25519,|no signature)/.test(r.bootloader_model.config)))(
    "verify --meter gives the bootloader's result: mcuboot-imgtool-2/images/$id",
    ({ im, r }) => {
      const args = ["verify", "--meter", ...(r.trusted_key ? ["-k", join(V, "keys", `${r.trusted_key}.pub.pem`)] : []), join(V, im.file)];
      expect(runImgtool(args).exitCode === 0 ? "OK" : "FAIL").toBe(r.bootloader_model.result);
    },
  );
});

describe("imgtool dumpinfo: imgtool's human and JSON output", () => {
  it.each(vectors.images)("mcuboot-imgtool-2/images/$name", (im) => {
    const human = loggedStdout(`${im.name}.dumpinfo.txt`);
    const r = runImgtool(["dumpinfo", join(V, im.file)]);
    if (human.exitCode === 0) {
      expect(r.stdout).toBe(human.stdout);
      const json = loggedStdout(`${im.name}.dumpinfo.json.txt`);
      expect(runImgtool(["dumpinfo", "-f", "json", join(V, im.file)]).stdout).toBe(json.stdout);
    } else {
      // imgtool crashed (struct.error); this tool reports a typed error instead.
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toMatch(/^Error: image truncated/);
    }
  });

  it.each(vectors.images.filter((i) => existsSync(join(V, "outputs", `${i.name}.dumpinfo.json`))))("dumpinfo -f json -o: the file imgtool wrote for $name", (im) => {
    const out = join(tmp, `${im.name}.dumpinfo.json`);
    expect(runImgtool(["dumpinfo", "-f", "json", "-o", out, join(V, im.file)]).exitCode).toBe(0);
    expect(readFileSync(out, "utf8")).toBe(readFileSync(join(V, "outputs", `${im.name}.dumpinfo.json`), "utf8"));
  });

  it.each(["ec256-basic", "ec256-version", "ec256-seccnt7", "ec256-pad-align4", "ec256-pad-align8-confirm", "ec256-loadaddr", "ed25519-basic", "nokey-hashonly", "ec256-otherkey"])(
    "mcuboot/dump/%s.dumpinfo.txt",
    (name) => {
      expect(runImgtool(["dumpinfo", join(V1, `${name}.bin`)]).stdout).toBe(readFileSync(join(V1, "dump", `${name}.dumpinfo.txt`), "utf8"));
    },
  );
});

describe("imgtool verify on mcuboot/ (first vector set)", () => {
  const set1 = JSON.parse(readFileSync(join(V1, "vectors.json"), "utf8")) as { vectors: { file: string; expected: string; trusted_key: string }[] };
  // imgtool's result per verdict name; the two malformed files crash imgtool, this tool reports them.
  const imgtoolFor: Record<string, string> = {
    ok: "Image was correctly validated",
    "no-signature": "No signature found for the given key",
    "bad-signature": "No signature found for the given key",
    "bad-hash": "Image has an invalid hash",
    "bad-magic": "Invalid image magic; is this an MCUboot image?",
  };
  it.each(set1.vectors)("mcuboot/$file ($expected)", (v) => {
    const r = runImgtool(["verify", "-k", join(V1, v.trusted_key), join(V1, v.file)]);
    if (v.expected === "malformed") {
      expect(r.exitCode).toBe(1);
      expect(r.stdout).toMatch(/^(Invalid TLV area|Invalid TLV info magic)/);
    } else {
      expect(r.stdout.split("\n")[0]).toBe(imgtoolFor[v.expected]);
    }
    const m = runImgtool(["verify", "--meter", "-k", join(V1, v.trusted_key), join(V1, v.file)]);
    expect(m.stdout.split(":")[0]).toBe(v.expected);
  });
});

describe("imgtool getpub / getpubhash / keygen", () => {
  const keys = ["ec256", "ec256-other", "ed25519", "root-ec-p256"];
  it.each(keys)("keys/%s: getpub (default, pem, raw, lang-c, lang-rust) and getpubhash (raw, lang-c) equal imgtool's files", (k) => {
    const key = join(V, "keys", `${k}.pem`);
    expect(runImgtool(["getpub", "-k", key]).stdout).toBe(loggedStdout(`getpub.${k}.default.txt`).stdout);
    const cases: [string[], string][] = [
      [["getpub", "-e", "pem"], `${k}.pub.pem`],
      [["getpub", "-e", "raw"], `${k}.pub.der`],
      [["getpub", "-e", "lang-c"], `${k}.pub.c`],
      [["getpub", "-e", "lang-rust"], `${k}.pub.rs`],
      [["getpubhash", "-e", "raw"], `${k}.pubhash.bin`],
      [["getpubhash", "-e", "lang-c"], `${k}.pubhash.c`],
    ];
    for (const [args, file] of cases) {
      const out = join(tmp, `${k}-${file}`);
      expect(runImgtool([...args, "-k", key, "-o", out]).exitCode).toBe(0);
      expect(Buffer.from(read(out)).equals(Buffer.from(read(join(V, "keys", file))))).toBe(true);
    }
  });

  it.each(["ec256", "ec256-other", "ed25519"])("keygen's PEM layout is imgtool's: keys/%s.pem (made by imgtool keygen) re-encodes to the same file", (k) => {
    const text = readFileSync(join(V, "keys", `${k}.pem`), "utf8");
    expect(privateKeyPem(loadKey(text) as PrivateSigningKey)).toBe(text);
  });

  it.each(["ecdsa-p256", "ed25519"])("keygen -t %s: the key signs an image that imgtool-style verify and the firmware accept, and a wrong key refuses", (type) => {
    const key = join(tmp, `gen-${type}.pem`);
    expect(runImgtool(["keygen", "-k", key, "-t", type]).exitCode).toBe(0);
    expect(readFileSync(key, "utf8")).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    const img = join(tmp, `gen-${type}.bin`);
    expect(runImgtool(["sign", "-k", key, "-v", "3.1.4+1", "-s", "auto", "-H", "0x200", "--pad-header", "-S", "0x40000", join(V, "inputs", "pattern1000.bin"), img]).exitCode).toBe(0);
    const pub = join(tmp, `gen-${type}.pub.pem`);
    expect(runImgtool(["getpub", "-k", key, "-e", "pem", "-o", pub]).exitCode).toBe(0);
    expect(runImgtool(["verify", "-k", pub, img]).stdout).toMatch(/^Image was correctly validated\nImage version: 3\.1\.4\+1\n/);
    const spki = loadKey(readFileSync(pub, "utf8")).spki;
    const v = new ImageVerifier({ signature: type as "ecdsa-p256" | "ed25519", keys: [spki] }, new SimCrypto());
    const result = v.verify(bytesSource(read(img), 0x40000));
    expect(result.verdict).toBe("ok");
    expect(result.securityCounter).toBe(0x03010004);
    expect(runImgtool(["verify", "-k", join(V, "keys", type === "ed25519" ? "ec256.pub.pem" : "ec256-other.pub.pem"), img]).exitCode).toBe(1);
  });

  it("refuses what imgtool refuses: header not zero without --pad-header, image + trailer larger than the slot", () => {
    const r1 = runImgtool(["sign", "-v", "1.0.0", "-H", "0x200", "-S", "0x40000", join(V, "inputs", "pattern1000.bin"), join(tmp, "x.bin")]);
    expect(r1.stderr).toBe("Error: Header padding was not requested and image does not start with zeros\n");
    const r2 = runImgtool(["sign", "-k", join(V, "keys", "ec256.pem"), "-v", "1.0.0", "-H", "0x200", "--pad-header", "-S", "0x600", join(V, "inputs", "pattern1000.bin"), join(tmp, "x.bin")]);
    expect(r2.stderr).toMatch(/^Error: Image size \(0x6[0-9a-f]{2}\) \+ trailer \(0x1b0\) exceeds requested size 0x600\n$/);
  });
});

describe("npm run imgtool", () => {
  it("runs as a command: getpub prints imgtool's C array, verify exits 1 on a refused image", () => {
    const ok = runProgramSync("imgtool", ["getpub", "-k", join(V, "keys", "ec256.pem")]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toBe(loggedStdout("getpub.ec256.default.txt").stdout);
    const bad = runProgramSync("imgtool", ["verify", "-k", join(V, "keys", "ec256.pub.pem"), join(V, "images", "neg_payload_flip.bin")]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toBe("Image has an invalid hash\n");
  });
});
