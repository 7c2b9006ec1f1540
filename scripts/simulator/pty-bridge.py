#!/usr/bin/env python3
"""Pseudo-terminal for the simulator's optical port.

Node has no pty API, so the simulator runs this helper: it opens a pty pair,
puts the slave in raw mode (no echo, no line discipline, 8 bits: the DLMS
bytes pass untouched), prints the slave's path as the first line on stdout,
then relays bytes master <-> (stdin, stdout) until stdin closes. A client
(the lab tool, a serial probe emulator) opens the printed /dev/pts/K.
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
while True:
    r, _, _ = select.select([master, inp], [], [])
    if inp in r:
        data = os.read(inp, 4096)
        if not data:
            break
        os.write(master, data)
    if master in r:
        try:
            data = os.read(master, 4096)
        except OSError:
            # No client has the slave open: keep our own slave fd open and wait.
            continue
        os.write(out, data)
