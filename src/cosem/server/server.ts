import { AcseTag, Mechanism } from "../apdu/acse.js";
import { ServiceError, StateError } from "../apdu/xdlms.js";
import { rights as rightsSpec, type ObjectEntry, type ObjectRights } from "../interface-class.js";
import { AssociationLnObject } from "../classes/association-ln.js";
import type { ApduHandler, ApduSession } from "../../transport/apdu-port.js";
import { Associations, type Association } from "./association.js";
import type { AuthGuard } from "./auth-guard.js";
import type { AssociationConfig, ServerOptions } from "./config.js";
import { ObjectDirectory } from "./directory.js";
import { Protector, isProtectedTag, type Protection } from "./protection.js";
import { exception } from "./replies.js";
import { Services } from "./services.js";

export { DEFAULT_PENDING_ASSOCIATION_MS } from "./association.js";

/**
 * The xDLMS server: one ApduHandler for every transport. It opens
 * associations (AARQ/AARE, LLS, HLS-GMAC), unwraps and re-wraps ciphered
 * APDUs, checks the caller's rights in the catalog on every attribute and
 * method, runs block transfer in both directions and answers malformed or
 * forbidden requests with the Green Book's error replies. It never throws to
 * the transport.
 *
 * This class only routes; the work is done in its rooms: association.ts
 * (association control and HLS), protection.ts (ciphering, suites, counters),
 * services.ts (service dispatch with rights) and blocks.ts (block transfer).
 */

const DEFAULT_MAX_PDU = 1024;

/** The general-glo ciphering of a data-notification on a ciphered association. */

export class CosemServer implements ApduHandler {
  // Fields are `declare`d and set in the constructor: a plain declaration is emitted as a class field (~40 B of XS bytecode per class).
  declare readonly directory: ObjectDirectory;
  declare private readonly o: ServerOptions;
  declare private readonly maxPdu: number;
  declare private readonly maxAssembly: number;
  declare private readonly assocEntries: Map<AssociationConfig, ObjectEntry>;
  declare private readonly protector: Protector;
  declare private readonly associations: Associations;
  declare private readonly services: Services;
  /** Requests that ended in an unexpected exception (an adapter or encoder fault); tests expect 0. */
  declare faults: number;
  /** Failed association attempts per client SAP: lockout and aggregated security events. */
  declare readonly authGuard: AuthGuard;

  constructor(options: ServerOptions) {
    this.assocEntries = new Map<AssociationConfig, ObjectEntry>();
    this.faults = 0;
    this.o = options;
    this.maxPdu = options.maxReceivePduSize ?? DEFAULT_MAX_PDU;
    this.maxAssembly = options.maxBlockAssembly ?? 16384;
    this.protector = new Protector(options.crypto, (code, value) => this.event(code, value));
    const limits = { maxPdu: this.maxPdu, serverSap: options.serverSap ?? 1 };
    this.associations = new Associations(options, limits, (role) => this.directory.visibleRows(role), this.protector, (code, value) => this.event(code, value));
    this.authGuard = this.associations.authGuard;
    // One catalog (issue 13/18): the meter's directory is served as it is, not copied and indexed again.
    const directory = options.catalog instanceof ObjectDirectory ? options.catalog : new ObjectDirectory(options.catalog);
    for (let i = 0; i < options.associations.length; i++) {
      const cfg = options.associations[i];
      const object = new AssociationLnObject(cfg.logicalName, this.associations.binding(cfg));
      let entry: ObjectEntry = { object, rights: { [cfg.role]: cfg.associationRights ?? defaultAssociationRights(cfg.mechanism) } };
      if (!directory.find(cfg.logicalName)) entry = directory.insert(entry);
      this.assocEntries.set(cfg, entry);
    }
    directory.trim();
    this.directory = directory;
    this.services = new Services(this.directory, (a) => this.ownEntry(a), this.maxAssembly, () => this.now());
  }

  // ---------------------------------------------------------------- transport port

  handle(apdu: Uint8Array, session: ApduSession): Uint8Array | undefined {
    try {
      return this.route(apdu, session);
    } catch {
      // Only a fault in an adapter or encoder lands here: answer, never take the transport down.
      this.faults++;
      return exception(StateError.serviceNotAllowed, ServiceError.otherReason);
    } finally {
      this.associations.current = undefined;
      // New keys from key_transfer take effect only after the response went out under the old ones.
      const list = this.o.associations;
      for (let i = 0; i < list.length; i++) list[i].securitySetup?.applyPendingKeys();
    }
  }

  sessionClosed(session: ApduSession): void {
    this.associations.drop(session);
  }

  /**
   * Whether the session holds an association that authenticated (LLS, or HLS past pass 3): what
   * a transport keeps when it must displace a connection to admit a new one.
   */
  authenticated(session: ApduSession): boolean {
    const a = this.associations.of(session);
    return a !== undefined && a.status === 2 && a.cfg.mechanism !== Mechanism.none;
  }

  /** Open associations (pending or established) over all sessions. */
  get associationCount(): number {
    return this.associations.size;
  }

  /** 0 no association, 1 HLS pending, 2 associated (association_status of the session's association). */
  status(session: ApduSession): number {
    return this.associations.of(session)?.status ?? 0;
  }

  private now(): number {
    return this.o.nowUtcMs();
  }

  private event(code: number, value?: number): void {
    this.o.events.record(value === undefined ? { log: "security", code, utcMs: this.now() } : { log: "security", code, utcMs: this.now(), value });
  }

  /** The association's own Association LN entry (what 0.0.40.0.0.255 names), made for every configuration. */
  private ownEntry(a: Association): ObjectEntry {
    const own = this.assocEntries.get(a.cfg);
    if (!own) throw new Error("association without its Association LN entry");
    return own;
  }

  /** Routes an APDU: ACSE to association control, the rest through protection to the services. */
  private route(apdu: Uint8Array, session: ApduSession): Uint8Array | undefined {
    if (apdu.length === 0) return undefined;
    const tag = apdu[0];
    if (tag === AcseTag.aarq) return this.associations.open(apdu, session);
    if (tag === AcseTag.rlrq) return this.associations.release(apdu, session);
    const a = this.associations.of(session);
    if (!a) return exception(StateError.serviceNotAllowed, ServiceError.operationNotPossible);
    this.associations.current = a;
    if (apdu.length > this.maxPdu + 32) return exception(StateError.serviceNotAllowed, ServiceError.pduTooLong);
    let plain = apdu;
    let prot: Protection | undefined;
    if (isProtectedTag(tag)) {
      const opened = this.protector.open(a, apdu);
      if (opened instanceof Uint8Array) return opened;
      plain = opened.plain;
      prot = opened.prot;
    } else {
      const refused = this.protector.refusePlain(a);
      if (refused) return refused;
    }
    if (plain.length > this.maxPdu) return exception(StateError.serviceNotAllowed, ServiceError.pduTooLong);
    const response = this.services.serve(a, plain, prot);
    if (!response || !prot) return response;
    // Error replies about the request itself stay plain: the client may be unable to open anything.
    return this.protector.seal(a, response, prot);
  }
}

function defaultAssociationRights(mechanism: number): ObjectRights {
  // The caller may read its own association (not the secret) and, with HLS, answer the challenge.
  return mechanism === Mechanism.hlsGmac || mechanism === Mechanism.hlsEcdsa ? rightsSpec("r r r r r r - r r", "x - - -") : rightsSpec("r r r r r r - r r", "- - - -");
}
