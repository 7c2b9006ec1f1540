import Digital from "embedded:io/digital";
import { ModdableDigitalIn, ModdableDigitalOut, type DigitalPin } from "../digital.js";

export type Pull = "none" | "up" | "down";

/** An input reporting both edges (tamper switches, relay feedback, the power-fail line). */
export function openDigitalIn(pin: number, pull: Pull = "none"): ModdableDigitalIn {
  const input = new ModdableDigitalIn();
  const mode = pull === "up" ? Digital.InputPullUp : pull === "down" ? Digital.InputPullDown : Digital.Input;
  const io = new Digital({
    pin,
    mode: mode as typeof Digital.Input,
    edge: Digital.Rising | Digital.Falling,
    onReadable() {
      input.changed();
    },
  });
  return input.attach(io as DigitalPin);
}

export function openDigitalOut(pin: number, initial: 0 | 1 = 0): ModdableDigitalOut {
  return new ModdableDigitalOut(new Digital({ pin, mode: Digital.Output }) as DigitalPin, initial);
}
