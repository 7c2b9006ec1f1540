/**
 * What the XS stack must hold on a board, as scenarios for the stack probe
 * (scripts/xs-stack.ts): the esp32 board's meter booting through the device
 * composition root, and the deepest DLMS exchanges a head-end makes over the
 * TCP wrapper (HLS-GMAC association, then the management object_list,
 * ciphered, in blocks). Every step is synchronous: bytes go in, simulated
 * time moves, the meter answers inside the same call, so the probe can run
 * a step on top of a known amount of used stack. Runs on XS and Node.
 *
 * Crypto is the simulated port (JavaScript: hal/sim/aes-gcm.ts, noble for the rest), deeper than the SDK's
 * native AES and GHASH on a board: the figure errs on the safe side.
 */
import { board as esp32 } from "../../boards/esp32-atm90e32/board.js";
import { startBoardMeter } from "../../boards/moddable-meter.js";
import type { SimTcpEnd } from "../../hal/sim/tcp.js";
import { simHost } from "./sim-host.js";
import { decodeApdu, encodeApdu } from "../../src/cosem/client/codec.js";
import { decodeAare } from "../../src/cosem/client/client-apdu.js";
import { hlsGmacAarq } from "./hls.js";
import { Conformance } from "../../src/cosem/apdu/conformance.js";
import { D } from "../../src/cosem/axdr.js";
import { Obis } from "../../src/cosem/obis.js";
import { openApdu, readEnvelope, sealApdu } from "../../src/cosem/security/protect.js";
import { hlsGmac } from "../../src/cosem/security/suite0.js";
import { DEVELOPMENT_KEYS } from "../../src/meter/config.js";
import { ClientSap } from "../../src/meter/dlms.js";
import type { Meter } from "../../src/meter/meter.js";
import { decodeWrapperHeader, encodeWrapper, WRAPPER_HEADER_SIZE } from "../../src/transport/wrapper/wrapper.js";

/** One measured step: `prepare` runs outside the measurement (client work), `run` inside it. */
export interface StackStep {
  prepare(): void;
  run(): void;
}

export interface StackScenario {
  readonly name: string;
  /** Builds the scenario's world; returns the steps in order, and what they achieved (for the scenario's test). */
  steps(): StackStep[] & { outcome?: () => { blocks: number; done: boolean } };
}

const host = () => simHost(esp32);

/** The meter's first boot on the esp32 board: formats the store, builds the catalog, starts the links. */
export const bootScenario: StackScenario = {
  name: "boot",
  steps() {
    const h = host();
    return [{ prepare() {}, run: () => void startBoardMeter(esp32, h.bindings).stop() }];
  },
};

const KEYS = { encryptionKey: DEVELOPMENT_KEYS.globalUnicastKey, authenticationKey: DEVELOPMENT_KEYS.authenticationKey };
const CLIENT_TITLE = Uint8Array.of(0x4d, 0x4d, 0x4d, 0, 0, 0, 0, 1);
const CONF = Conformance.get | Conformance.set | Conformance.action | Conformance.blockTransferWithGet | Conformance.selectiveAccess;
const SAP = ClientSap.management;

/** The management client's HLS-GMAC association and its ciphered object_list read, block by block, over the TCP wrapper. */
export const dlmsScenario: StackScenario = {
  name: "dlms",
  steps() {
    const h = host();
    const meter: Meter = startBoardMeter(esp32, h.bindings);
    const serverTitle = meter.config.security.serverSystemTitle;
    const client: SimTcpEnd | undefined = h.network.connect(esp32.tcpPort ?? 4059);
    if (!client) throw new Error("stack scenario: the meter does not listen");
    let received: Uint8Array = new Uint8Array(0);
    client.onData((bytes) => {
      const all = new Uint8Array(received.length + bytes.length);
      all.set(received);
      all.set(bytes, received.length);
      received = all;
    });
    let ic = 1;
    let request: Uint8Array = new Uint8Array(0);
    let stoc: Uint8Array | undefined;
    let next: { block: number; done: boolean } = { block: 0, done: false };
    const seal = (plain: Uint8Array) => sealApdu(h.crypto, plain, { securityControl: 0x30, systemTitle: CLIENT_TITLE, invocationCounter: ic++, keys: KEYS, dedicated: false, general: false });
    /** Sends the prepared request and lets the meter answer within the call. */
    const exchange = () => {
      received = new Uint8Array(0);
      client.write(encodeWrapper(SAP, 1, request));
      for (let ms = 0; ms < 50 && received.length < WRAPPER_HEADER_SIZE; ms++) h.clock.advance(1);
    };
    const reply = (): Uint8Array => {
      const header = decodeWrapperHeader(received);
      return received.subarray(WRAPPER_HEADER_SIZE, WRAPPER_HEADER_SIZE + header.length);
    };
    const opened = () => {
      const env = readEnvelope(reply());
      const r = env && openApdu(h.crypto, env, serverTitle, KEYS);
      if (!r?.ok) throw new Error("stack scenario: response does not open");
      return decodeApdu(r.plain);
    };
    const steps: StackStep[] = [
      {
        prepare() {
          const initiate = encodeApdu({ type: "initiate-request", proposedDlmsVersion: 6, proposedConformance: CONF | Conformance.generalProtection, clientMaxReceivePduSize: 1024 });
          request = hlsGmacAarq(CLIENT_TITLE, seal(initiate));
        },
        run: exchange,
      },
      {
        prepare() {
          stoc = decodeAare(reply()).authenticationValue;
          if (!stoc) throw new Error("stack scenario: no StoC in the AARE");
          const f = hlsGmac(h.crypto, KEYS, CLIENT_TITLE, ic++, stoc);
          request = seal(encodeApdu({ type: "action-request-normal", invokeId: 0xc1, descriptor: { classId: 15, instance: Obis.of(0, 0, 40, 0, 0), method: 1 }, parameters: D.octets(f) }));
        },
        run: exchange,
      },
      {
        prepare() {
          request = seal(encodeApdu({ type: "get-request-normal", invokeId: 0xc1, descriptor: { classId: 15, instance: Obis.of(0, 0, 40, 0, 0), attribute: 2 } }));
        },
        run: exchange,
      },
    ];
    // Each further block of the object_list is one more step (the count depends on the catalog).
    const more = (): StackStep => ({
      prepare() {
        const r = opened();
        if (r.type !== "get-response-with-datablock") {
          next = { block: 0, done: true };
          request = new Uint8Array(0);
          return;
        }
        next = { block: r.block.blockNumber, done: r.block.lastBlock };
        request = next.done ? new Uint8Array(0) : seal(encodeApdu({ type: "get-request-next", invokeId: 0xc1, blockNumber: next.block }));
      },
      run() {
        if (request.length) exchange();
      },
    });
    for (let i = 0; i < 64; i++) steps.push(more());
    return Object.assign(steps, { outcome: () => ({ blocks: next.block, done: next.done }) });
  },
};

export const stackScenarios: readonly StackScenario[] = Object.freeze([bootScenario, dlmsScenario]);
