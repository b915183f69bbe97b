"""Caller keypads (呼叫器) beside each clerk, FF 68 frames on RS-485."""
