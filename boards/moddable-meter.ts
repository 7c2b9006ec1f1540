import type { MonotonicClock, Rtc } from "../hal/clock.js";
import type { CryptoPort } from "../hal/crypto.js";
import type { Delay } from "../hal/delay.js";
import type { DigitalIn, DigitalOut } from "../hal/digital.js";
import type { FlashPartition } from "../hal/flash.js";
import type { Logger } from "../hal/logger.js";
import type { SerialPort } from "../hal/serial.js";
import type { SpiSensorOptions } from "../hal/spi-device.js";
import type { SystemPort } from "../hal/system.js";
import type { TcpListener } from "../hal/tcp.js";
import type { TcpConnector } from "../hal/tcp-client.js";
import type { Timers } from "../hal/timer.js";
import type { MeterConfig } from "../src/meter/config.js";
import { createMeter, type Meter } from "../src/meter/meter.js";
import type { MeterPorts } from "../src/meter/ports.js";
import { checkPartitionMap, regionOf } from "./partition-map.js";
import type { Board, FlashDeviceMap, FlashRegion, InputPin, PartitionMap, SpiBusConfig, UartConfig } from "./types.js";

/**
 * How a platform opens each peripheral. boards/<board>/main.js binds these
 * to hal/moddable/device/*; tests bind them to simulated peripherals, so the
 * wiring below runs on Node and XS as well as on a board.
 */
export interface DeviceBindings {
  timers(): Timers;
  clocks(): { monotonic: MonotonicClock; rtc: Rtc };
  logger(): Logger;
  flash(region: FlashRegion, device: FlashDeviceMap): FlashPartition;
  digitalIn(pin: InputPin): DigitalIn;
  digitalOut(pin: number, initial: 0 | 1): DigitalOut;
  spi(bus: SpiBusConfig, select: number): SpiSensorOptions;
  /** The blocking wait drivers need for a chip's reset time (hal/delay.ts). */
  delay(): Delay;
  system(powerFail?: DigitalIn): SystemPort;
  crypto(): CryptoPort;
  /** Absent where the platform has no UART binding for the optical port. */
  serial?(uart: UartConfig, baud: number): SerialPort;
  /** Absent where the platform has no network (nRF52 native). */
  tcp?(port: number): TcpListener;
  /** Outgoing connections (pushes); absent without a network. */
  tcpClient?(): TcpConnector;
}

/** Mode E starts every session at 300 Bd (IEC 62056-21). */
const OPTICAL_START_BAUD = 300;

/** An input reported as 1 when active, whatever its electrical level. */
export function activeHigh(input: DigitalIn, active: 0 | 1): DigitalIn {
  if (active === 1) return input;
  const flip = (level: 0 | 1): 0 | 1 => (level === 0 ? 1 : 0);
  return {
    read: () => flip(input.read()),
    onChange: (handler) => input.onChange?.((level) => handler(flip(level))),
  };
}

/**
 * The meter's ports on a board: the one place that decides which
 * implementation backs each port. `mapIndex` picks the partition map of the
 * build (nrf52840dk has one per SDK port). A map that fails the partition
 * check throws here, before anything touches flash.
 */
export function boardPorts(board: Board, devices: DeviceBindings, mapIndex = 0): MeterPorts {
  const map: PartitionMap | undefined = board.partitionMaps[mapIndex];
  if (!map) throw new Error(`${board.name} has no partition map ${mapIndex}`);
  const problems = checkPartitionMap(map);
  if (problems.length) throw new Error(`${board.name} partition map: ${problems.join("; ")}`);
  const storage = regionOf(map, "storage");
  if (!storage) throw new Error(`${board.name} has no storage region`);

  const logger = devices.logger();
  const { monotonic, rtc } = devices.clocks();
  const ic = board.energyIc;
  const driver = ic.driver;
  // The CircuitSetup board carries two ATM90E32: the meter bills the first
  // (CT1-CT3 on voltage 1); the second IC stays unused until the meter
  // takes more than one energy IC.
  const sensor = devices.spi(ic.bus, ic.selects[0]);
  const energyIc = driver.open({ sensor, delay: devices.delay() });
  const defaultCalibration = driver.defaultCalibration();

  if (!board.relay) throw new Error(`${board.name} has no relay`);
  const relayFeedback = activeHigh(devices.digitalIn(board.relay.feedback), board.relay.feedback.active);
  // Drive the coil to what the contact already is, so a restart never toggles the supply.
  const relay = devices.digitalOut(board.relay.drive, relayFeedback.read());
  // ModdableSystem calls the power-fail handlers on a falling level.
  const powerFail = board.powerFail ? devices.digitalIn(board.powerFail) : undefined;
  const system = devices.system(powerFail && board.powerFail?.active === 1 ? activeHigh(powerFail, 0) : powerFail);

  const ports: MeterPorts = {
    rtc,
    mono: monotonic,
    timers: devices.timers(),
    system,
    flash: devices.flash(storage.region, storage.device),
    storageBudget: board.storage,
    energyIc,
    defaultCalibration,
    relay,
    relayFeedback,
    crypto: devices.crypto(),
    logger,
  };
  // MCUboot's slots (the running image and the download target; the host
  // board's simulator plays MCUboot on the same layout): with them
  // and a FOTA key the meter offers Image Transfer (class 18). A map without
  // MCUboot (the nRF5 port's UF2 bootloader) has none, so no firmware update.
  const primary = regionOf(map, "mcuboot-primary");
  const secondary = regionOf(map, "mcuboot-secondary");
  if (primary && secondary) {
    ports.slots = { primary: devices.flash(primary.region, primary.device), secondary: devices.flash(secondary.region, secondary.device) };
  }
  if (board.button) ports.button = activeHigh(devices.digitalIn(board.button), board.button.active);
  if (board.opticalPort && devices.serial) ports.optical = devices.serial(board.opticalPort, OPTICAL_START_BAUD);
  if (board.tcpPort !== undefined && devices.tcp) ports.tcp = devices.tcp(board.tcpPort);
  if (board.tcpPort !== undefined && devices.tcpClient) ports.tcpClient = devices.tcpClient();
  if (board.holdUp) ports.holdUp = { ...board.holdUp };
  return ports;
}

/** Builds and starts the meter: what boards/<board>/main.js runs at boot. */
export function startBoardMeter(board: Board, devices: DeviceBindings, mapIndex = 0, config: Partial<MeterConfig> = {}): Meter {
  // FOTA verdicts follow the map's own MCUboot build (trailer size, allow-list, downgrade rule).
  const mcuboot = board.partitionMaps[mapIndex]?.mcuboot;
  if (config.fota && mcuboot && !config.fota.bootloader) config = { ...config, fota: { ...config.fota, bootloader: mcuboot } };
  const meter = createMeter(boardPorts(board, devices, mapIndex), config);
  meter.start();
  return meter;
}
