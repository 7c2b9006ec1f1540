import { D, Tag, type Data } from "../axdr.js";
import { DataAccessResult, type AccessContext, type CosemObject, type GetResult, classTable, defineClass, type TableDefined, type WithoutMethods } from "../interface-class.js";
import { Obis } from "../obis.js";
import { asInt, asOctets } from "../axdr-helpers.js";
import type { WrapperServerConfig } from "../../transport/wrapper/server.js";

/** What the adapter needs of the wrapper server (WrapperServer satisfies it). */
export interface TcpSetupTarget {
  readonly port: number;
  readonly currentConfig: Readonly<WrapperServerConfig>;
  configure(config: WrapperServerConfig): void;
}

/**
 * TCP-UDP setup, class 41 version 0 (0.0.25.0.0.255). Attributes:
 * 2 TCP-UDP_port, 3 IP_reference, 4 MSS, 5 nb_of_sim_conn,
 * 6 inactivity_time_out. No methods. nb_of_sim_conn and inactivity_time_out
 * configure the running server: nb_of_sim_conn is the number of slots (a
 * newcomer beyond them displaces an unauthenticated or idle connection,
 * transport/admission.ts), inactivity_time_out runs from the last whole
 * message. The frame and idle times have no attribute in version 0. The listening port is fixed while the
 * listener runs: a write is handed to `relisten` (the composition root
 * reopens the listener) and refused when none is given. MSS belongs to the
 * IP stack of the board; it is kept for the client to read.
 */
// The class as data (defineClass below): its table and constants live on the prototype, not in a slot per object.
export interface TcpUdpSetupObject extends TableDefined, WithoutMethods {}
export class TcpUdpSetupObject implements CosemObject {
  // Fields are `declare`d and set in the constructor: a plain declaration is emitted as a class field (~40 B of XS bytecode per class).
  declare private readonly server: TcpSetupTarget;
  declare private readonly relisten: ((port: number) => boolean) | undefined;
  declare readonly logicalName: Obis;
  declare private ipReference: Uint8Array;
  declare private mss: number;

  constructor(
    server: TcpSetupTarget,
    relisten?: (port: number) => boolean,
    logicalName: Obis = Obis.of(0, 0, 25, 0, 0, 255),
  ) {
    this.server = server;
    this.relisten = relisten;
    this.logicalName = logicalName;
    this.ipReference = Obis.of(0, 0, 25, 1, 0, 255).toBytes();
    this.mss = 576;
  }

  get(attribute: number, _ctx: AccessContext): GetResult {
    const c = this.server.currentConfig;
    switch (attribute) {
      case 2:
        return { ok: true, value: D.u16(this.server.port) };
      case 3:
        return { ok: true, value: D.octets(this.ipReference.slice()) };
      case 4:
        return { ok: true, value: D.u16(this.mss) };
      case 5:
        return { ok: true, value: D.u8(Math.min(255, c.maxConnections)) };
      case 6:
        return { ok: true, value: D.u16(Math.round(c.inactivityMs / 1000)) };
      default:
        return { ok: false, error: DataAccessResult.objectUndefined };
    }
  }

  set(attribute: number, value: Data, _ctx: AccessContext): DataAccessResult {
    const c = this.server.currentConfig;
    switch (attribute) {
      case 2: {
        const v = asInt(value, Tag.LongUnsigned);
        if (v === undefined) return DataAccessResult.typeUnmatched;
        if (v === this.server.port) return DataAccessResult.success;
        if (!this.relisten) return DataAccessResult.readWriteDenied;
        return this.relisten(v) ? DataAccessResult.success : DataAccessResult.temporaryFailure;
      }
      case 3: {
        const b = asOctets(value, 6);
        if (!b) return DataAccessResult.typeUnmatched;
        this.ipReference = b.slice();
        return DataAccessResult.success;
      }
      case 4: {
        const v = asInt(value, Tag.LongUnsigned);
        if (v === undefined) return DataAccessResult.typeUnmatched;
        if (v < 40) return DataAccessResult.otherReason;
        this.mss = v;
        return DataAccessResult.success;
      }
      case 5: {
        const v = asInt(value, Tag.Unsigned);
        if (v === undefined) return DataAccessResult.typeUnmatched;
        if (v < 1) return DataAccessResult.otherReason;
        this.server.configure({ ...c, maxConnections: v });
        return DataAccessResult.success;
      }
      case 6: {
        const v = asInt(value, Tag.LongUnsigned);
        if (v === undefined) return DataAccessResult.typeUnmatched;
        this.server.configure({ ...c, inactivityMs: v * 1000 });
        return DataAccessResult.success;
      }
      default:
        return DataAccessResult.objectUndefined;
    }
  }

}
defineClass(
  TcpUdpSetupObject,
  classTable({
    classId: 41,
    version: 0,
    attributes: [
      "TCP-UDP_port:long-unsigned:w",
      "IP_reference:octet-string:w",
      "MSS:long-unsigned:w",
      "nb_of_sim_conn:unsigned:w",
      "inactivity_time_out:long-unsigned:w",
    ],
  }),
);
