"""Hardware the hall server drives: links, the RS-485 bus, LED displays, keypads,
raters, wireless keypads and ticket printers, each with a simulator.

Every device kind keeps its pure protocol (bytes in, bytes out) in
`protocol.py`, its I/O in `driver.py` and the simulated device in `sim.py`.
A device fault is a state reported through `on_state(device_id, state,
detail)`, never an exception that escapes a driver. A detail is written
"中文 / English": the board and the lab show the half for their language.
"""
