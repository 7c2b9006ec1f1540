/**
 * The simulator process core, usable in-process by tests: the meter on the
 * sim board, its state directory, the TCP listener and the optical pty, the
 * host loop that turns host time into simulated time, and the clean stop.
 */
import { randomBytes } from "node:crypto";
import { toHex } from "../../src/util/bytes.js";
import { formatStatus } from "../../src/meter/status.js";
import type { Meter } from "../../src/meter/meter.js";
import { ClientSap } from "../../src/meter/dlms.js";
import { NodeTimers } from "../lab/node-ports.js";
import { ESP32_NOR } from "../../hal/sim/flash.js";
import { SLOT_SECTORS, SimBoard } from "./board.js";
import { boardStorage } from "./boards.js";
import { ListenerView, SerialView } from "./links.js";
import type { SimulatorOptions } from "./options.js";
import { PtySerialPort } from "./pty.js";
import { StateDir } from "./state.js";
import { SimBootloader } from "./bootloader.js";
import { installFactoryImage } from "./factory-image.js";
import { MCUBOOT_ESP32, maxImageSize } from "../../src/fota/bootloader-config.js";
import { board as simBoardData } from "../../boards/sim/board.js";
import { type ByteSource, IMAGE_MAGIC, decodeHeader, versionString } from "../../src/fota/image.js";
import { ImageVerifier } from "../../src/fota/verify.js";
import { NodeTcpListener } from "./tcp-bridge.js";
import { NodeTcpConnector } from "./tcp-client.js";
import { defaultPushConfig } from "../../src/meter/push.js";
import { PushReason } from "../../src/push/engine.js";
import { simCommissioningToken, simPrepaySetup, simVendingLines } from "../sts/sim-setup.js";
import { TOKEN_RESULT_NAMES } from "../../src/prepay/results.js";

export interface SimulatorLog {
  line(text: string): void;
  /** The live status: rewritten in place on a TTY. */
  status(text: string): void;
}

/**
 * The simulated board's MCUboot: the ESP32 port's build (allow-list,
 * 512-sector trailer, downgrade prevention by security counter), since the
 * sim board stands for the ESP32 meter.
 */
const SIM_BOOTLOADER = simBoardData.partitionMaps[0].mcuboot ?? MCUBOOT_ESP32;

function runningVersion(primary: ByteSource): string {
  const h = decodeHeader(primary.read(0, 32));
  return h.magic === IMAGE_MAGIC ? versionString(h.version) : "(no image in the primary slot)";
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
  /** Link timers run in host time: an accelerated meter clock must not time out a client. */
  readonly linkTimers = new NodeTimers();
  #tcpView: ListenerView | undefined;
  #serialView: SerialView | undefined;

  private constructor(
    readonly options: SimulatorOptions,
    private readonly log: SimulatorLog,
    private readonly now: () => number,
    tcp: NodeTcpListener,
    optical: PtySerialPort | undefined,
  ) {
    const storage = boardStorage(options.board);
    this.state = new StateDir(options.stateDir, storage.geometry, { ...ESP32_NOR, sectorCount: SLOT_SECTORS });
    this.tcp = tcp;
    this.optical = optical;
    tcp.onConnection((c) => (this.#tcpView ? this.#tcpView.accept(c) : c.close()));
    optical?.onReceive((b) => this.#serialView?.deliver(b));
    const host = now();
    this.board = new SimBoard({
      startUtcMs: this.state.rtcNow(host) ?? host,
      speed: options.speed,
      flash: this.state.flash,
      storageBudget: storage.budget,
      slots: this.state.slots,
      curve: options.curve,
      // The host's CSPRNG: HLS challenges must differ at every start (hal/sim/crypto.ts).
      random: (n) => new Uint8Array(randomBytes(n)),
      // The meter kicks the watchdog every tick; a firmware that stops ticking is restarted as a board would be.
      watchdogMs: 10_000,
      links: () => {
        this.#tcpView = new ListenerView(tcp);
        this.#serialView = optical ? new SerialView(optical) : undefined;
        return { tcp: this.#tcpView, optical: this.#serialView, linkTimers: this.linkTimers, tcpClient: new NodeTcpConnector() };
      },
    });
  }

  get meter(): Meter {
    return this.board.meter as Meter;
  }

  /**
   * Starts everything. Tests pass their own `now` and `loop: false`, then
   * call step() to move host time: the run is deterministic.
   */
  static async start(options: SimulatorOptions, log: SimulatorLog, now: () => number = Date.now, loop = true): Promise<Simulator> {
    const tcp = await NodeTcpListener.listen(options.tcpPort);
    let optical: PtySerialPort | undefined;
    let opticalProblem = "";
    if (options.optical) {
      try {
        optical = await PtySerialPort.open();
      } catch (e) {
        opticalProblem = (e as Error).message;
      }
    }
    const sim = new Simulator(options, log, now, tcp, optical);
    if (installFactoryImage(sim.state.slots.primary, sim.state.fotaKey)) log.line("primary slot: factory image 1.0.0+0 (security counter 1) installed");
    // MCUboot runs before every firmware start: test swap, permanent swap or revert.
    const bootloader = new SimBootloader(
      sim.state.slots.primary,
      sim.state.slots.secondary,
      SIM_BOOTLOADER,
      new ImageVerifier({ signature: SIM_BOOTLOADER.signature, keys: [sim.state.fotaKey.spki], tlvAllowList: SIM_BOOTLOADER.tlvAllowList, maxImageSize: maxImageSize(SIM_BOOTLOADER, sim.state.slots.primary.byteLength) }, sim.board.crypto),
    );
    sim.board.beforeBoot = () => {
      const outcome = bootloader.boot();
      const b = bootloader.last;
      if (outcome === "refused") log.line(`bootloader: secondary image refused (${b.verdict}: ${b.reason}) and erased`);
      else if (outcome !== "none") log.line(`bootloader: ${outcome === "revert" ? "reverted to the previous image" : `${outcome} swap`}, running ${runningVersion(sim.state.slots.primary)}`);
    };
    const selfTest = options.selfTest === "fail" ? () => false : undefined;
    // Prepayment on the sample tables; mode 6 lets credit reconnect the supply by itself (issue 20).
    const meter = sim.board.boot({
      fota: { keys: [sim.state.fotaKey.spki], signature: "ecdsa-p256", blockSize: 256, bootloader: SIM_BOOTLOADER, selfTest },
      prepay: simPrepaySetup(),
      disconnectMode: 6,
      push: { ...defaultPushConfig(), destination: options.pushTo ?? "" },
    });
    sim.#watchRestart();
    sim.#watchPushes();
    const id = meter.config.identity;
    const sec = meter.config.security;
    log.line(`storage: ${boardStorage(options.board).where}`);
    for (const l of meter.storageLines) log.line(l);
    const h = meter.health;
    if (h.damage > 0) {
      const when = h.damageNew ? "logged now, event 245; invocation counters checked" : `known since ${new Date(h.lastDamageUtcMs ?? 0).toISOString()}`;
      log.line(`storage damage: ${h.damage} damaged regions or records, ${h.damagedSectors} damaged or missing sectors (${when}; read 0-0:96.128.1.255)`);
      const unproven = meter.dlms ? Object.entries(meter.dlms.setups).filter(([, s]) => !s.rx.proven).map(([n]) => n) : [];
      if (unproven.length) log.line(`receive invocation counters of ${unproven.join(", ")} not proven after the damage: ciphered service only after an HLS authentication (or a key change)`);
    }
    // Also once the damage itself is collected away: the refusal lasts until new keys are loaded.
    const refused = meter.dlms ? Object.entries(meter.dlms.setups).filter(([, s]) => s.tx.refused).map(([n]) => n) : [];
    if (refused.length) log.line(`transmit invocation counters of ${refused.join(", ")} lost with every copy: ciphered service with their keys refused (security event 15) until new keys are loaded (ARCHITECTURE.md, Storage)`);
    if (h.unclean) log.line(`power failure without warning detected: logged from ${new Date(h.downUtcMs ?? 0).toISOString()}`);
    if (h.clockBehindS > 0) log.line(`clock ${h.clockBehindS} s behind stored data: clock status invalid until set`);
    if (h.relayStateLost) log.line("relay state unreadable: relay left disconnected, ready for reconnection");
    log.line(`meter ${id.manufacturer}${id.serial.padStart(13, "0")}: ${meter.restored ? "state restored from" : "fresh state in"} ${options.stateDir}`);
    if (meter.boot.safeMode) log.line(`SAFE MODE: ${meter.boot.attempts - 1} unstable starts in a row; metering and DLMS only until a stable run (read 0-0:96.128.0.255)`);
    log.line(
      `associations: public SAP ${ClientSap.public} (no security); reader SAP ${ClientSap.reader} and management SAP ${ClientSap.management} ` +
        `(HLS-GMAC, --akey ${toHex(sec.authenticationKey)} --ekey ${toHex(sec.globalUnicastKey)}); firmware SAP ${ClientSap.firmware} (LLS)`,
    );
    log.line(`running firmware ${runningVersion(sim.state.slots.primary)}`);
    log.line(
      `firmware images: sign with npm run imgtool -- sign --key ${sim.state.fotaKeyPath} --header-size 0x200 --pad-header --align 4 --max-sectors 512 ` +
        `--version 1.1.0 --security-counter 1 --slot-size ${SLOT_SECTORS * ESP32_NOR.sectorSize} IN OUT`,
    );
    for (const l of simVendingLines()) log.line(l);
    if (!meter.restored && meter.prepay && meter.prepay.record.tokensApplied === 0) {
      const token = simCommissioningToken(meter.clock.now());
      const r = meter.prepay.enterToken(token, "local");
      log.line(`  commissioning credit token ${token}: ${TOKEN_RESULT_NAMES[r.result]}, credit ${(meter.prepay.available() / 1000).toFixed(1)} kWh`);
    }
    log.line(`listening on tcp://127.0.0.1:${tcp.port}`);
    if (options.pushTo) log.line(`pushing to tcp://${options.pushTo} (wrapper wPort 1 to 102, general-glo-ciphering under the management keys): npm run lab -- listen --port ${options.pushTo.split(":").pop()} --akey ${toHex(sec.authenticationKey)} --ekey ${toHex(sec.globalUnicastKey)}`);
    if (optical) log.line(`optical port on ${optical.path}`);
    else if (options.optical) log.line(`optical port unavailable: ${opticalProblem}`);
    sim.#lastHost = now();
    sim.#lastSave = sim.#lastHost;
    if (loop) sim.#loop = setInterval(() => sim.step(), LOOP_MS);
    return sim;
  }

  #watchRestart(): void {
    this.board.system.onRestart = (cause) => {
      this.#restartCause = cause;
    };
    // A reboot asked for while the firmware was starting (a new image whose self-test failed) happened before the watch.
    const early = this.board.system.nextResetCause;
    if (early !== undefined) this.#restartCause = early;
  }

  /** Each push attempt of the current firmware instance, on the log. */
  #watchPushes(): void {
    this.meter.pushes?.onOutcome((o) => {
      const reason = Object.entries(PushReason).find(([, v]) => v === o.reason)?.[0] ?? String(o.reason);
      const what = `push ${o.setup.toString()} (${reason}, attempt ${o.attempt})`;
      this.log.line(o.ok ? `${what}: sent ${o.bytes} bytes` : `${what}: failed${o.dropped ? ", dropped" : ", will retry"}`);
    });
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
      this.#watchPushes();
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
    this.state.close();
    this.linkTimers.clearAll();
    this.tcp?.close();
    this.optical?.close();
  }
}
