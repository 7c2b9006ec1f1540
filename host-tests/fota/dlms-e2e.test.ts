/**
 * The FOTA end to end through the real xDLMS server and client
 * (src/cosem/server, src/cosem/client) on the firmware association (LLS):
 * an imgtool-made image (mcuboot-imgtool-2/images/ec256_seccnt7.bin) is
 * sent with ACTIONs on Image Transfer 0.0.44.0.0.255, power is cut during a
 * block, the meter restarts (server rebuilt), the transfer resumes, verifies,
 * activates, the bootloader test-swaps, the new image confirms itself; a
 * tampered image is refused with action-result other-reason, status 4 and an event.
 */
import { describe, expect, it } from "vitest";
import { SimCrypto } from "../../hal/sim/crypto.js";
import { D, Tag } from "../../src/cosem/axdr.js";
import { Mechanism } from "../../src/cosem/apdu/acse.js";
import { DlmsClient } from "../../src/cosem/client/client.js";
import { ActionResult, rights } from "../../src/cosem/interface-class.js";
import { Obis } from "../../src/cosem/obis.js";
import { CosemServer } from "../../src/cosem/server/server.js";
import { FirmwareEvent, TransferStatus, VerdictCode } from "../../src/fota/transfer.js";
import type { ApduSession } from "../../src/transport/apdu-port.js";
import { utf8Encode } from "../../src/util/bytes.js";
import { FotaRig } from "./support/fixture.js";
import { set2File, set2Spki } from "./support/mcuboot-vectors.js";

const IMAGE_TRANSFER = Obis.of(0, 0, 44, 0, 0, 255);
const PASSWORD = utf8Encode("fw-secret");
const FIRMWARE_SAP = 48;
const BLOCK = 192;

class Session implements ApduSession {
  readonly serverLogical = 1;
  readonly transport = "hdlc" as const;
  readonly clientSap = FIRMWARE_SAP;
  readonly maxApduSize = 0;
  push(): void {}
}

/** What a restart builds: the server over the rig's freshly booted class 18 object, and an associated client. */
async function connect(rig: FotaRig): Promise<DlmsClient> {
  const server = new CosemServer({
    catalog: [{ object: rig.object, rights: { firmware: rights("r r r r rw r r", "x x x x") } }],
    associations: [{ clientSap: FIRMWARE_SAP, role: "firmware", logicalName: Obis.of(0, 0, 40, 0, 4, 255), mechanism: Mechanism.lls, secret: PASSWORD, ciphered: false }],
    crypto: new SimCrypto(),
    kv: rig.store,
    events: { record: (e) => rig.events.push(e) },
    nowUtcMs: () => Date.UTC(2026, 10, 30),
    maxReceivePduSize: 1024,
  });
  const session = new Session();
  const client = new DlmsClient({ exchange: (req) => server.handle(req, session), mechanism: Mechanism.lls, password: PASSWORD });
  await client.associate();
  return client;
}

async function attr(client: DlmsClient, n: number): Promise<number> {
  const r = await client.get(18, IMAGE_TRANSFER, n);
  if (!r.ok || typeof r.value.value !== "number" && typeof r.value.value !== "boolean") throw new Error(`GET 18/${n} failed`);
  return Number(r.value.value);
}

async function sendMissing(client: DlmsClient, image: Uint8Array): Promise<void> {
  const count = Math.ceil(image.length / BLOCK);
  const bits = await client.get(18, IMAGE_TRANSFER, 3);
  if (!bits.ok || bits.value.tag !== Tag.BitString) throw new Error("attribute 3");
  for (let n = 0; n < count; n++) {
    if (bits.value.value.bytes[n >> 3] & (0x80 >> (n & 7))) continue;
    const r = await client.action(18, IMAGE_TRANSFER, 2, D.struct(D.u32(n), D.octets(image.subarray(n * BLOCK, (n + 1) * BLOCK))));
    expect(r.ok).toBe(true);
  }
}

function freshRig(): FotaRig {
  const rig = new FotaRig([set2Spki("ec256")], BLOCK);
  rig.install(rig.primary, set2File("images/ec256_hdr200.bin"));
  rig.powerOn();
  return rig;
}

describe("FOTA through the xDLMS server and client (firmware association, LLS)", () => {
  it("mcuboot-imgtool-2/images/ec256_seccnt7: power cut mid-transfer, resume, verify, activate, test swap, self-test, confirm", async () => {
    const rig = freshRig();
    const img = set2File("images/ec256_seccnt7.bin");
    const id = utf8Encode("fw-7");
    let client = await connect(rig);
    expect(await attr(client, 2)).toBe(BLOCK);
    expect((await client.action(18, IMAGE_TRANSFER, 1, D.struct(D.octets(id), D.u32(img.length)))).ok).toBe(true);
    for (let n = 0; n < 3; n++) expect((await client.action(18, IMAGE_TRANSFER, 2, D.struct(D.u32(n), D.octets(img.subarray(n * BLOCK, (n + 1) * BLOCK))))).ok).toBe(true);
    // The supply fails (early warning first) while block 3 is programmed.
    rig.powerFailWarning();
    rig.secondary.cutAt(0, 99);
    let failed = false;
    try {
      const r = await client.action(18, IMAGE_TRANSFER, 2, D.struct(D.u32(3), D.octets(img.subarray(3 * BLOCK, 4 * BLOCK))));
      failed = !r.ok;
    } catch {
      failed = true;
    }
    expect(failed).toBe(true);
    rig.powerOn();
    client = await connect(rig);
    expect(await attr(client, 6)).toBe(TransferStatus.initiated);
    expect(await attr(client, 4)).toBe(3);
    expect((await client.action(18, IMAGE_TRANSFER, 1, D.struct(D.octets(id), D.u32(img.length)))).ok).toBe(true);
    await sendMissing(client, img);
    expect(await attr(client, 4)).toBe(Math.ceil(img.length / BLOCK));
    expect((await client.action(18, IMAGE_TRANSFER, 3, D.i8(0))).ok).toBe(true);
    expect(await attr(client, 6)).toBe(TransferStatus.verificationSuccessful);
    expect((await client.action(18, IMAGE_TRANSFER, 4, D.i8(0))).ok).toBe(true);
    expect(rig.system.reboots).toBe(1);
    expect(rig.powerOn()).toBe("test");
    client = await connect(rig);
    expect(await attr(client, 6)).toBe(TransferStatus.activationSuccessful);
    expect(rig.service.minSecurityCounter).toBe(7);
    for (const c of [FirmwareEvent.transferResumed, FirmwareEvent.selfTestPassed, FirmwareEvent.confirmed, FirmwareEvent.activated]) expect(rig.codes()).toContain(c);
  });

  it("mcuboot-imgtool-2/images/neg_payload_flip: refused with other-reason, status 4 and a firmware event", async () => {
    const rig = freshRig();
    const img = set2File("images/neg_payload_flip.bin");
    const client = await connect(rig);
    expect((await client.action(18, IMAGE_TRANSFER, 1, D.struct(D.octets(utf8Encode("bad")), D.u32(img.length)))).ok).toBe(true);
    await sendMissing(client, img);
    expect(await client.action(18, IMAGE_TRANSFER, 3, D.i8(0))).toEqual({ ok: false, error: ActionResult.otherReason });
    expect(await attr(client, 6)).toBe(TransferStatus.verificationFailed);
    expect(rig.events.filter((e) => e.log === "firmware" && e.code === FirmwareEvent.verificationFailed).map((e) => e.value)).toEqual([VerdictCode["bad-hash"]]);
    expect(await client.action(18, IMAGE_TRANSFER, 4, D.i8(0))).toEqual({ ok: false, error: ActionResult.otherReason });
    expect(rig.system.reboots).toBe(0);
  });
});
