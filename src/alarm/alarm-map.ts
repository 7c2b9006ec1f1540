/**
 * Which alarm bit each logged event raises: one frozen table, keyed by event
 * log and event code, built from the domains' own code constants so that a
 * renumbered code follows. Every code a log can carry has an entry: a bit,
 * or NO_ALARM where the event is a record and not an alarm (a cover closed,
 * a client's change, a step of a transfer). host-tests/alarm/alarm-map.test.ts
 * walks every code of every log (LOG_TABLES of the lab console, which the lab
 * test proves covers every event-code table of src/) and fails on a code
 * without an entry, so a new event cannot be added without deciding this.
 *
 * Bit numbers. Alarm register 1 (0-0:97.98.0.255) follows the IDIS-derived
 * assignment that the Dutch DSMR/SMR 5 companion standard uses for its lower
 * half, as the open-source head-end GXF/OSGP decodes it
 * (OSGP/open-smart-grid-platform, osgp/protocol-adapter-dlms/.../infra/
 * networking/AlarmType.java): 0 clock invalid, 1 replace battery, 2 power
 * up, 3 auxiliary event, 4 configuration changed, 8 program memory error,
 * 9 RAM error, 10 NV memory error, 11 measurement system error, 12 watchdog
 * error, 13 fraud attempt, 28..30 phase outage L1..L3. Alarm register 2
 * (0-0:97.98.1.255) bits 0..5 are SMR 5's voltage sag L1..L3 and swell
 * L1..L3 (same source). The rest of register 2 (8 and up) is this meter's
 * own assignment for event classes the companion standard has no bit for
 * (over-current, relay, security, firmware, prepayment); the IDIS package 2
 * text itself was not available to this project, so a utility's companion
 * specification may remap them here, in one place. Bits 16..27 of register 1
 * stay free: DSMR uses them for M-Bus channels, which this meter has not.
 *
 * A table bit is (register - 1) * 32 + bit: 0..31 register 1, 32..63 register 2.
 */
import type { EventLogId } from "../events.js";
import { SecurityEvent } from "../cosem/security/events.js";
import { FirmwareEvent } from "../fota/transfer.js";
import { FaultEvent } from "../meter/faults.js";
import { SettingsEvent } from "../meter/settings.js";
import { MetrologyEvent } from "../metrology/event-codes.js";
import { TokenResult } from "../prepay/results.js";
import { PrepayEvent } from "../prepay/service.js";
import { DisconnectorEvent } from "../relay/disconnect.js";
import { StorageEventCode } from "../storage/health.js";
import { StandardEventCode } from "../tariff/event-codes.js";
import { frozen } from "../util/frozen.js";

/** The event is logged but raises no alarm. */
export const NO_ALARM = -1;

const R2 = 32;

/** Alarm bits by name (register 1: 0..31, register 2: 32 + bit). */
export const AlarmBit = Object.freeze({
  // Register 1 (IDIS / DSMR-SMR 5 assignment, see above).
  clockInvalid: 0,
  replaceBattery: 1,
  powerUp: 2,
  configurationChanged: 4,
  nvMemoryError: 10,
  measurementSystemError: 11,
  /** The watchdog-error bit: this meter raises it when unstable starts (resets) put it in safe mode. */
  watchdogError: 12,
  fraudAttempt: 13,
  phaseOutageL1: 28,
  phaseOutageL2: 29,
  phaseOutageL3: 30,
  // Register 2: SMR 5 bits 0..5.
  voltageSagL1: R2 + 0,
  voltageSagL2: R2 + 1,
  voltageSagL3: R2 + 2,
  voltageSwellL1: R2 + 3,
  voltageSwellL2: R2 + 4,
  voltageSwellL3: R2 + 5,
  // Register 2: this meter's own bits.
  overCurrentL1: R2 + 8,
  overCurrentL2: R2 + 9,
  overCurrentL3: R2 + 10,
  currentReversal: R2 + 11,
  relayDisconnected: R2 + 16,
  relayFailure: R2 + 17,
  limiterThresholdExceeded: R2 + 18,
  decryptionOrAuthenticationFailure: R2 + 20,
  replayAttack: R2 + 21,
  /** A client SAP locked out after repeated failed authentications (not every single failure). */
  associationAuthenticationFailure: R2 + 22,
  invocationCounterExhausted: R2 + 23,
  firmwareVerificationFailed: R2 + 24,
  firmwareActivationFailed: R2 + 25,
  /** A firmware step faulted and was contained (src/meter/faults.ts). */
  firmwareFault: R2 + 27,
  lowCredit: R2 + 28,
  creditExhausted: R2 + 29,
  emergencyCreditActivated: R2 + 30,
} as const);

/**
 * One log's table from two flat lists: `alarms` as (code, bit) pairs, `records` the codes that raise
 * nothing. Flat number lists rather than pairs, spreads and helpers per row: every array literal,
 * spread and call is bytecode on XS (issue 13).
 */
function table(alarms: readonly number[], records: readonly number[]): Readonly<Record<number, number>> {
  const t: Record<number, number> = {};
  for (let i = 0; i < alarms.length; i += 2) t[alarms[i]] = alarms[i + 1];
  for (let i = 0; i < records.length; i++) t[records[i]] = NO_ALARM;
  return t;
}

const M = MetrologyEvent;
const B = AlarmBit;

/** Every code of every log: its alarm bit or NO_ALARM. */
export const ALARM_MAP: Readonly<Record<EventLogId, Readonly<Record<number, number>>>> = frozen({
  standard: table(
    [
      StandardEventCode.clockInvalid, B.clockInvalid,
      StorageEventCode.clockBehindStoredData, B.clockInvalid,
      M.measurementSystemError, B.measurementSystemError,
      M.energyRegisterOverflow, B.measurementSystemError,
      M.calibrationChanged, B.configurationChanged,
      SettingsEvent.settingDropped, B.configurationChanged,
      SettingsEvent.factoryDefaults, B.configurationChanged,
      FaultEvent.faultContained, B.firmwareFault,
      FaultEvent.safeMode, B.watchdogError,
      StorageEventCode.damage, B.nvMemoryError,
      StorageEventCode.energyBelowStored, B.nvMemoryError,
    ],
    [StandardEventCode.dstChanged, StandardEventCode.clockAdjustedOld, StandardEventCode.clockAdjustedNew, StandardEventCode.touActivated],
  ),
  fraud: table(
    [
      M.terminalCoverRemoved, B.fraudAttempt,
      M.meterCoverRemoved, B.fraudAttempt,
      M.strongDcFieldDetected, B.fraudAttempt,
    ],
    [M.terminalCoverClosed, M.meterCoverClosed, M.noStrongDcField],
  ),
  // Phase p (0..2) of each per-phase event is L(p+1)'s bit.
  "power-quality": table(
    [
      M.underVoltage(0), B.voltageSagL1,
      M.underVoltage(1), B.voltageSagL2,
      M.underVoltage(2), B.voltageSagL3,
      M.overVoltage(0), B.voltageSwellL1,
      M.overVoltage(1), B.voltageSwellL2,
      M.overVoltage(2), B.voltageSwellL3,
      M.missingVoltage(0), B.phaseOutageL1,
      M.missingVoltage(1), B.phaseOutageL2,
      M.missingVoltage(2), B.phaseOutageL3,
      M.overCurrent(0), B.overCurrentL1,
      M.overCurrent(1), B.overCurrentL2,
      M.overCurrent(2), B.overCurrentL3,
      M.currentReversal, B.currentReversal,
    ],
    [M.voltageNormal(0), M.voltageNormal(1), M.voltageNormal(2), M.overCurrentEnd(0), M.overCurrentEnd(1), M.overCurrentEnd(2), M.currentReversalEnd],
  ),
  // Power down is the last gasp's business (the push engine), not an alarm bit: the bit rises at power up.
  "power-failure": table([M.powerUp, B.powerUp], [M.powerDown]),
  disconnector: table(
    [
      DisconnectorEvent.remoteDisconnection, B.relayDisconnected,
      DisconnectorEvent.manualDisconnection, B.relayDisconnected,
      DisconnectorEvent.localDisconnection, B.relayDisconnected,
      DisconnectorEvent.disconnectReconnectFailure, B.relayFailure,
      DisconnectorEvent.limiterThresholdExceeded, B.limiterThresholdExceeded,
      StorageEventCode.relayStateLost, B.nvMemoryError,
    ],
    [
      DisconnectorEvent.readyForManualReconnection,
      DisconnectorEvent.manualConnection,
      DisconnectorEvent.remoteConnection,
      DisconnectorEvent.localReconnection,
      DisconnectorEvent.limiterThresholdOk,
      DisconnectorEvent.limiterThresholdChanged,
    ],
  ),
  security: table(
    [
      SecurityEvent.decipheringFailed, B.decryptionOrAuthenticationFailure,
      SecurityEvent.policyViolation, B.decryptionOrAuthenticationFailure,
      SecurityEvent.keyUnwrapFailed, B.decryptionOrAuthenticationFailure,
      SecurityEvent.replay, B.replayAttack,
      SecurityEvent.authenticationLockout, B.associationAuthenticationFailure,
      SecurityEvent.counterExhausted, B.invocationCounterExhausted,
    ],
    // Single failures and refusals are logged; the lockout that follows a burst of them is the alarm.
    [
      SecurityEvent.authenticationFailed,
      SecurityEvent.associationRefused,
      SecurityEvent.unsupportedSecurity,
      SecurityEvent.keyChanged,
      SecurityEvent.policyActivated,
      SecurityEvent.secretChanged,
      // After storage damage: the damage itself (standard log 245) is the alarm, not each refusal it causes.
      SecurityEvent.receiveCounterUnproven,
      SecurityEvent.receiveCounterProven,
      SecurityEvent.transmitCounterUnproven,
    ],
  ),
  firmware: table(
    [
      FirmwareEvent.verificationFailed, B.firmwareVerificationFailed,
      FirmwareEvent.activationFailed, B.firmwareActivationFailed,
      FirmwareEvent.selfTestFailed, B.firmwareActivationFailed,
      FirmwareEvent.rolledBack, B.firmwareActivationFailed,
    ],
    [
      FirmwareEvent.readyForActivation,
      FirmwareEvent.activated,
      FirmwareEvent.transferInitiated,
      FirmwareEvent.transferResumed,
      FirmwareEvent.sectorReerased,
      FirmwareEvent.verificationSuccessful,
      FirmwareEvent.rebootForActivation,
      FirmwareEvent.selfTestPassed,
      FirmwareEvent.confirmed,
    ],
  ),
  prepayment: table(
    [
      PrepayEvent.lowCredit, B.lowCredit,
      PrepayEvent.creditExhausted, B.creditExhausted,
      PrepayEvent.exhaustionInFriendlyPeriod, B.creditExhausted,
      PrepayEvent.emergencyCreditActivated, B.emergencyCreditActivated,
    ],
    // Token results (230 + result) are the customer's typing, accepted or not: logged, never an alarm.
    ([
      PrepayEvent.creditRestored,
      PrepayEvent.keyChanged,
      PrepayEvent.tamperCleared,
      PrepayEvent.creditCleared,
      PrepayEvent.maxPowerLimitSet,
      PrepayEvent.tariffRateSet,
    ] as number[]).concat(Object.values(TokenResult).map((r) => PrepayEvent.tokenBase + r)),
  ),
});

/** The alarm bit an event raises (0..63), NO_ALARM, or undefined for a code the table does not know. */
export function alarmBitOf(log: EventLogId, code: number): number | undefined {
  return ALARM_MAP[log]?.[code];
}

/** Every bit the table can raise, per register (the default filters: every alarm is reported). */
export const ALARM_MASKS: readonly [number, number] = frozen(masks());

function masks(): [number, number] {
  let r1 = 0;
  let r2 = 0;
  const logs = Object.keys(ALARM_MAP) as EventLogId[];
  for (let l = 0; l < logs.length; l++) {
    const bits = Object.values(ALARM_MAP[logs[l]]);
    for (let i = 0; i < bits.length; i++) {
      const bit = bits[i];
      if (bit < 0) continue;
      if (bit < 32) r1 = (r1 | (1 << bit)) >>> 0;
      else r2 = (r2 | (1 << (bit - 32))) >>> 0;
    }
  }
  return [r1, r2];
}
