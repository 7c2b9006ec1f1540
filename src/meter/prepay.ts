/**
 * Prepayment in the meter (issue 20): the PrepayService on the meter's
 * store, clock, calendar, metrology, Disconnect Control and limiter, and its
 * COSEM objects (Account 111, Credit 112 token and emergency, Charge 113,
 * Token Gateway 115). Built only when the configuration provisions it: a
 * decoder key, the meter PAN and an EA07 table set (provisioned data: the
 * production tables never enter the repository).
 */
import { AccountObject } from "../cosem/classes/account.js";
import { ChargeObject } from "../cosem/classes/charge.js";
import { CreditObject, CreditType } from "../cosem/classes/credit.js";
import { TokenGatewayObject } from "../cosem/classes/token-gateway.js";
import { Obis } from "../cosem/obis.js";
import { DEFAULT_FRIENDLY, isFriendly, type FriendlyPeriods } from "../prepay/friendly.js";
import { PrepayService, type PrepayConfig } from "../prepay/service.js";
import { Sta, type StaTables } from "../prepay/sta.js";
import type { MeterClock } from "../tariff/clock.js";
import { allMethods, managed, readAll, type Catalog } from "./catalog.js";
import { frozen } from "../util/frozen.js";
import { Qty } from "../metrology/accumulators.js";
import { KeypadEntry } from "../prepay/keypad-entry.js";
import type { MeterConfig } from "./config.js";
import type { Meter } from "./meter.js";
import type { MeterPorts } from "./ports.js";

export interface PrepaySetup {
  config: PrepayConfig;
  /** The provisioned EA07 substitution and permutation tables. */
  tables: StaTables;
  friendly?: FriendlyPeriods;
}

export const PrepayLn = frozen({
  account: Obis.of(0, 0, 19, 0, 0, 255),
  tokenCredit: Obis.of(0, 0, 19, 10, 0, 255),
  emergencyCredit: Obis.of(0, 0, 19, 10, 1, 255),
  charge: Obis.of(0, 0, 19, 20, 0, 255),
  tokenGateway: Obis.of(0, 0, 19, 40, 0, 255),
} as const);

export function addPrepayObjects(c: Catalog, p: PrepayService, clock: MeterClock, commodity: Obis): void {
  const credits = [PrepayLn.tokenCredit, PrepayLn.emergencyCredit];
  c.add(new AccountObject(p, PrepayLn.account, credits, [PrepayLn.charge], PrepayLn.tokenGateway), managed("r r r r r r r r r r r r r r r rw r r r", 3));
  // The customer's own emergency credit is invoked through the reader association too (a display unit reads as reader).
  c.add(new CreditObject(p, PrepayLn.tokenCredit, CreditType.token), managed(readAll(11), 3));
  c.add(new CreditObject(p, PrepayLn.emergencyCredit, CreditType.emergency), { reader: [readAll(11), "- - x"], management: [readAll(11), allMethods(3)] });
  c.add(new ChargeObject(p, PrepayLn.charge, commodity), managed(readAll(13), 5));
  c.add(new TokenGatewayObject(p, PrepayLn.tokenGateway, (utc) => clock.dateTimeAt(utc)), managed(readAll(6), 1));
}

/** Prepayment when the configuration provisions it, with token entry on the customer keypad when the board has one. */
export function wirePrepay(m: Meter, ports: MeterPorts, config: MeterConfig): { prepay: PrepayService | undefined; keypadEntry: KeypadEntry | undefined } {
  const setup = config.prepay;
  if (!setup) return { prepay: undefined, keypadEntry: undefined };
  const metrology = m.metrology;
  const clock = m.clock;
  const friendly = setup.friendly ?? DEFAULT_FRIENDLY;
  const prepay = new PrepayService(setup.config, {
    store: m.store,
    events: m.events,
    sta: new Sta(setup.tables),
    nowUtc: () => clock.now(),
    importWh: () => metrology.energy(0, Qty.importActive),
    isFriendly: (utc) => isFriendly(friendly, clock.localMsAt(utc), (days) => m.specialDays.dayIdFor(days) !== undefined),
    relay: m.disconnect,
    // The token sets the normal threshold; the emergency one stays as configured.
    setPowerLimit: (watts) => m.limiter.setThresholds(watts, m.limiter.thresholdEmergency),
  });
  return { prepay, keypadEntry: ports.keypad ? new KeypadEntry(ports.keypad, ports.timers, prepay) : undefined };
}
