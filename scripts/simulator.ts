/**
 * `npm start`: the whole meter on the host with the sim board. See
 * scripts/simulator/options.ts for the command line. Ctrl-C or SIGTERM runs
 * the firmware's power-fail path and saves the state directory before exit.
 */
import { parseOptions, type SimulatorOptions } from "./simulator/options.js";
import { Simulator } from "./simulator/run.js";
import { attachStdinKeypad } from "./sts/stdin-keypad.js";

let options: SimulatorOptions;
try {
  options = parseOptions(process.argv.slice(2));
} catch (e) {
  console.error((e as Error).message);
  process.exit(2);
}

const tty = process.stdout.isTTY === true;
let statusShown = false;
let lastPlainStatus = 0;
const log = {
  line(text: string): void {
    if (statusShown) process.stdout.write("\r\x1b[K");
    statusShown = false;
    console.log(text);
  },
  status(text: string): void {
    if (tty) {
      process.stdout.write(`\r\x1b[K${text}`);
      statusShown = true;
    } else if (Date.now() - lastPlainStatus >= 60000) {
      lastPlainStatus = Date.now();
      console.log(text);
    }
  },
};

const sim = await Simulator.start(options, log).catch((e: Error) => {
  console.error(`simulator: ${e.message}`);
  process.exit(1);
});

let stopping = false;
function shutdown(signal: string): void {
  if (stopping) return;
  stopping = true;
  sim.stop();
  log.line(`${signal}: state saved in ${options.stateDir}, stopped`);
  process.exit(0);
}
process.on("SIGINT", () => shutdown("SIGINT"));
process.on("SIGTERM", () => shutdown("SIGTERM"));
process.on("SIGHUP", () => shutdown("SIGHUP"));
attachStdinKeypad(sim, (t) => log.line(t));
// npm does not forward SIGTERM to the script it runs: this is the pid to signal.
log.line(`simulator pid ${process.pid}`);
