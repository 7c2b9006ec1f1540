/** Command line of `npm run lab -- <command> [arguments] [options]`. */
import { fromHex } from "../../src/util/bytes.js";

export type Auth = "none" | "lls" | "hls-gmac";

export interface LabOptions {
  command: string;
  args: string[];
  /** host:port of a TCP meter (default 127.0.0.1:4059) unless serial is given. */
  tcp: { host: string; port: number };
  /** HDLC instead of the wrapper on TCP. */
  hdlcOverTcp: boolean;
  /** Optical probe device (mode E then HDLC). */
  serial: string | undefined;
  maxBaud: number;
  auth: Auth;
  password: Uint8Array | undefined;
  akey: Uint8Array | undefined;
  ekey: Uint8Array | undefined;
  systemTitle: Uint8Array;
  clientSap: number;
  serverLogical: number;
  serverPhysical: number;
  timeoutMs: number;
  classId: number | undefined;
  from: string | undefined;
  to: string | undefined;
  out: string | undefined;
  blockSize: number | undefined;
  activate: boolean;
  imageId: string | undefined;
  /** Print the bytes on the optical probe. */
  trace: boolean;
  /** `console` and `listen`: the local port (default per command) and listen address (loopback unless asked). */
  localPort: number | undefined;
  localHost: string;
}

export const LAB_USAGE = `usage: npm run lab -- <command> [arguments] [options]

commands
  list                              objects of the association with their access rights
  get <obis> [attr]                 read an attribute (default 2), OBIS in display form: 0-0:1.0.0*255 or 0.0.1.0.0.255
  set <obis> <attr> <value>         write: u8:5 u16: u32: i8: i16: i32: enum: bool:true os:<hex> vs:<text> dt:<ISO> hex:<A-XDR> null
  action <obis> <method> [value]    invoke a method (parameter as for set; default integer 0)
  profile <obis> --from ISO --to ISO [--out file.csv]   load profile range to CSV (stdout without --out)
  upload <image> [--obis 0-0:44.0.0*255] [--image-id ID] [--block-size N] [--activate]   firmware image transfer
  token <20 digits>                 enter an STS token (Token Gateway; management association), print verdict and credit
  conformance                       walk link, association, every object's attributes and access rights; pass/fail table
  console [--port 8059] [--listen 127.0.0.1]   web console on http://127.0.0.1:8059/: live values, profiles, events,
                                    objects, GET/SET, firmware upload, conformance (loopback only unless --listen)
  listen [--port 4059] [--listen 127.0.0.1] [--akey HEX --ekey HEX] [--out file.csv]
                                    accept data-notifications a meter pushes (TCP wrapper), decipher and print them;
                                    profile buffers in a push go to --out as CSV

link (default: TCP wrapper to 127.0.0.1:4059)
  --tcp HOST:PORT        --hdlc (HDLC on TCP instead of the wrapper)
  --serial DEVICE        optical probe: IEC 62056-21 mode E sign-on, then HDLC   --max-baud N (default 9600)
  --client-sap N (default 16 public; 1 with authentication)   --server-logical N (1)   --server-physical N (16)
  --timeout MS (5000)    --trace (bytes on the optical probe to stderr)    --class N (class id for get/set/action when the object list cannot tell)

security
  --auth none|lls|hls-gmac   --password TEXT (LLS)   --akey HEX --ekey HEX (16-byte AES keys)   --system-title HEX (8 bytes)`;

function hostPort(s: string): { host: string; port: number } {
  const m = /^(.*):(\d+)$/.exec(s);
  const port = m ? Number(m[2]) : 4059;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`bad port in ${s}`);
  return { host: m ? m[1] || "127.0.0.1" : s, port };
}

function key(name: string, hex: string, length: number): Uint8Array {
  let b: Uint8Array;
  try {
    b = fromHex(hex);
  } catch {
    throw new Error(`${name}: not hex`);
  }
  if (b.length !== length) throw new Error(`${name}: ${length} bytes expected, got ${b.length}`);
  return b;
}

function int(name: string, s: string, min: number, max: number): number {
  const n = Number(s);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name} takes an integer in ${min}..${max}`);
  return n;
}

export function parseLabArgs(argv: string[]): LabOptions {
  const positional: string[] = [];
  let clientSap: number | undefined;
  const o: LabOptions = {
    command: "",
    args: [],
    tcp: { host: "127.0.0.1", port: 4059 },
    hdlcOverTcp: false,
    serial: undefined,
    maxBaud: 9600,
    auth: "none",
    password: undefined,
    akey: undefined,
    ekey: undefined,
    systemTitle: key("--system-title", "4D4B54434C494E54", 8), // "MKTCLINT"
    clientSap: 16,
    serverLogical: 1,
    serverPhysical: 16,
    timeoutMs: 5000,
    classId: undefined,
    from: undefined,
    to: undefined,
    out: undefined,
    blockSize: undefined,
    activate: false,
    imageId: undefined,
    trace: false,
    localPort: undefined,
    localHost: "127.0.0.1",
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith("--")) {
      positional.push(a);
      continue;
    }
    const v = (): string => {
      const x = argv[++i];
      if (x === undefined) throw new Error(`${a} needs a value`);
      return x;
    };
    switch (a) {
      case "--tcp":
        o.tcp = hostPort(v());
        break;
      case "--hdlc":
        o.hdlcOverTcp = true;
        break;
      case "--serial":
        o.serial = v();
        break;
      case "--max-baud":
        o.maxBaud = int(a, v(), 300, 115200);
        break;
      case "--auth": {
        const x = v();
        if (x !== "none" && x !== "lls" && x !== "hls-gmac") throw new Error("--auth takes none, lls or hls-gmac");
        o.auth = x;
        break;
      }
      case "--password":
        o.password = Uint8Array.from(v(), (c) => c.charCodeAt(0) & 0xff);
        break;
      case "--akey":
        o.akey = key(a, v(), 16);
        break;
      case "--ekey":
        o.ekey = key(a, v(), 16);
        break;
      case "--system-title":
        o.systemTitle = key(a, v(), 8);
        break;
      case "--client-sap":
        clientSap = int(a, v(), 0, 0x7f);
        break;
      case "--server-logical":
        o.serverLogical = int(a, v(), 0, 0x3fff);
        break;
      case "--server-physical":
        o.serverPhysical = int(a, v(), 0, 0x3fff);
        break;
      case "--timeout":
        o.timeoutMs = int(a, v(), 100, 600000);
        break;
      case "--class":
        o.classId = int(a, v(), 0, 0xffff);
        break;
      case "--from":
        o.from = v();
        break;
      case "--to":
        o.to = v();
        break;
      case "--out":
        o.out = v();
        break;
      case "--obis":
        positional.push(v());
        break;
      case "--block-size":
        o.blockSize = int(a, v(), 16, 65535);
        break;
      case "--image-id":
        o.imageId = v();
        break;
      case "--activate":
        o.activate = true;
        break;
      case "--trace":
        o.trace = true;
        break;
      case "--port":
        o.localPort = int(a, v(), 0, 65535);
        break;
      case "--listen":
        o.localHost = v();
        break;
      case "--help":
        throw new Error(LAB_USAGE);
      default:
        throw new Error(`unknown option ${a}\n\n${LAB_USAGE}`);
    }
  }
  if (positional.length === 0) throw new Error(LAB_USAGE);
  o.command = positional[0];
  o.args = positional.slice(1);
  o.clientSap = clientSap ?? (o.auth === "none" ? 16 : 1);
  if (o.auth === "lls" && !o.password) throw new Error("--auth lls needs --password");
  if (o.auth === "hls-gmac" && (!o.akey || !o.ekey)) throw new Error("--auth hls-gmac needs --akey and --ekey");
  if (!o.akey !== !o.ekey) throw new Error("--akey and --ekey go together");
  return o;
}
