/**
 * `npm run sts -- <command>`: the vending side of STS for the lab (never
 * part of a meter). Tokens are encrypted with the public sample EA07 tables
 * unless --tables names a provisioned table file (JSON {sub1, sub2, perm});
 * production tables are licensed and never in this repository.
 */
import { readFileSync } from "node:fs";
import { decodeToken } from "../src/prepay/decoder.js";
import { dkga02 } from "../src/prepay/vending/dkga02.js";
import { TOKEN_RESULT_NAMES } from "../src/prepay/results.js";
import { SAMPLE_STA_TABLES } from "../src/prepay/vending/sample-tables.js";
import { Sta, validStaTables, type StaTables } from "../src/prepay/sta.js";
import { decodeAmount, type TokenFields } from "../src/prepay/token.js";
import { MAX_AMOUNT, TID_BASE_1993, TID_BASE_2014, encodeAmount, groupDigits } from "../src/prepay/vending/token-encode.js";
import { encodeToken, tidAt } from "../src/prepay/vending/vend.js";
import { fromHex, toHex } from "../src/util/bytes.js";

const STS_USAGE = `usage: npm run sts -- <command> [options]

commands
  key                 print the DKGA02 decoder key:   --vk HEX --sgc 6DIGITS --ti N --krn N [--kt 2] --pan 18DIGITS
  vend                one token (class 0 credit or a class 2 management token)
                      key: --key HEX (decoder key) or the DKGA02 inputs above
                      --class 0 (default): --subclass 0 electricity (1 water, 2 gas) --amount KWH (0.1 steps, rounded up)
                      --class 2: --subclass 0 max power limit --amount W | 1 clear credit [--value 65535] |
                                 2 tariff rate --value N | 5 clear tamper
                      --tid N or --time ISO (default now) [--base 2014|1993]   --rnd 0..15 (default random)
  kct                 key change tokens 1 and 2: --key OLD_HEX (or DKGA02 inputs) --new-key HEX (or --new-vk/--new-sgc/--new-ti/--new-krn)
                      [--kt 2] [--ken 255] [--ro]
  decode TOKEN        decrypt and print the fields: --key HEX (or DKGA02 inputs)
all: --tables sample|FILE.json (EA07 table set, default sample)`;

type Opts = Map<string, string>;

function parse(argv: string[]): { command: string; args: string[]; o: Opts } {
  const o: Opts = new Map();
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith("--")) {
      args.push(a);
      continue;
    }
    if (a === "--ro") o.set("ro", "1");
    else {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      o.set(a.slice(2), v);
    }
  }
  if (args.length === 0) throw new Error(STS_USAGE);
  return { command: args[0], args: args.slice(1), o };
}

function int(o: Opts, name: string, min: number, max: number, fallback?: number): number {
  const s = o.get(name);
  if (s === undefined) {
    if (fallback === undefined) throw new Error(`--${name} is required`);
    return fallback;
  }
  const n = Number(s);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} takes an integer in ${min}..${max}`);
  return n;
}

function hex8(name: string, s: string | undefined): Uint8Array {
  if (s === undefined || !/^[0-9a-fA-F]{16}$/.test(s)) throw new Error(`--${name} takes 16 hex digits (8 bytes)`);
  return fromHex(s);
}

function tables(o: Opts): StaTables {
  const t = o.get("tables") ?? "sample";
  if (t === "sample") return SAMPLE_STA_TABLES;
  const parsed = JSON.parse(readFileSync(t, "utf8")) as StaTables;
  if (!validStaTables(parsed)) throw new Error(`${t}: sub1 and sub2 must permute 0..15, perm 0..63`);
  return parsed;
}

/** The decoder key from --key, or DKGA02 from the vending inputs (prefix "new-" for key change). */
function decoderKey(o: Opts, prefix = ""): Uint8Array {
  const direct = o.get(`${prefix}key`);
  if (direct !== undefined) return hex8(`${prefix}key`, direct);
  const vk = o.get(`${prefix}vk`);
  if (vk === undefined) throw new Error(`give --${prefix}key HEX or the DKGA02 inputs (--${prefix}vk --${prefix}sgc --${prefix}ti --${prefix}krn --pan)`);
  const sgc = o.get(`${prefix}sgc`) ?? "";
  return dkga02({
    vendingKey: hex8(`${prefix}vk`, vk),
    keyType: int(o, "kt", 0, 3, 2),
    supplyGroupCode: sgc,
    tariffIndex: int(o, `${prefix}ti`, 0, 99),
    keyRevisionNumber: int(o, `${prefix}krn`, 1, 9),
    pan: o.get("pan") ?? "",
  });
}

function tid(o: Opts): number {
  if (o.has("tid")) return int(o, "tid", 0, 0xffffff);
  const base = o.get("base") === "1993" ? TID_BASE_1993 : TID_BASE_2014;
  const t = o.has("time") ? Date.parse(o.get("time")!) : Date.now();
  if (Number.isNaN(t)) throw new Error("--time takes an ISO date-time");
  return tidAt(t, base);
}

function describeFields(f: TokenFields): string {
  if (f.kind === "keyChange1") return `class 2 subclass 3 (key change 1): KENHO ${f.kenho} KRN ${f.krn} RO ${f.ro} KT ${f.kt} NKHO ${toHex(f.nkho)}`;
  if (f.kind === "keyChange2") return `class 2 subclass 4 (key change 2): KENLO ${f.kenlo} TI ${f.ti} NKLO ${toHex(f.nklo)}`;
  const amount = decodeAmount(f.value);
  const what = f.tokenClass === 0 ? `${(amount / 10).toFixed(1)} ${f.subclass === 0 ? "kWh" : "m3"}` : f.subclass === 0 ? `${amount} W` : `value ${f.value}`;
  return `class ${f.tokenClass} subclass ${f.subclass}: TID ${f.tid} RND ${f.rnd} ${what}`;
}

export function runSts(argv: string[], out: (line: string) => void): number {
  const { command, args, o } = parse(argv);
  const sta = new Sta(tables(o));
  switch (command) {
    case "key":
      out(toHex(decoderKey(o)));
      return 0;
    case "vend": {
      const key = decoderKey(o);
      const cls = int(o, "class", 0, 2, 0);
      const subclass = int(o, "subclass", 0, 15, 0);
      const rnd = int(o, "rnd", 0, 15, Math.floor(Math.random() * 16));
      let value: number;
      if (cls === 0 || (cls === 2 && subclass === 0)) {
        const amount = Number(o.get("amount"));
        // kWh -> 0.1 kWh units rounded up (in the customer's favour); W as they are.
        const units = cls === 0 ? Math.ceil(Math.round(amount * 1000) / 100) : Math.ceil(amount);
        if (!Number.isFinite(amount) || amount < 0 || units > MAX_AMOUNT) throw new Error(`--amount must be 0..${MAX_AMOUNT / (cls === 0 ? 10 : 1)} ${cls === 0 ? "kWh" : "W"}`);
        value = encodeAmount(units)!;
      } else if (cls === 2 && (subclass === 1 || subclass === 2 || subclass === 5)) {
        value = int(o, "value", 0, 0xffff, subclass === 1 ? 0xffff : 0);
      } else throw new Error("vend makes class 0, or class 2 subclass 0, 1, 2, 5 (key change: use kct)");
      const f: TokenFields = { kind: "value", tokenClass: cls, subclass, rnd, tid: tid(o), value };
      const token = encodeToken(f, key, sta);
      out(groupDigits(token));
      out(`  ${describeFields(f)}`);
      return 0;
    }
    case "kct": {
      const key = decoderKey(o);
      const nk = decoderKey(o, "new-");
      const ken = int(o, "ken", 0, 255, 255);
      const krn = int(o, "new-krn", 1, 15, 1);
      const kt = int(o, "kt", 0, 3, 2);
      const ti = int(o, "new-ti", 0, 255, 1);
      const ro = o.has("ro") ? 1 : 0;
      const t1: TokenFields = { kind: "keyChange1", tokenClass: 2, subclass: 3, kenho: ken >> 4, krn, ro, res: 0, kt, nkho: nk.subarray(0, 4) };
      const t2: TokenFields = { kind: "keyChange2", tokenClass: 2, subclass: 4, kenlo: ken & 15, ti, nklo: nk.subarray(4, 8) };
      out(groupDigits(encodeToken(t1, key, sta)));
      out(groupDigits(encodeToken(t2, key, sta)));
      out(`  new key ${toHex(nk)} KRN ${krn} TI ${ti} KT ${kt} KEN ${ken}${ro ? " rollover" : ""}`);
      return 0;
    }
    case "decode": {
      const d = decodeToken(args.join(""), decoderKey(o), sta);
      if (!d.ok) {
        out(`rejected: ${TOKEN_RESULT_NAMES[d.result]}`);
        return 1;
      }
      out(`block ${toHex(d.block)}  ${describeFields(d.fields)}`);
      return 0;
    }
    default:
      throw new Error(`unknown command "${command}"\n\n${STS_USAGE}`);
  }
}

if (process.argv[1] && /sts\.ts$/.test(process.argv[1])) {
  try {
    process.exit(runSts(process.argv.slice(2), (l) => console.log(l)));
  } catch (e) {
    console.error((e as Error).message);
    process.exit(2);
  }
}
