/**
 * Where every domain service reports what happened (quality events, relay
 * changes, clock changes, security failures, firmware steps). The storage
 * layer implements it with hash-chained event logs in flash; tests use a
 * recording fake. Each domain defines its own event code constants next to
 * its code (DLMS/IDIS event codes where the standard has them).
 */
export type EventLogId = "standard" | "fraud" | "power-quality" | "power-failure" | "disconnector" | "security" | "firmware" | "prepayment";

export interface MeterEvent {
  readonly log: EventLogId;
  /** Event code as the COSEM event log reports it (unsigned 8-bit in IDIS logs; wider codes allowed). */
  readonly code: number;
  /** UTC ms when it happened, from the meter's clock. */
  readonly utcMs: number;
  /** Optional extra value (duration in s, phase number, counter value, ...). */
  readonly value?: number;
}

export interface EventSink {
  record(event: MeterEvent): void;
}
