import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Tag } from "../../src/cosem/axdr.js";
import { ActionResult, DataAccessResult, type AccessContext } from "../../src/cosem/interface-class.js";
import { Obis } from "../../src/cosem/obis.js";
import { DisconnectControlObject } from "../../src/cosem/classes/disconnect-control.js";
import { ControlState, DisconnectControl, TRIGGERS, type Trigger } from "../../src/relay/disconnect.js";
import { internalContext } from "../../src/tariff/script-table.js";
import { runtime } from "../support/report.js";
import { FakeRelay, RecordingSink } from "./fixture.js";

/**
 * The Blue Book disconnect control state table, transcribed here on its own
 * (not read from src/relay): for each control mode and each state
 * (disconnected, connected, ready_for_reconnection), the outcome of each
 * trigger in the order remote_disconnect, remote_reconnect,
 * manual_disconnect, manual_reconnect, local_disconnect, local_reconnect.
 * "x" = the mode does not enable the trigger (refused), "-" = enabled but no
 * transition from this state, "<t><s>" = transition t to state s.
 * Transitions: a remote_reconnect 0->1, b remote_disconnect 1->0,
 * c remote_disconnect 2->0, d remote_reconnect 0->2, e manual_reconnect 2->1,
 * f manual_disconnect 1->2, g local_disconnect 1->2, h local_reconnect 2->1;
 * modes per the Blue Book control_mode list (as in Gurux's ControlMode:
 * 1 = b,c,f,g / d,e; 2 = b,c,f,g / a,e; 3 = b,c,g / d,e; 4 = b,c,g / a,e;
 * 5 = b,c,f,g / d,e,h; 6 = b,c,g / d,e,h).
 */
const TABLE: Record<number, [string, string, string]> = {
  0: ["", "x x x x x x", ""],
  1: ["- d2 - - - x", "b0 - f2 - g2 x", "c0 - - e1 - x"],
  2: ["- a1 - - - x", "b0 - f2 - g2 x", "c0 - - e1 - x"],
  3: ["- d2 x - - x", "b0 - x - g2 x", "c0 - x e1 - x"],
  4: ["- a1 x - - x", "b0 - x - g2 x", "c0 - x e1 - x"],
  5: ["- d2 - - - -", "b0 - f2 - g2 -", "c0 - - e1 - h1"],
  6: ["- d2 x - - -", "b0 - x - g2 -", "c0 - x e1 - h1"],
};
// IDIS disconnector control log codes per transition.
const EVENT: Record<string, number> = { a: 63, b: 62, c: 62, d: 59, e: 61, f: 60, g: 64, h: 69 };

const cases: { mode: number; state: number; trigger: Trigger; expected: string }[] = [];
for (let mode = 0; mode <= 6; mode++) {
  for (let state = 0; state <= 2; state++) {
    const row = TABLE[mode][state];
    if (!row) continue; // mode 0: only "connected" exists
    row.split(" ").forEach((expected, i) => cases.push({ mode, state, trigger: TRIGGERS[i], expected }));
  }
}

function make(mode: number, state: number) {
  const relay = new FakeRelay();
  const events = new RecordingSink();
  const dc = new DisconnectControl(relay, relay.feedback, events, () => 1000, mode, state as ControlState);
  return { relay, events, dc };
}

describe("disconnect control state table", () => {
  it("covers 7 modes: 6 triggers x 3 states (mode 0: connected only)", () => {
    expect(cases.length).toBe(6 + 6 * 3 * 6);
  });

  it.each(cases)("mode $mode, state $state, $trigger -> $expected", ({ mode, state, trigger, expected }) => {
    const { relay, events, dc } = make(mode, state);
    expect(dc.controlState).toBe(state);
    const before = relay.writes;
    const out = dc.trigger(trigger);
    if (expected === "x" || expected === "-") {
      expect(out.kind).toBe(expected === "x" ? "refused" : "no-transition");
      expect(dc.controlState).toBe(state);
      expect(relay.writes).toBe(before);
      expect(events.events).toEqual([]);
    } else {
      const name = expected[0];
      const to = Number(expected[1]);
      expect(out).toEqual({ kind: "transition", name, from: state, to });
      expect(dc.controlState).toBe(to);
      expect(relay.level).toBe(to === 1 ? 1 : 0);
      expect(dc.outputState).toBe(to === 1);
      expect(events.events).toEqual([{ log: "disconnector", code: EVENT[name], utcMs: 1000 }]);
    }
  });

  it("gas/water style modes 1, 3, 5, 6: no sequence of remote commands ever reconnects the supply", () => {
    fc.assert(
      fc.property(fc.constantFrom(1, 3, 5, 6), fc.array(fc.constantFrom<Trigger>("remoteDisconnect", "remoteReconnect"), { maxLength: 20 }), (mode, seq) => {
        const { relay, dc } = make(mode, ControlState.disconnected);
        for (const t of seq) {
          dc.trigger(t);
          expect(relay.level).toBe(0);
        }
        // Only the customer's (or the meter's own, modes 5/6) action closes the relay.
        if (dc.controlState === ControlState.readyForReconnection) {
          expect(dc.manualButton()).toMatchObject({ kind: "transition", name: "e" });
          expect(relay.level).toBe(1);
        }
      }),
      { numRuns: runtime === "node" ? 300 : 40 },
    );
  });

  it("the push button input makes the manual transitions on its rising edges", () => {
    const { relay, dc } = make(1, ControlState.connected);
    let handler: ((level: 0 | 1) => void) | undefined;
    dc.attachButton({ read: () => 0, onChange: (h) => (handler = h) });
    handler!(1);
    expect(dc.controlState).toBe(ControlState.readyForReconnection);
    handler!(0);
    expect(dc.controlState).toBe(ControlState.readyForReconnection);
    handler!(1);
    expect(dc.controlState).toBe(ControlState.connected);
    expect(relay.level).toBe(1);
  });

  it("modes 2 and 4 reconnect directly on a remote command", () => {
    for (const mode of [2, 4]) {
      const { relay, dc } = make(mode, ControlState.disconnected);
      expect(dc.trigger("remoteReconnect")).toMatchObject({ kind: "transition", name: "a" });
      expect(relay.level).toBe(1);
    }
  });

  it("control mode 0 is accepted only while connected and then refuses every trigger", () => {
    const { dc } = make(1, ControlState.disconnected);
    expect(dc.setMode(0)).toBe(false);
    expect(dc.setMode(7)).toBe(false);
    dc.trigger("remoteReconnect");
    dc.manualButton();
    expect(dc.controlState).toBe(ControlState.connected);
    expect(dc.setMode(0)).toBe(true);
    for (const t of TRIGGERS) expect(dc.trigger(t).kind).toBe("refused");
  });

  it("a relay whose feedback disagrees is a disconnect/reconnect failure event, reported once until it clears", () => {
    const { relay, events, dc } = make(1, ControlState.connected);
    relay.stuck = 1; // welded contact
    dc.trigger("remoteDisconnect");
    expect(dc.outputState).toBe(true);
    expect(dc.checkFeedback()).toBe(false);
    expect(dc.checkFeedback()).toBe(false);
    expect(events.codes("disconnector")).toEqual([62, 68]);
    relay.stuck = undefined;
    expect(dc.checkFeedback()).toBe(true);
    relay.stuck = 1;
    expect(dc.checkFeedback()).toBe(false);
    expect(events.codes("disconnector")).toEqual([62, 68, 68]);
  });
});

describe("disconnect control class 70", () => {
  const client: AccessContext = { role: "management", clientSap: 1, nowUtcMs: 0 };
  const zero = { tag: Tag.Integer, value: 0 } as const;

  it("serves output_state, control_state, control_mode and refuses writes of the states", () => {
    const { dc } = make(3, ControlState.connected);
    const o = new DisconnectControlObject(dc);
    expect(o.logicalName.equals(Obis.of(0, 0, 96, 3, 10, 255))).toBe(true);
    expect(o.get(2, client)).toEqual({ ok: true, value: { tag: Tag.Boolean, value: true } });
    expect(o.get(3, client)).toEqual({ ok: true, value: { tag: Tag.Enum, value: 1 } });
    expect(o.get(4, client)).toEqual({ ok: true, value: { tag: Tag.Enum, value: 3 } });
    expect(o.set(3, { tag: Tag.Enum, value: 0 }, client)).toBe(DataAccessResult.readWriteDenied);
    expect(o.set(4, { tag: Tag.Unsigned, value: 2 }, client)).toBe(DataAccessResult.typeUnmatched);
    expect(o.set(4, { tag: Tag.Enum, value: 9 }, client)).toBe(DataAccessResult.otherReason);
    expect(o.set(4, { tag: Tag.Enum, value: 2 }, client)).toBe(DataAccessResult.success);
    expect(dc.controlMode).toBe(2);
  });

  it("a client's method is the remote trigger, a meter-internal script's is the local one", () => {
    const { dc, events } = make(1, ControlState.connected);
    const o = new DisconnectControlObject(dc);
    expect(o.action(1, { tag: Tag.Unsigned, value: 0 }, client).result).toBe(ActionResult.typeUnmatched);
    expect(o.action(1, zero, internalContext(5)).result).toBe(ActionResult.success); // g: local disconnect
    expect(dc.controlState).toBe(ControlState.readyForReconnection);
    expect(o.action(2, zero, internalContext(6)).result).toBe(ActionResult.otherReason); // h not in mode 1
    expect(o.action(1, zero, client).result).toBe(ActionResult.success); // c
    expect(o.action(2, zero, client).result).toBe(ActionResult.success); // d
    expect(dc.controlState).toBe(ControlState.readyForReconnection);
    expect(events.codes("disconnector")).toEqual([64, 62, 59]);
    expect(o.action(3, zero, client).result).toBe(ActionResult.objectUndefined);
  });
});
