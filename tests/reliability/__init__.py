"""The reliability suite: crash, device faults, long load, fuzzing, backups (docs/reliability.md)."""
