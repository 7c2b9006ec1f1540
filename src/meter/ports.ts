/**
 * What the meter is built from: the HAL ports of a board plus the domain
 * feeds that are themselves built on ports. The composition root of each
 * board (boards/<board>/, the simulator) fills this in; nothing in src/meter
 * knows which implementation backs a port.
 */
import type { MonotonicClock, Rtc } from "../../hal/clock.js";
import type { CryptoPort } from "../../hal/crypto.js";
import type { DigitalIn, DigitalOut } from "../../hal/digital.js";
import type { FlashPartition } from "../../hal/flash.js";
import type { Logger } from "../../hal/logger.js";
import type { SerialPort } from "../../hal/serial.js";
import type { TcpListener } from "../../hal/tcp.js";
import type { TcpConnector } from "../../hal/tcp-client.js";
import type { SystemPort } from "../../hal/system.js";
import type { Timers } from "../../hal/timer.js";
import type { EventSink } from "../events.js";
import type { EnergyIc, PhaseCalibration } from "../../hal/energy-ic.js";
import type { TamperInputs } from "../metrology/service.js";
import type { KeyValueStore } from "../persistence.js";
import type { KeypadPort } from "../../hal/keypad.js";
import type { StorageBudget } from "../storage/budget.js";

export interface MeterPorts {
  rtc: Rtc;
  mono: MonotonicClock;
  timers: Timers;
  system: SystemPort;
  /**
   * The data partition: settings, counters, energy and the load profile
   * live in a log-structured store on it (src/storage). A meter built
   * without flash (tests) takes `store` instead and keeps no profile.
   */
  flash?: FlashPartition;
  /** Each storage stream's share of `flash` (the board's data); the reference boards' budget when absent. */
  storageBudget?: StorageBudget;
  store?: KeyValueStore;
  /** MCUboot's image slots (primary = running image, secondary = download target); with a FOTA key, the meter offers Image Transfer. */
  slots?: { primary: FlashPartition; secondary: FlashPartition };
  /** The energy IC's driver (hal/drivers) on its bus; metrology is built on it. */
  energyIc: EnergyIc;
  /** The IC's calibration until one is stored (driver defaults or factory values). */
  defaultCalibration: readonly PhaseCalibration[];
  tamper?: TamperInputs;
  /** Relay coil drive and its auxiliary-contact feedback. */
  relay: DigitalOut;
  relayFeedback: DigitalIn;
  /** Disconnect-control push button (pressed = 1); optional on boards without one. */
  button?: DigitalIn;
  /** Customer keypad (prepayment token entry); optional on boards without one. */
  keypad?: KeypadPort;
  /** Needed for the DLMS server (ciphering, HLS-GMAC); a meter without it has no DLMS front. */
  crypto?: CryptoPort;
  /** The DLMS wrapper's TCP listener and the optical port, when the board has them. */
  tcp?: TcpListener;
  optical?: SerialPort;
  /** Outgoing TCP connections (pushes to a head-end), when the board has a network. */
  tcpClient?: TcpConnector;
  /**
   * The board's hold-up after the power-fail signal (ms the supply capacitor
   * keeps the MCU running) and the part of it the flash save needs: the
   * last gasp push gets the rest (board data).
   */
  holdUp?: { holdUpMs: number; saveMs: number };
  /**
   * Timers of the communication links (HDLC inter-octet and inactivity,
   * mode E acknowledgement, wrapper inactivity); the metering timers when
   * absent. The simulator runs them in host time so that an accelerated
   * meter clock does not time out a client typing at human speed.
   */
  linkTimers?: Timers;
  /** Where domain events go; a bounded RAM log when absent (see events.ts here). */
  events?: EventSink;
  logger?: Logger;
}
