import type { CryptoPort } from "../../../hal/crypto.js";
import type { EventSink } from "../../events.js";
import type { KeyValueStore } from "../../persistence.js";
import type { ObjectEntry, ObjectRights, Role } from "../interface-class.js";
import type { Obis } from "../obis.js";
import type { SecuritySetup } from "../security/security-setup.js";
import type { Timers } from "../../../hal/timer.js";
import type { AuthGuardConfig } from "./auth-guard.js";
import type { ObjectDirectory } from "./directory.js";

/** One association of the meter: who connects on which client SAP, how it authenticates, what its role may do. */
export interface AssociationConfig {
  clientSap: number;
  role: Role;
  /** Its Association LN object, 0.0.40.0.e.255 (e = 1 public, 2.. others by convention). */
  logicalName: Obis;
  /** Mechanism.none, .lls, .hlsGmac or .hlsEcdsa (src/cosem/apdu/acse.ts). */
  mechanism: number;
  /** HLS-ECDSA (mechanism 7): the client's P-256 public key (65 bytes) and the meter's private key. */
  ecdsa?: { clientPublicKey: Uint8Array; serverPrivateKey: Uint8Array };
  /** LLS password (mechanism 1). Kept in the KeyValueStore once changed. */
  secret?: Uint8Array;
  /** True: the client must use the "LN with ciphering" context (global keys, system titles). */
  ciphered: boolean;
  /** Security context for ciphered contexts and HLS-GMAC. */
  securitySetup?: SecuritySetup;
  /** Narrows the server's conformance (SERVER_CONFORMANCE) for this association. */
  conformance?: number;
  /** This role's rights on its own Association LN object; a default for the mechanism otherwise. */
  associationRights?: ObjectRights;
}

export interface ServerOptions {
  /**
   * The object catalog: objects and each role's rights (data, see
   * interface-class.ts). A directory is served as it is (the server adds
   * its Association LN rows to it: one catalog); rows are indexed into a
   * directory of the server's own.
   */
  catalog: readonly ObjectEntry[] | ObjectDirectory;
  associations: readonly AssociationConfig[];
  crypto: CryptoPort;
  kv: KeyValueStore;
  events: EventSink;
  /** UTC ms for AccessContext and events. */
  nowUtcMs: () => number;
  /** Largest APDU the server accepts (InitiateResponse server-max-receive-pdu-size). Default 1024. */
  maxReceivePduSize?: number;
  /** Largest value assembled from SET/ACTION blocks. Default 16 KiB. */
  maxBlockAssembly?: number;
  /** The logical device's server SAP (associated_partners_id). Default 1. */
  serverSap?: number;
  /** Link timers (host time in the simulator): without them a pending association has no time-out. */
  timers?: Timers;
  /** HLS pass 3 must follow the AARE within this time, or the pending association ends. Default 10 s. */
  pendingAssociationMs?: number;
  /** Lockout after repeated failures per client SAP. Default DEFAULT_AUTH_GUARD. */
  authGuard?: AuthGuardConfig;
}
