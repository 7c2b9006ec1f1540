/**
 * The simulator process core, usable in-process by tests: the meter on the
 * sim board, its state directory, the TCP listener and the optical pty, the
 * host loop that turns host time into simulated time, and the clean stop.
 */
import type { SerialPort } from "../../hal/serial.js";
import type { TcpListener } from "../../hal/tcp.js";
import { formatStatus } from "../../src/meter/status.js";
import type { Meter } from "../../src/meter/meter.js";
import { SimBoard } from "./board.js";
import type { SimulatorOptions } from "./options.js";
import { PtySerialPort } from "./pty.js";
import { StateDir } from "./state.js";
import { NodeTcpListener } from "./tcp-bridge.js";

export interface SimulatorLog {
  line(text: string): void;
  /** The live status: rewritten in place on a TTY. */
  status(text: string): void;
}

/** Host loop period: simulated time advances in steps of this many host ms times the speed. */
const LOOP_MS = 20;

export class Simulator {
  readonly board: SimBoard;
  readonly state: StateDir;
  tcp: NodeTcpListener | undefined;
  optical: PtySerialPort | undefined;
  #loop: ReturnType<typeof setInterval> | undefined;
  #lastHost = 0;
  #lastSave = 0;
  #lastStatus = 0;
  #stopped = false;
  #restartCause: string | undefined;

  private constructor(
    readonly options: SimulatorOptions,
    private readonly log: SimulatorLog,
    private readonly now: () => number,
  ) {
    this.state = new StateDir(options.stateDir);
    const host = now();
    this.board = new SimBoard({ startUtcMs: this.state.rtcNow(host) ?? host, speed: options.speed, store: this.state.store, curve: options.curve });
  }

  get meter(): Meter {
    return this.board.meter as Meter;
  }

  /**
   * Starts everything. Tests pass their own `now` and `loop: false`, then
   * call step() to move host time: the run is deterministic.
   */
  static async start(options: SimulatorOptions, log: SimulatorLog, now: () => number = Date.now, loop = true): Promise<Simulator> {
    const sim = new Simulator(options, log, now);
    const meter = sim.board.boot();
    sim.#watchRestart();
    log.line(`meter ${meter.config.identity.manufacturer}${meter.config.identity.serial.padStart(13, "0")}: ${meter.restored ? "state restored from" : "fresh state in"} ${options.stateDir}`);
    sim.tcp = await NodeTcpListener.listen(options.tcpPort);
    sim.#serveTcp(sim.tcp);
    log.line(`listening on tcp://127.0.0.1:${sim.tcp.port}`);
    if (options.optical) {
      try {
        sim.optical = await PtySerialPort.open();
        sim.#serveOptical(sim.optical);
        log.line(`optical port on ${sim.optical.path}`);
      } catch (e) {
        log.line(`optical port unavailable: ${(e as Error).message}`);
      }
    }
    sim.#lastHost = now();
    sim.#lastSave = sim.#lastHost;
    if (loop) sim.#loop = setInterval(() => sim.step(), LOOP_MS);
    return sim;
  }

  /**
   * DLMS on the links: the wrapper on TCP and mode E + HDLC on the optical
   * port, both in front of the meter's xDLMS server. Wired here once the
   * server (src/cosem/server) and the transports (src/transport) are in.
   */
  #serveTcp(listener: TcpListener): void {
    listener.onConnection((c) => {
      this.log.line("tcp client connected: DLMS server not in this build yet, closing");
      c.close();
    });
  }

  #serveOptical(_serial: SerialPort): void {}

  #watchRestart(): void {
    this.board.system.onRestart = (cause) => {
      this.#restartCause = cause;
    };
  }

  /** One host-loop step: simulated time follows host time; restarts, saves and the status line happen here. */
  step(): void {
    if (this.#stopped) return;
    const host = this.now();
    this.board.clock.elapse(Math.max(0, host - this.#lastHost));
    this.#lastHost = host;
    if (this.#restartCause !== undefined) {
      const cause = this.#restartCause;
      this.#restartCause = undefined;
      this.meter.persist();
      this.board.restart(cause as "software" | "watchdog", false);
      this.#watchRestart();
      this.log.line(`firmware restarted (${cause})`);
    }
    if (host - this.#lastSave >= this.options.saveEveryMs) this.save();
    if (this.options.status && host - this.#lastStatus >= 1000) {
      this.#lastStatus = host;
      this.log.status(formatStatus(this.meter.status()));
    }
  }

  /** Writes the meter's durable state and the RTC to the state directory. */
  save(): void {
    this.meter.persist();
    this.state.save(this.board.clock.nowUtcMs(), this.now());
    this.#lastSave = this.now();
  }

  /** Clean stop (SIGINT/SIGTERM): the firmware's power-fail path, then the files, then the links. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    if (this.#loop !== undefined) clearInterval(this.#loop);
    this.board.clock.elapse(Math.max(0, this.now() - this.#lastHost));
    this.meter.stop();
    this.state.save(this.board.clock.nowUtcMs(), this.now());
    this.tcp?.close();
    this.optical?.close();
  }
}
