"""Ticket layout: a per-hall template with named fields, filled for one ticket.

Pure: no I/O, no clock. A template is a dict (it comes from the hall
configuration, see docs/printer.md)::

    {"lines": [{"text": "{hall_name}", "align": "center", "bold": True},
               {"text": "{number}", "align": "center", "size": 4},
               {"qr": "{progress_url}", "size": 6},
               ...],
     "values": {"hall_name": "某某市行政服务中心", "footer": "..."}}

`Template.build(ticket, extras, columns)` turns it into a list of blocks
(`TextLine`, `Rule`, `QrCode`, `Feed`) that protocol.py encodes as ESC/POS text and
render.py draws as a raster image, so both modes print the same ticket.
"""
from __future__ import annotations

import string
import unicodedata
from dataclasses import dataclass

# Every field a template may name, with what it holds. docs/printer.md lists
# them too; tests/devices/printer/test_layout.py keeps the two in step.
FIELDS = {
    "hall_name": "hall name (template values or extras)",
    "service": "service letter, e.g. A",
    "service_name": "service name, e.g. 行政审批",
    "matter_name": "matter (事项) chosen at the kiosk",
    "number": "ticket number, e.g. A001",
    "people_ahead": "people waiting ahead of this ticket",
    "wait_minutes": "estimated wait in minutes",
    "issued_date": "date the ticket was issued, YYYY-MM-DD",
    "issued_time": "time the ticket was issued, HH:MM",
    "business_day": "business day of the ticket",
    "progress_url": "phone progress page (the QR code payload)",
    "materials": "materials reminder (one line)",
    "footer": "footer text",
    "reprint_mark": "补打 on a reprinted ticket, empty otherwise",
}

ALIGNS = ("left", "center", "right")
LINE_KEYS = {
    "text": {"text", "align", "bold", "size", "one_line", "if"},
    "qr": {"qr", "align", "size", "if"},
    "feed": {"feed"},
    "rule": {"rule"},
}


class TemplateError(ValueError):
    """A ticket template the hall cannot use; .message says what to fix."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class TextLine:
    """One line of text; size multiplies both width and height (GS !)."""

    text: str
    align: str = "left"
    bold: bool = False
    size: int = 1
    one_line: bool = False  # already cut to fit; raster mode cuts by pixels


@dataclass(frozen=True)
class Rule:
    """A line across the paper drawn with one character (text) or a stroke (raster)."""

    char: str = "-"


@dataclass(frozen=True)
class QrCode:
    """A QR code; size is the module size in dots (GS ( k, 1..16)."""

    payload: str
    align: str = "center"
    size: int = 6


@dataclass(frozen=True)
class Feed:
    """Blank lines."""

    lines: int = 1


DEFAULT_TEMPLATE = {
    "lines": [
        {"text": "{hall_name}", "align": "center", "bold": True},
        {"text": "{service_name}", "align": "center"},
        {"text": "{matter_name}", "align": "center"},
        {"feed": 1},
        {"text": "{number}", "align": "center", "bold": True, "size": 4},
        {"text": "{reprint_mark}", "align": "center"},
        {"feed": 1},
        {"text": "前面还有 {people_ahead} 人，预计等候约 {wait_minutes} 分钟", "align": "center"},
        {"text": "{issued_date} {issued_time}", "align": "center"},
        {"qr": "{progress_url}", "size": 6},
        {"text": "手机扫码查看排队进度", "align": "center", "if": "progress_url"},
        {"rule": "-"},
        {"text": "请备好：{materials}", "one_line": True},
        {"text": "{footer}", "align": "center"},
    ],
    "values": {
        "hall_name": "政务服务中心",
        "footer": "请留意叫号，过号需重新取号",
    },
}


def char_columns(ch: str) -> int:
    """Columns a character takes in text mode: Hanzi and full-width take two."""
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def text_columns(text: str) -> int:
    """Columns a string takes on the printer in font A at size 1."""
    return sum(char_columns(c) for c in text)


def fit_columns(text: str, columns: int) -> str:
    """Cut text to fit one printed line, ending with … when cut."""
    if text_columns(text) <= columns:
        return text
    out, used = [], 0
    for ch in text:
        if used + char_columns(ch) > columns - 1:
            break
        out.append(ch)
        used += char_columns(ch)
    return "".join(out) + "…"


def _fields_in(fmt: str, where: str) -> list[str]:
    """Field names used in a format string; refuses malformed braces."""
    try:
        parsed = list(string.Formatter().parse(fmt))
    except ValueError as exc:
        raise TemplateError(
            f"打印模板{where}的花括号不成对（{exc}）：字段要写成 {{hall_name}} 这样，"
            f"要印出花括号本身请写 {{{{ 或 }}}}。"
        ) from None
    names = []
    for _literal, name, spec, conv in parsed:
        if name is None:
            continue
        if spec or conv or name == "" or not name.isidentifier():
            raise TemplateError(
                f"打印模板{where}的 {{{name}{'!' + conv if conv else ''}{':' + spec if spec else ''}}} "
                f"写法不对：只能写字段名，例如 {{number}}。"
            )
        names.append(name)
    return names


def _check_field(name: str, where: str) -> None:
    if name not in FIELDS:
        known = "、".join(FIELDS)
        raise TemplateError(
            f"打印模板{where}用了未知字段 {{{name}}}；可用的字段有：{known}。"
            f"请改正大厅配置里的打印模板后再启动。"
        )


class Template:
    """A validated ticket template; build() fills it for one ticket."""

    def __init__(self, spec: dict | None = None):
        """Check spec (None means DEFAULT_TEMPLATE); raises TemplateError."""
        spec = DEFAULT_TEMPLATE if spec is None else spec
        if not isinstance(spec, dict):
            raise TemplateError("打印模板必须是一个表（dict），包含 lines 和可选的 values。")
        unknown = set(spec) - {"lines", "values"}
        if unknown:
            raise TemplateError(
                f"打印模板里有不认识的键 {sorted(unknown)}；只能有 lines 和 values。"
            )
        lines = spec.get("lines", DEFAULT_TEMPLATE["lines"])
        values = dict(DEFAULT_TEMPLATE["values"])
        values.update(spec.get("values") or {})
        if not isinstance(lines, list) or not lines:
            raise TemplateError("打印模板的 lines 必须是非空的列表，每一项是一行。")
        for key in values:
            _check_field(key, " values 里")
        self.lines = [self._check_line(i + 1, line) for i, line in enumerate(lines)]
        self.values = values

    @staticmethod
    def _check_line(n: int, line: dict) -> dict:
        where = f"第 {n} 行"
        if not isinstance(line, dict):
            raise TemplateError(f"打印模板{where}必须是一个表，例如 {{text = \"{{number}}\"}}。")
        kinds = [k for k in LINE_KEYS if k in line]
        if len(kinds) != 1:
            raise TemplateError(
                f"打印模板{where}必须恰好有 text、qr、feed、rule 中的一个键，现在有 {kinds or '零个'}。"
            )
        kind = kinds[0]
        extra = set(line) - LINE_KEYS[kind]
        if extra:
            raise TemplateError(
                f"打印模板{where}（{kind}）有不认识的键 {sorted(extra)}；"
                f"可用的键：{sorted(LINE_KEYS[kind])}。"
            )
        if kind in ("text", "qr"):
            if not isinstance(line[kind], str):
                raise TemplateError(f"打印模板{where}的 {kind} 必须是文字。")
            for name in _fields_in(line[kind], where):
                _check_field(name, where)
            if "if" in line:
                _check_field(line["if"], where + "的 if 条件")
            align = line.get("align", "left" if kind == "text" else "center")
            if align not in ALIGNS:
                raise TemplateError(f"打印模板{where}的 align 只能是 left、center 或 right，不能是 {align!r}。")
            limit = 8 if kind == "text" else 16
            size = line.get("size", 1 if kind == "text" else 6)
            if not isinstance(size, int) or isinstance(size, bool) or not 1 <= size <= limit:
                raise TemplateError(f"打印模板{where}的 size 必须是 1 到 {limit} 的整数，不能是 {size!r}。")
        if kind == "feed" and not (isinstance(line["feed"], int) and 1 <= line["feed"] <= 10):
            raise TemplateError(f"打印模板{where}的 feed 必须是 1 到 10 的整数（空几行）。")
        if kind == "rule" and not (isinstance(line["rule"], str) and len(line["rule"]) == 1
                                   and line["rule"].isascii()):
            raise TemplateError(f"打印模板{where}的 rule 必须是一个 ASCII 字符，例如 \"-\"。")
        return dict(line)

    def values_for(self, ticket: dict, extras: dict | None, reprint: bool = False) -> dict:
        """The field values of one ticket: template values < ticket < extras."""
        extras = extras or {}
        issued = str(ticket.get("issued_at") or "")
        values = dict(self.values)
        values.update({
            "service": ticket.get("service"),
            "service_name": ticket.get("service_name"),
            "number": ticket.get("number"),
            "business_day": ticket.get("business_day"),
            "issued_date": issued[:10] or None,
            "issued_time": issued[11:16] or None,
            "reprint_mark": "补打" if reprint else None,
        })
        for key, value in extras.items():
            if key in FIELDS:
                values[key] = value
        return values

    def build(self, ticket: dict, extras: dict | None, columns: int,
              reprint: bool = False) -> list:
        """Blocks for one ticket. A line naming a field with no value is left out."""
        values = self.values_for(ticket, extras, reprint)

        def filled(fmt: str):
            names = _fields_in(fmt, "")
            if any(values.get(n) in (None, "") for n in names):
                return None
            return fmt.format(**{n: values[n] for n in names})

        blocks: list = []
        for line in self.lines:
            if "if" in line and values.get(line["if"]) in (None, ""):
                continue
            if "feed" in line:
                blocks.append(Feed(line["feed"]))
            elif "rule" in line:
                blocks.append(Rule(line["rule"]))
            elif "qr" in line:
                payload = filled(line["qr"])
                if payload:
                    blocks.append(QrCode(payload, line.get("align", "center"), line.get("size", 6)))
            else:
                text = filled(line["text"])
                if text is None:
                    continue
                # One printed line per template line: the printer would wrap
                # a long one, which is what one_line is there to prevent.
                text = " ".join(text.splitlines())
                size = line.get("size", 1)
                one_line = bool(line.get("one_line"))
                if one_line:
                    text = fit_columns(text, columns // size)
                blocks.append(TextLine(text, line.get("align", "left"), bool(line.get("bold")),
                                       size, one_line))
        return blocks
