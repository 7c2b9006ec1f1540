#!/usr/bin/env python3
"""Pseudo-terminal for the simulator's optical port.

Node has no pty API, so the simulator runs this helper: it opens a pty pair,
puts the slave in raw mode (no echo, no line discipline, 8 bits: the DLMS
bytes pass untouched), prints the slave's path as the first line on stdout,
then relays bytes master <-> (stdin, stdout) until stdin closes. A client
(the lab tool, a serial probe emulator) opens the printed /dev/pts/K.

Parity: a pty has no wire, so it ignores a client's 7E1 setting, and a
standard client (Gurux, pyserial with 7 data bits and even parity) sends
`/?!` with bit 7 clear, which the meter, expecting the parity bit in bit 7
(7E1 carried as 8N1), would drop. So while the client's termios says 7 data
bits with even parity (the IEC 62056-21 sign-on, until the client switches
to 8N1 after the baud change), the bridge plays the line: it adds the even
parity bit to what the client sends and strips bit 7 from what the meter
sends. A client that does its own parity on 8N1 (the lab tool) is untouched.
"""
import os, pty, select, sys, termios, tty

master, slave = pty.openpty()
tty.setraw(slave)
attrs = termios.tcgetattr(slave)
attrs[3] &= ~termios.ECHO
termios.tcsetattr(slave, termios.TCSANOW, attrs)
sys.stdout.write(os.ttyname(slave) + "\n")
sys.stdout.flush()
out = sys.stdout.fileno()
inp = sys.stdin.fileno()

EVEN = bytes(((c & 0x7F) | ((bin(c & 0x7F).count("1") & 1) << 7)) for c in range(256))
SEVEN = bytes(c & 0x7F for c in range(256))


def seven_e1():
    """True while the client has set 7 data bits with even parity on its end."""
    try:
        cflag = termios.tcgetattr(slave)[2]
    except termios.error:
        return False
    return (cflag & termios.CSIZE) == termios.CS7 and (cflag & termios.PARENB) != 0 and (cflag & termios.PARODD) == 0


while True:
    r, _, _ = select.select([master, inp], [], [])
    if inp in r:
        data = os.read(inp, 4096)
        if not data:
            break
        if seven_e1():
            data = data.translate(SEVEN)
        os.write(master, data)
    if master in r:
        try:
            data = os.read(master, 4096)
        except OSError:
            # No client has the slave open: keep our own slave fd open and wait.
            continue
        if seven_e1():
            data = data.translate(EVEN)
        os.write(out, data)
