"""HallQ hall server core: queue engine, store, bus, push, API and CLI."""
