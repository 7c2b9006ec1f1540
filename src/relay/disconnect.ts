import type { DigitalIn, DigitalOut } from "../../hal/digital.js";
import type { EventSink } from "../events.js";
import { frozen } from "../util/frozen.js";

/**
 * Disconnect control (the domain behind COSEM class 70) over the relay port.
 *
 * State machine of the Blue Book (DLMS UA 1000-1, Disconnect control,
 * state diagram and control_mode table). Transitions:
 *   a remote_reconnect   disconnected           -> connected
 *   b remote_disconnect  connected              -> disconnected
 *   c remote_disconnect  ready_for_reconnection -> disconnected
 *   d remote_reconnect   disconnected           -> ready_for_reconnection
 *   e manual_reconnect   ready_for_reconnection -> connected
 *   f manual_disconnect  connected              -> ready_for_reconnection
 *   g local_disconnect   connected              -> ready_for_reconnection
 *   h local_reconnect    ready_for_reconnection -> connected
 * Transitions each control_mode enables (the mode table as Gurux transcribes
 * it in ControlMode: mode 1 "Disconnection: remote (b, c), manual (f), local
 * (g); reconnection: remote (d), manual (e)" ...; the remote_reconnect
 * method text "ready_for_reconnection if a direct remote reconnection is
 * disabled (control_mode = 1, 3, 5, 6), connected if enabled (2, 4)" fixes
 * a = direct, d = via ready_for_reconnection):
 *   0: none (always connected)
 *   1: b c d e f g      2: a b c e f g      3: b c d e g
 *   4: a b c e g        5: b c d e f g h    6: b c d e g h
 * Modes 1 and 3 are the gas/water style: a remote reconnect only arms the
 * meter (ready_for_reconnection) and the supply returns only on the
 * customer's manual action (5 and 6 also let the meter's own functions, e.g.
 * the limiter, reconnect locally).
 *
 * A trigger the mode does not enable is refused; an enabled trigger with no
 * transition from the current state changes nothing. Every transition is an
 * event in the disconnector log (IDIS disconnector control log codes as an
 * IDIS head-end decodes them, e.g. EnergyICT's idis DisconnectorControlLog:
 * 59 ready for manual reconnection, 60 manual disconnection, 61 manual
 * connection, 62 remote disconnection, 63 remote connection, 64 local
 * disconnection, 68 disconnect/reconnect failure, 69 local reconnection).
 */

export const ControlState = Object.freeze({ disconnected: 0, connected: 1, readyForReconnection: 2 } as const);
export type ControlState = (typeof ControlState)[keyof typeof ControlState];

export type Trigger = "remoteDisconnect" | "remoteReconnect" | "manualDisconnect" | "manualReconnect" | "localDisconnect" | "localReconnect";
export const TRIGGERS: readonly Trigger[] = Object.freeze(["remoteDisconnect", "remoteReconnect", "manualDisconnect", "manualReconnect", "localDisconnect", "localReconnect"]);

export type TransitionName = "a" | "b" | "c" | "d" | "e" | "f" | "g" | "h";

interface Transition {
  name: TransitionName;
  trigger: Trigger;
  from: ControlState;
  to: ControlState;
  event: number;
}

export const DisconnectorEvent = Object.freeze({
  readyForManualReconnection: 59,
  manualDisconnection: 60,
  manualConnection: 61,
  remoteDisconnection: 62,
  remoteConnection: 63,
  localDisconnection: 64,
  limiterThresholdExceeded: 65,
  limiterThresholdOk: 66,
  limiterThresholdChanged: 67,
  disconnectReconnectFailure: 68,
  localReconnection: 69,
} as const);

const TRANSITIONS: readonly Transition[] = frozen([
  { name: "a", trigger: "remoteReconnect", from: 0, to: 1, event: DisconnectorEvent.remoteConnection },
  { name: "b", trigger: "remoteDisconnect", from: 1, to: 0, event: DisconnectorEvent.remoteDisconnection },
  { name: "c", trigger: "remoteDisconnect", from: 2, to: 0, event: DisconnectorEvent.remoteDisconnection },
  { name: "d", trigger: "remoteReconnect", from: 0, to: 2, event: DisconnectorEvent.readyForManualReconnection },
  { name: "e", trigger: "manualReconnect", from: 2, to: 1, event: DisconnectorEvent.manualConnection },
  { name: "f", trigger: "manualDisconnect", from: 1, to: 2, event: DisconnectorEvent.manualDisconnection },
  { name: "g", trigger: "localDisconnect", from: 1, to: 2, event: DisconnectorEvent.localDisconnection },
  { name: "h", trigger: "localReconnect", from: 2, to: 1, event: DisconnectorEvent.localReconnection },
]);

/** Transitions enabled per control mode 0..6. */
const MODE_TRANSITIONS: readonly (readonly TransitionName[])[] = frozen([
  [],
  ["b", "c", "d", "e", "f", "g"],
  ["a", "b", "c", "e", "f", "g"],
  ["b", "c", "d", "e", "g"],
  ["a", "b", "c", "e", "g"],
  ["b", "c", "d", "e", "f", "g", "h"],
  ["b", "c", "d", "e", "g", "h"],
]);

export type TriggerOutcome =
  | { kind: "transition"; name: TransitionName; from: ControlState; to: ControlState }
  /** The mode enables this trigger but there is no transition for it from the current state. */
  | { kind: "no-transition" }
  /** The mode does not enable this trigger at all. */
  | { kind: "refused" };

export class DisconnectControl {
  private state: ControlState;
  private mode: number;
  /** A feedback mismatch already reported (reported once until it clears). */
  private faulted = false;

  constructor(
    private readonly relay: DigitalOut,
    private readonly feedback: DigitalIn,
    private readonly events: EventSink,
    private readonly now: () => number,
    mode = 1,
    initial: ControlState = ControlState.connected,
  ) {
    this.mode = mode;
    this.state = mode === 0 ? ControlState.connected : initial;
    this.relay.write(this.state === ControlState.connected ? 1 : 0);
  }

  get controlState(): ControlState {
    return this.state;
  }

  get controlMode(): number {
    return this.mode;
  }

  /** output_state: the physical state the feedback input reports (true = supply connected). */
  get outputState(): boolean {
    return this.feedback.read() === 1;
  }

  /**
   * Changes control_mode (0..6). Mode 0 means "always connected", so it is
   * accepted only while connected; the relay never moves on a mode change.
   */
  setMode(mode: number): boolean {
    if (!Number.isInteger(mode) || mode < 0 || mode > 6) return false;
    if (mode === 0 && this.state !== ControlState.connected) return false;
    this.mode = mode;
    return true;
  }

  /** Is this trigger enabled in the current mode (in some state)? */
  enabled(trigger: Trigger): boolean {
    const allowed = MODE_TRANSITIONS[this.mode];
    for (let j = 0; j < TRANSITIONS.length; j++) {
      const t = TRANSITIONS[j];
      if (t.trigger === trigger && allowed.indexOf(t.name) >= 0) return true;
    }
    return false;
  }

  trigger(trigger: Trigger): TriggerOutcome {
    const allowed = MODE_TRANSITIONS[this.mode];
    if (!this.enabled(trigger)) return { kind: "refused" };
    for (let i = 0; i < TRANSITIONS.length; i++) {
      const t = TRANSITIONS[i];
      if (t.trigger !== trigger || t.from !== this.state || allowed.indexOf(t.name) < 0) continue;
      const from = this.state;
      this.state = t.to;
      const at = this.now();
      this.events.record({ log: "disconnector", code: t.event, utcMs: at });
      this.drive(at);
      return { kind: "transition", name: t.name, from, to: t.to };
    }
    return { kind: "no-transition" };
  }

  /**
   * Wires the customer's push button (a DigitalIn that reports edges): each
   * press (rising edge) is a manual trigger. Debouncing belongs to the port.
   */
  attachButton(button: DigitalIn): void {
    button.onChange?.((level) => {
      if (level === 1) this.manualButton();
    });
  }

  /** The customer's push button: disconnects when connected, reconnects when ready. */
  manualButton(): TriggerOutcome {
    return this.trigger(this.state === ControlState.connected ? "manualDisconnect" : "manualReconnect");
  }

  private drive(at: number): void {
    const level = this.state === ControlState.connected ? 1 : 0;
    this.relay.write(level);
    this.faulted = false;
    this.verify(at);
  }

  private verify(at: number): boolean {
    const level = this.state === ControlState.connected ? 1 : 0;
    if (this.feedback.read() === level) {
      this.faulted = false;
      return true;
    }
    if (!this.faulted) this.events.record({ log: "disconnector", code: DisconnectorEvent.disconnectReconnectFailure, utcMs: at, value: level });
    this.faulted = true;
    return false;
  }

  /** Periodic supervision: a relay whose feedback disagrees with the control state is a failure event. */
  checkFeedback(): boolean {
    return this.verify(this.now());
  }
}
