/**
 * Who gets a connection slot when all are taken (IEC 62056-47 leaves it to
 * the server; class 41 nb_of_sim_conn only says how many). Refusing the
 * newcomer lets any two idle or half-open sockets lock every client out, so
 * a newcomer displaces instead, oldest first:
 *
 * 1. a connection that has not authenticated (no association, a pending HLS
 *    association, or the public association, which has nothing to protect);
 * 2. otherwise an authenticated one that has been idle (no complete message
 *    for the wrapper's idleDisplaceMs).
 *
 * Authenticated sessions that are in use are kept: when every slot holds
 * one, the newcomer is refused. The policy is plain data in, index out, so
 * every transport that admits connections uses the same one.
 */
export interface AdmissionCandidate {
  /** An association that authenticated (LLS, or HLS past pass 3). */
  readonly authenticated: boolean;
  /** No complete message for the idle period. */
  readonly idle: boolean;
}

/** Index (in `slots`, oldest first) of the connection to close for a newcomer, or -1 to refuse it. */
export function displaceFor(slots: readonly AdmissionCandidate[]): number {
  for (let i = 0; i < slots.length; i++) if (!slots[i].authenticated) return i;
  for (let i = 0; i < slots.length; i++) if (slots[i].idle) return i;
  return -1;
}
