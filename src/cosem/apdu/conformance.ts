/**
 * xDLMS conformance block (Green Book, Conformance ::= [APPLICATION 31]
 * BIT STRING (SIZE(24))): bit n of the standard is 1 << (23 - n) here, so
 * the 24-bit number reads like the three bytes on the wire.
 */
export const Conformance = Object.freeze({
  generalProtection: 1 << 22,
  generalBlockTransfer: 1 << 21,
  read: 1 << 20,
  write: 1 << 19,
  unconfirmedWrite: 1 << 18,
  deltaValueEncoding: 1 << 17,
  attribute0WithSet: 1 << 15,
  priorityManagement: 1 << 14,
  attribute0WithGet: 1 << 13,
  blockTransferWithGet: 1 << 12,
  blockTransferWithSet: 1 << 11,
  blockTransferWithAction: 1 << 10,
  multipleReferences: 1 << 9,
  informationReport: 1 << 8,
  dataNotification: 1 << 7,
  access: 1 << 6,
  parameterizedAccess: 1 << 5,
  get: 1 << 4,
  set: 1 << 3,
  selectiveAccess: 1 << 2,
  eventNotification: 1 << 1,
  action: 1 << 0,
} as const);

/** What this server offers to every association (an association's config may narrow it). */
export const SERVER_CONFORMANCE =
  Conformance.generalProtection |
  Conformance.blockTransferWithGet |
  Conformance.blockTransferWithSet |
  Conformance.blockTransferWithAction |
  Conformance.multipleReferences |
  Conformance.dataNotification |
  Conformance.get |
  Conformance.set |
  Conformance.selectiveAccess |
  Conformance.action;
