"""ESC/POS ticket printer: layout, bytes, raster, driver and simulator.

See docs/printer.md. The kiosk builds a PrinterDriver from the hall's
printer settings and calls print_ticket() when it issues a ticket.
"""
from .driver import PrintResult, PrinterDriver
from .layout import DEFAULT_TEMPLATE, FIELDS, Template, TemplateError
from .ports import PrinterSettingsError

__all__ = ["PrinterDriver", "PrintResult", "Template", "TemplateError", "PrinterSettingsError",
           "DEFAULT_TEMPLATE", "FIELDS"]
