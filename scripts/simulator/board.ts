/**
 * The `sim` board: every port of the meter backed by a simulated peripheral
 * on one simulated clock. The simulator launcher and the tests (both
 * runtimes: no Node APIs here) build the meter through it, so they exercise
 * the same wiring. What the board is comes from its one definition,
 * boards/sim/board.ts (the one Moddable's simulator also runs): the energy IC
 * (the driver its data names, and that driver's chip model from
 * hal/sim/energy-ics.ts), its chip select and SPI settings, the storage
 * partition's geometry and the DLMS wrapper port. Restarting the firmware keeps what survives on real
 * hardware (the clock, the store, the relay's position) and replaces what
 * does not (timers, the system port's state, RAM).
 */
import { SimKeypad } from "../../hal/sim/keypad.js";
import type { DigitalIn, DigitalOut } from "../../hal/digital.js";
import type { ResetCause } from "../../hal/system.js";
import { SimClock } from "../../hal/sim/clock.js";
import { simDelay } from "../../hal/sim/delay.js";
import { SimSystem } from "../../hal/sim/system.js";
import { SimTimers } from "../../hal/sim/timers.js";
import type { EnergyIc, EnergyIcDriver } from "../../hal/energy-ic.js";
import { simEnergyChip, type SimEnergyChip } from "../../hal/sim/energy-ics.js";
import { SimCrypto } from "../../hal/sim/crypto.js";
import { SimFlash } from "../../hal/sim/flash.js";
import { regionOf } from "../../boards/partition-map.js";
import { board as simBoard } from "../../boards/sim/board.js";
import type { Board } from "../../boards/types.js";
import type { FlashPartition } from "../../hal/flash.js";
import { SimSerialLine } from "../../hal/sim/serial.js";
import { SimSpiBus } from "../../hal/sim/spi-bus.js";
import { SimTcpNetwork } from "../../hal/sim/tcp.js";
import type { TcpConnector } from "../../hal/tcp-client.js";
import type { SerialPort } from "../../hal/serial.js";
import type { TcpListener } from "../../hal/tcp.js";
import type { Timers } from "../../hal/timer.js";
import { createMeter, type Meter } from "../../src/meter/meter.js";
import type { MeterConfig } from "../../src/meter/config.js";
import type { MeterPorts } from "../../src/meter/ports.js";
import type { KeyValueStore } from "../../src/persistence.js";
import type { StorageBudget } from "../../src/storage/budget.js";
import { DailyCurveScenario, DEFAULT_CURVE, type LoadCurve } from "./daily-load.js";

/** The board these simulated peripherals stand for (boards/sim/board.ts). */
export const SIM_BOARD: Readonly<Board> = simBoard;

/** The sim board's storage partition, whose geometry the default data partition takes. */
function storageOf(board: Readonly<Board>) {
  for (const map of board.partitionMaps) {
    const r = regionOf(map, "storage");
    if (r) return r;
  }
  throw new Error(`${board.name} has no storage partition`);
}
const SIM_STORAGE = storageOf(SIM_BOARD);

/** A latching relay with an auxiliary contact: the feedback follows the coil unless welded/broken by a test. */
class SimRelay implements DigitalOut {
  level: 0 | 1 = 1;
  stuck: 0 | 1 | undefined;
  write(level: 0 | 1): void {
    this.level = level;
  }
  read(): 0 | 1 {
    return this.level;
  }
  readonly feedback: DigitalIn = { read: () => (this.stuck !== undefined ? this.stuck : this.level) };
}

/** A push button the host presses. */
class SimButton implements DigitalIn {
  #level: 0 | 1 = 0;
  readonly #handlers: ((level: 0 | 1) => void)[] = [];
  read(): 0 | 1 {
    return this.#level;
  }
  onChange(handler: (level: 0 | 1) => void): void {
    this.#handlers.push(handler);
  }
  press(): void {
    for (const level of [1, 0] as const) {
      this.#level = level;
      for (const h of this.#handlers) h(level);
    }
  }
}

export interface SimBoardOptions {
  startUtcMs: number;
  speed?: number;
  /** A bare store instead of flash (then no load profile); default: a 256 KiB data partition. */
  store?: KeyValueStore;
  /** The data partition (the simulator passes one mirrored to its state file). */
  flash?: FlashPartition;
  /** The board's storage budget over `flash` (src/storage/budget.ts); the reference boards' when absent. */
  storageBudget?: StorageBudget;
  /** MCUboot slots; default two 256 KiB simulated slots. */
  slots?: { primary: FlashPartition; secondary: FlashPartition };
  curve?: LoadCurve;
  watchdogMs?: number;
  /**
   * The links each firmware instance gets. Default: the in-memory TCP
   * network (port 4059) and a simulated optical line, on simulated time;
   * the simulator passes real sockets and its pty instead.
   */
  links?: () => BoardLinks;
  /**
   * Entropy for HLS challenges and generated keys. The simulator passes the
   * host's CSPRNG; tests leave it out for SimCrypto's deterministic generator.
   */
  random?: (length: number) => Uint8Array;
}

export interface BoardLinks {
  tcp?: TcpListener;
  /** Outgoing connections of this firmware instance; disposed when it restarts (an MCU reset drops them). */
  tcpClient?: TcpConnector & { dispose(): void };
  optical?: SerialPort;
  linkTimers?: Timers;
}

/** Sectors of the simulated data partition: the sim board's 256 KiB storage partition (a year of load profile, daily values, billing, seven event logs, settings). */
export const DATA_SECTORS = SIM_STORAGE.region.size / SIM_STORAGE.device.sectorSize;

/** Sectors of each simulated MCUboot slot (256 KiB: smaller than the board map's 1.5 MiB slots, to keep tests' and the state file's memory small). */
export const SLOT_SECTORS = 64;

/** The DLMS wrapper port of the in-memory network: the sim board's. */
export const SIM_TCP_PORT = SIM_BOARD.tcpPort ?? 4059;

export class SimBoard {
  readonly clock: SimClock;
  readonly store: KeyValueStore | undefined;
  readonly flash: FlashPartition | undefined;
  readonly storageBudget: StorageBudget | undefined;
  readonly slots: { primary: FlashPartition; secondary: FlashPartition };
  readonly relay = new SimRelay();
  readonly curve: LoadCurve;
  readonly watchdogMs: number;
  readonly bus = new SimSpiBus();
  /** The board's energy IC: its model keeps running across a firmware restart (it is powered by the mains, not the MCU). */
  readonly chip: SimEnergyChip;
  readonly scenario: DailyCurveScenario;
  timers: SimTimers;
  system: SimSystem;
  button = new SimButton();
  /** The customer keypad (prepayment token entry); a restart keeps the keys, the firmware re-registers. */
  keypad = new SimKeypad();
  driver: EnergyIc | undefined;
  readonly #icDriver: EnergyIcDriver;
  meter: Meter | undefined;
  boots = 0;
  readonly crypto: SimCrypto;
  /** Timers of the world around the meter (network latency, the probe's line): they survive firmware restarts. */
  readonly worldTimers: SimTimers;
  readonly network: SimTcpNetwork;
  /** The optical line of the current firmware instance (a restart re-opens the UART on a fresh line). */
  line: SimSerialLine | undefined;
  readonly #links: () => BoardLinks;
  #tcpClient: (TcpConnector & { dispose(): void }) | undefined;
  #config: Partial<MeterConfig> = {};
  /** What runs between a reset and the firmware's start: the bootloader (scripts/simulator/bootloader.ts). */
  beforeBoot: (() => void) | undefined;

  constructor(options: SimBoardOptions) {
    const ic = SIM_BOARD.energyIc;
    this.#icDriver = ic.driver;
    // The clock starts the IC's start-up wait (the ATM90E32's reset time) before startUtcMs, so
    // that the first boot ends, and the meter meters, from the instant the caller gave.
    this.clock = new SimClock({ startUtcMs: options.startUtcMs - this.#icDriver.startWaitMs, speed: options.speed ?? 1 });
    this.crypto = new SimCrypto(options.random);
    this.store = options.store;
    // The sim board's storage region, by default.
    const d = SIM_STORAGE.device;
    this.flash = options.store ? undefined : (options.flash ?? new SimFlash({ sectorSize: d.sectorSize, sectorCount: DATA_SECTORS, writeSize: d.writeSize, ratedEraseCycles: d.ratedEraseCycles }));
    this.storageBudget = options.storageBudget;
    const slot = () => new SimFlash({ sectorSize: d.sectorSize, sectorCount: SLOT_SECTORS, writeSize: d.writeSize, ratedEraseCycles: d.ratedEraseCycles });
    this.slots = options.slots ?? { primary: slot(), secondary: slot() };
    this.curve = options.curve ?? DEFAULT_CURVE;
    this.watchdogMs = options.watchdogMs ?? 0;
    this.timers = new SimTimers(this.clock);
    this.system = new SimSystem(this.clock, { watchdogMs: this.watchdogMs });
    this.scenario = new DailyCurveScenario(this.curve, this.clock, this.clock, () => this.relay.feedback.read() === 1);
    this.chip = simEnergyChip(ic.driver.type, { scenario: this.scenario, clock: this.clock });
    this.bus.attach(ic.selects[0], this.chip);
    this.worldTimers = new SimTimers(this.clock);
    this.network = new SimTcpNetwork(this.worldTimers);
    this.#links =
      options.links ??
      (() => {
        this.line = new SimSerialLine(this.worldTimers);
        return { tcp: this.network.listen(SIM_TCP_PORT), optical: this.line.meter, tcpClient: this.network.connector() };
      });
  }

  ports(): MeterPorts {
    this.driver?.close();
    // The driver as boards/moddable-meter.ts opens it: ECMA-419 style {sensor: {io, select, hz, mode}} from the board's data.
    const ic = SIM_BOARD.energyIc;
    this.driver = this.#icDriver.open({ sensor: { io: this.bus.io, select: ic.selects[0], hz: ic.bus.hz, mode: ic.bus.mode }, delay: simDelay(this.clock) });
    const links = this.#links();
    this.#tcpClient = links.tcpClient;
    return {
      rtc: this.clock,
      mono: this.clock,
      timers: this.timers,
      system: this.system,
      ...(this.flash ? { flash: this.flash, storageBudget: this.storageBudget } : { store: this.store }),
      slots: this.slots,
      energyIc: this.driver,
      defaultCalibration: this.#icDriver.defaultCalibration(),
      relay: this.relay,
      relayFeedback: this.relay.feedback,
      button: this.button,
      keypad: this.keypad,
      crypto: this.crypto,
      ...(SIM_BOARD.holdUp ? { holdUp: { ...SIM_BOARD.holdUp } } : {}),
      ...links,
    };
  }

  /** Builds and starts the firmware. */
  boot(config: Partial<MeterConfig> = {}): Meter {
    this.#config = config;
    this.beforeBoot?.();
    this.meter = createMeter(this.ports(), config);
    this.meter.start();
    this.boots++;
    return this.meter;
  }

  /**
   * Restarts the firmware as the hardware would after `cause`: RAM and timers
   * are gone; the store, the RTC and the relay keep their state. A power cut
   * runs the power-fail path first when `warned` (the supply capacitor gave
   * the early warning), otherwise the firmware just vanishes.
   */
  restart(cause: ResetCause, warned = true, offMs = 0): Meter {
    if (this.meter && warned && (cause === "power-on" || cause === "brown-out")) this.system.raisePowerFail();
    // A reset drops every connection and releases the listening port.
    this.meter?.dlms?.close();
    this.#tcpClient?.dispose();
    this.timers.dispose();
    this.system.dispose();
    if (offMs > 0) this.clock.powerLoss(offMs);
    this.timers = new SimTimers(this.clock);
    this.system = new SimSystem(this.clock, { resetCause: cause, watchdogMs: this.watchdogMs });
    this.button = new SimButton();
    this.keypad = new SimKeypad();
    return this.boot(this.#config);
  }
}
