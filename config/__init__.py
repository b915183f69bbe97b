"""The embedded default hall (hall.toml) and the loader that validates any hall file."""
from config.loader import DEFAULT_CONFIG_PATH, load_config, parse_config

__all__ = ["DEFAULT_CONFIG_PATH", "load_config", "parse_config"]
