"""Wireless (433 MHz, EV1527-style) keypads whose receiver reports (remote id, key) lines."""
