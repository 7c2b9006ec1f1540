/**
 * Event codes of the tariff domain (clock and calendar) as the standard
 * event log carries them: IDIS package 2 event code table; 4/5 as named in
 * the project brief. Kept beside the domain like src/metrology/event-codes.ts,
 * so a reader of codes (alarms, the lab console) needs no clock.
 */
export const StandardEventCode = Object.freeze({
  dstChanged: 3,
  clockAdjustedOld: 4,
  clockAdjustedNew: 5,
  clockInvalid: 6,
  touActivated: 9,
} as const);
