/**
 * The `sim` board: every port of the meter backed by a simulated peripheral
 * on one simulated clock. The simulator launcher and the tests (both
 * runtimes: no Node APIs here) build the meter through it, so they exercise
 * the same wiring. Restarting the firmware keeps what survives on real
 * hardware (the clock, the store, the relay's position) and replaces what
 * does not (timers, the system port's state, RAM).
 */
import { SimKeypad } from "../../hal/sim/keypad.js";
import type { DigitalIn, DigitalOut } from "../../hal/digital.js";
import type { ResetCause } from "../../hal/system.js";
import { SimClock } from "../../hal/sim/clock.js";
import { SimSystem } from "../../hal/sim/system.js";
import { SimTimers } from "../../hal/sim/timers.js";
import { Atm90e32, defaultAtm90e32Calibration } from "../../hal/drivers/atm90e32.js";
import { SimAtm90e32 } from "../../hal/sim/atm90e32.js";
import { SimCrypto } from "../../hal/sim/crypto.js";
import { ESP32_NOR, SimFlash } from "../../hal/sim/flash.js";
import type { FlashPartition } from "../../hal/flash.js";
import { SimSerialLine } from "../../hal/sim/serial.js";
import { SimSpiBus } from "../../hal/sim/spi-bus.js";
import { SimTcpNetwork } from "../../hal/sim/tcp.js";
import type { TcpConnector } from "../../hal/tcp-client.js";
import { board as simBoardData } from "../../boards/sim/board.js";
import type { SerialPort } from "../../hal/serial.js";
import type { TcpListener } from "../../hal/tcp.js";
import type { Timers } from "../../hal/timer.js";
import { createMeter, type Meter } from "../../src/meter/meter.js";
import type { MeterConfig } from "../../src/meter/config.js";
import type { MeterPorts } from "../../src/meter/ports.js";
import type { KeyValueStore } from "../../src/persistence.js";
import type { StorageBudget } from "../../src/storage/budget.js";
import { DailyCurveScenario, DEFAULT_CURVE, type LoadCurve } from "./daily-load.js";

/** Chip select of the energy IC on the simulated SPI bus (the ESP32 board's CS pin). */
const IC_SELECT = 5;

/** A latching relay with an auxiliary contact: the feedback follows the coil unless welded/broken by a test. */
export class SimRelay implements DigitalOut {
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
export class SimButton implements DigitalIn {
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

/** Sectors of the simulated data partition: the boards' 256 KiB storage partition (a year of load profile, daily values, billing, seven event logs, settings). */
export const DATA_SECTORS = 64;

/** Sectors of each simulated MCUboot slot (256 KiB). */
export const SLOT_SECTORS = 64;

/** The DLMS wrapper port of the in-memory network. */
export const SIM_TCP_PORT = 4059;

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
  /** The energy IC keeps running across a firmware restart (it is powered by the mains, not the MCU). */
  readonly chip: SimAtm90e32;
  readonly scenario: DailyCurveScenario;
  timers: SimTimers;
  system: SimSystem;
  button = new SimButton();
  /** The customer keypad (prepayment token entry); a restart keeps the keys, the firmware re-registers. */
  keypad = new SimKeypad();
  driver: Atm90e32 | undefined;
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
    this.clock = new SimClock({ startUtcMs: options.startUtcMs, speed: options.speed ?? 1 });
    this.crypto = new SimCrypto(options.random);
    this.store = options.store;
    // A data partition of DATA_SECTORS sectors of 4 KiB, as on the ESP32 board's storage region.
    this.flash = options.store ? undefined : (options.flash ?? new SimFlash({ ...ESP32_NOR, sectorCount: DATA_SECTORS }));
    this.storageBudget = options.storageBudget;
    this.slots = options.slots ?? { primary: new SimFlash({ ...ESP32_NOR, sectorCount: SLOT_SECTORS }), secondary: new SimFlash({ ...ESP32_NOR, sectorCount: SLOT_SECTORS }) };
    this.curve = options.curve ?? DEFAULT_CURVE;
    this.watchdogMs = options.watchdogMs ?? 0;
    this.timers = new SimTimers(this.clock);
    this.system = new SimSystem(this.clock, { watchdogMs: this.watchdogMs });
    this.scenario = new DailyCurveScenario(this.curve, this.clock, this.clock, () => this.relay.feedback.read() === 1);
    this.chip = new SimAtm90e32({ scenario: this.scenario, clock: this.clock });
    this.bus.attach(IC_SELECT, this.chip);
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
    // The driver as the ESP32 board builds it: ECMA-419 style {sensor: {io, select, hz, mode}}.
    this.driver = new Atm90e32({ sensor: { io: this.bus.io, select: IC_SELECT, hz: 1_000_000, mode: 3 } });
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
      defaultCalibration: defaultAtm90e32Calibration(),
      relay: this.relay,
      relayFeedback: this.relay.feedback,
      button: this.button,
      keypad: this.keypad,
      crypto: this.crypto,
      holdUp: { ...simBoardData.holdUp! },
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
