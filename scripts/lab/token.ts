/**
 * `npm run lab -- token <20 digits>`: enters an STS token through the
 * meter's Token Gateway (class 115, 0-0:19.40.0*255, method 1 enter) and
 * prints the meter's verdict (token_status) and the credit (Account
 * available_credit). The Token Gateway is in the management association.
 */
import { Tag, type Data } from "../../src/cosem/axdr.js";
import { ActionResult } from "../../src/cosem/interface-class.js";
import { Obis } from "../../src/cosem/obis.js";
import { TOKEN_RESULT_NAMES } from "../../src/prepay/results.js";
import type { LabOptions } from "./args.js";
import type { Out } from "./commands.js";
import type { LabSession } from "./session.js";

const TOKEN_GATEWAY = Obis.of(0, 0, 19, 40, 0, 255);
const ACCOUNT = Obis.of(0, 0, 19, 0, 0, 255);
const STATUS = ["format OK", "authentication OK", "validation OK", "execution OK", "format failure", "authentication failure", "validation failure", "execution failure", "not processed"];

export interface TokenReply {
  status: number;
  result: number;
  name: string;
  availableWh: number | undefined;
}

export async function tokenCommand(session: LabSession, o: LabOptions, out: Out): Promise<TokenReply> {
  const text = o.args.join("");
  if (!/^[0-9 -]+$/.test(text)) throw new Error("token takes the 20 digits (dashes allowed)");
  const bytes = Uint8Array.from(text, (c) => c.charCodeAt(0));
  const a = await session.action(115, TOKEN_GATEWAY, 1, { tag: Tag.OctetString, value: bytes });
  if (a.result !== ActionResult.success) {
    const hint = a.result === ActionResult.objectUndefined || a.result === ActionResult.readWriteDenied ? " (the Token Gateway needs the management association: --auth hls-gmac --akey .. --ekey ..)" : "";
    throw new Error(`token: enter refused, action result ${a.result}${hint}`);
  }
  const st = await session.get(115, TOKEN_GATEWAY, 6);
  if (!st.ok || st.value.tag !== Tag.Structure) throw new Error("token: token_status unreadable");
  const [code, data] = st.value.value as Data[];
  const status = code.value as number;
  const b = data.tag === Tag.BitString ? data.value.bytes : new Uint8Array(2);
  const result = (b[0] << 8) | b[1];
  const credit = await session.get(111, ACCOUNT, 5);
  const availableWh = credit.ok && typeof credit.value.value === "number" ? credit.value.value : undefined;
  const name = TOKEN_RESULT_NAMES[result] ?? `result ${result}`;
  out(`${name} (token_status ${STATUS[status] ?? status})${availableWh !== undefined ? `; available credit ${(availableWh / 1000).toFixed(1)} kWh` : ""}`);
  return { status, result, name, availableWh };
}
