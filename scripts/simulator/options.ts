/** Command line of `npm start` (scripts/simulator.ts). */
import { readFileSync } from "node:fs";
import { DEFAULT_CURVE, validCurve, type LoadCurve } from "./daily-load.js";
import { BOARD_NAMES, type BoardName } from "./boards.js";

export interface SimulatorOptions {
  tcpPort: number;
  stateDir: string;
  curve: LoadCurve;
  scenarioFile: string | undefined;
  speed: number;
  /** Open the optical port on a pseudo-terminal. */
  optical: boolean;
  /** Status line on a TTY (rewritten in place), else one line a minute. */
  status: boolean;
  /** Host ms between saves of the state directory. */
  saveEveryMs: number;
  /** The board whose storage partition and budget the meter runs on. */
  board: BoardName;
  /** "fail": a newly activated image fails its self-test, so the bootloader reverts it. */
  selfTest: "pass" | "fail";
  /** host:port of the head-end every Push Setup sends to (lab listen); undefined: no push. */
  pushTo: string | undefined;
}

const USAGE = `usage: npm start -- [options]
  --tcp-port N     DLMS wrapper on tcp://127.0.0.1:N (default 4059, 0 = any free port)
  --state DIR      flash image, settings and RTC live here (default ./.meter-state)
  --scenario FILE  JSON load curve {hourlyW: [24 x W], tanPhi, utcOffsetMin} (default: household)
  --speed X        clock acceleration (default 1; 60 = one simulated minute per second)
  --no-optical     do not open the optical port pseudo-terminal
  --quiet          no live status line
  --board NAME     storage partition and budget of a board of boards/registry.ts: ${BOARD_NAMES.join(", ")} (default esp32-atm90e32)
  --self-test R    pass (default) or fail: the self-test a newly activated firmware image runs
  --push-to H:P    push to a head-end (npm run lab -- listen) on tcp://H:P: power-up, daily profile, alarms, last gasp`;

export function parseOptions(argv: string[]): SimulatorOptions {
  const o: SimulatorOptions = { tcpPort: 4059, stateDir: ".meter-state", curve: DEFAULT_CURVE, scenarioFile: undefined, speed: 1, optical: true, status: true, saveEveryMs: 10000, board: "esp32-atm90e32", selfTest: "pass", pushTo: undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    switch (a) {
      case "--tcp-port": {
        const n = Number(value());
        if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error("--tcp-port takes 0..65535");
        o.tcpPort = n;
        break;
      }
      case "--state":
        o.stateDir = value();
        break;
      case "--scenario": {
        const file = value();
        const c = JSON.parse(readFileSync(file, "utf8")) as unknown;
        if (!validCurve(c)) throw new Error(`${file}: expected {hourlyW: [24 numbers], tanPhi, utcOffsetMin}`);
        o.curve = { hourlyW: c.hourlyW, tanPhi: c.tanPhi, utcOffsetMin: c.utcOffsetMin };
        o.scenarioFile = file;
        break;
      }
      case "--speed": {
        const x = Number(value());
        if (!(x > 0) || !Number.isFinite(x) || x > 1e6) throw new Error("--speed takes a positive number up to 1e6");
        o.speed = x;
        break;
      }
      case "--board": {
        const b = value();
        if (!BOARD_NAMES.includes(b)) throw new Error(`--board takes ${BOARD_NAMES.join(", ")}`);
        o.board = b;
        break;
      }
      case "--no-optical":
        o.optical = false;
        break;
      case "--quiet":
        o.status = false;
        break;
      case "--self-test": {
        const v = value();
        if (v !== "pass" && v !== "fail") throw new Error("--self-test takes pass or fail");
        o.selfTest = v;
        break;
      }
      case "--push-to": {
        const v = value();
        const m = /^(.+):(\d{1,5})$/.exec(v);
        if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) throw new Error("--push-to takes HOST:PORT");
        o.pushTo = v;
        break;
      }
      case "-h":
      case "--help":
        throw new Error(USAGE);
      default:
        throw new Error(`unknown option ${a}\n${USAGE}`);
    }
  }
  return o;
}
