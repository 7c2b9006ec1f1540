import { describe, expect, it } from "vitest";
import { type Data } from "../../src/cosem/axdr.js";
import { ActionResult, DataAccessResult, ROLES, canInvoke, canRead, canWrite, type AccessContext, type Role } from "../../src/cosem/interface-class.js";
import { attributeRight, methodRight } from "../../src/cosem/server/directory.js";
import { report } from "../support/report.js";
import { Policy } from "../../src/cosem/security/security-setup.js";
import { SAP, buildMeter, connect } from "../../bench/rigs/xdlms-meter.js";

/**
 * Every access right of the test catalog, through real APDUs for each role's
 * client: what the catalog grants passes the rights gate, everything else is
 * read-write-denied, and an object the role cannot see is object-undefined.
 */
const SAP_OF: Record<Role, number> = { public: SAP.public, reader: SAP.reader, management: SAP.management, firmware: SAP.firmware };
const direct: AccessContext = { role: "management", clientSap: 1, nowUtcMs: 0 };

describe("access rights from the catalog, enforced on every attribute and method", () => {
  it.each(ROLES.map((role) => ({ role })))("role $role", async ({ role }) => {
    const m = buildMeter();
    const { client } = connect(m, SAP_OF[role]);
    await client.associate();
    let checked = 0;
    for (const entry of m.server.directory.entries) {
      const o = entry.object;
      const r = entry.rights[role];
      const own = o.classId === 15 && r !== undefined;
      for (let a = 1; a <= o.attributeCount; a++) {
        const got = await client.get(o.classId, o.logicalName, a);
        if (!r) expect(got).toEqual({ ok: false, error: DataAccessResult.objectUndefined });
        else if (!canRead(attributeRight(r, a))) expect(got).toEqual({ ok: false, error: DataAccessResult.readWriteDenied });
        else if (!(own && a === 7)) expect(got.ok).toBe(true);
        // SET with a value of the attribute's own type (read directly from the object, not over the wire).
        const current = a === 1 ? undefined : o.get(a, direct);
        const value: Data | undefined = current?.ok && !("kind" in current.value) ? current.value : undefined;
        if (value === undefined) continue;
        const set = await client.set(o.classId, o.logicalName, a, value);
        if (!r) expect(set).toBe(DataAccessResult.objectUndefined);
        else if (!canWrite(attributeRight(r, a))) expect(set).toBe(DataAccessResult.readWriteDenied);
        else expect([DataAccessResult.success, DataAccessResult.typeUnmatched]).toContain(set);
        checked += 2;
      }
      for (let meth = 1; meth <= o.methodCount; meth++) {
        // Never run the HLS reply or a key change for real here: an empty call passes the gate and fails in the object.
        const res = await client.action(o.classId, o.logicalName, meth);
        if (!r) expect(res).toEqual({ ok: false, error: ActionResult.objectUndefined });
        else if (!canInvoke(methodRight(r, meth))) expect(res).toEqual({ ok: false, error: ActionResult.readWriteDenied });
        else expect(res.ok ? ActionResult.success : res.error).not.toBe(ActionResult.readWriteDenied);
        checked++;
      }
    }
    report(`rights: ${checked} attribute/method checks for ${role}`);
    expect(checked).toBeGreaterThan(20);
  });

  it("the public client cannot SET or ACTION on any protected object", async () => {
    const m = buildMeter();
    const { client } = connect(m, SAP.public);
    await client.associate();
    let refused = 0;
    for (const entry of m.server.directory.entries) {
      const o = entry.object;
      const pub = entry.rights.public;
      for (let a = 2; a <= o.attributeCount; a++) {
        if (pub && canWrite(attributeRight(pub, a))) continue;
        const current = o.get(a, direct);
        if (!current.ok || "kind" in current.value) continue;
        expect(await client.set(o.classId, o.logicalName, a, current.value)).toBe(pub ? DataAccessResult.readWriteDenied : DataAccessResult.objectUndefined);
        refused++;
      }
      for (let meth = 1; meth <= o.methodCount; meth++) {
        if (pub && canInvoke(methodRight(pub, meth))) continue;
        const res = await client.action(o.classId, o.logicalName, meth);
        expect(res.ok).toBe(false);
        refused++;
      }
    }
    expect(m.echo.calls).toBe(0);
    expect(refused).toBeGreaterThan(15);
  });

  // With authenticated responses in the policy the server adds a tag to its answer; that must not count as an authenticated request.
  it.each([
    ["no policy", 0],
    ["authenticated and encrypted responses", Policy.authenticatedResponse | Policy.encryptedResponse],
  ])("authenticated rights need an authenticated request: encryption-only is refused where 'R' is required (%s)", async (_name, policy) => {
    const m = buildMeter(undefined, { policy });
    const { client } = connect(m, SAP.management);
    await client.associate();
    const energyOk = await client.get(1, m.catalog[0].object.logicalName, 2);
    expect(energyOk.ok).toBe(true);
    const enc = connect(m, SAP.management, {
      ciphering: { crypto: m.crypto, systemTitle: Uint8Array.of(0x4d, 0x4d, 0x4d, 0, 0, 0, 0, 1), keys: { encryptionKey: m.setups.management.key(0)!, authenticationKey: m.setups.management.key(2)! }, invocationCounter: 1000, securityControl: 0x20 },
    });
    await enc.client.associate();
    // Energy value is "R" for management: refused without authentication; its logical name "r" is fine.
    expect(await enc.client.get(1, m.catalog[0].object.logicalName, 2)).toEqual({ ok: false, error: DataAccessResult.readWriteDenied });
    expect((await enc.client.get(1, m.catalog[0].object.logicalName, 1)).ok).toBe(true);
  });
});
