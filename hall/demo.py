"""The demo hall's simulated devices, attached when `hallq demo` runs without --no-devices."""
from __future__ import annotations

import logging

log = logging.getLogger(__name__)


def attach_simulated_devices(app) -> list:
    """Start a simulator for each device kind the hall drives and attach its driver.

    Returns the attached drivers. Device kinds arrive with their own modules
    under devices/; each registers here as it lands.
    """
    return []
