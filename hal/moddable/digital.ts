import type { DigitalIn, DigitalOut } from "../digital.js";

/** What the HAL uses of an ECMA-419 Digital instance (`embedded:io/digital`). */
export interface DigitalPin {
  read(): 0 | 1;
  write(value: 0 | 1): void;
}

/**
 * A digital input. ECMA-419 takes the edge callback at construction, so the
 * device binding constructs the pin with `onReadable` pointing at `changed()`
 * and this adapter fans the new level out to the port's handlers.
 */
export class ModdableDigitalIn implements DigitalIn {
  private declare pin: DigitalPin | undefined;
  private readonly handlers: ((level: 0 | 1) => void)[] = [];

  /** The pin is attached after construction because its onReadable must already exist. */
  attach(pin: DigitalPin): this {
    this.pin = pin;
    return this;
  }

  read(): 0 | 1 {
    if (!this.pin) throw new Error("digital input not attached");
    return this.pin.read();
  }

  onChange(handler: (level: 0 | 1) => void): void {
    this.handlers.push(handler);
  }

  /** Edge callback from the IO class. */
  changed(): void {
    const level = this.read();
    for (const handler of this.handlers) handler(level);
  }
}

/** A digital output; reads back the level it last wrote (ECMA-419 reads an output's latch). */
export class ModdableDigitalOut implements DigitalOut {
  private declare readonly pin: DigitalPin;
  constructor(pin: DigitalPin, initial: 0 | 1 = 0) {
    this.pin = pin;
    pin.write(initial);
  }
  write(level: 0 | 1): void {
    this.pin.write(level);
  }
  read(): 0 | 1 {
    return this.pin.read();
  }
}
