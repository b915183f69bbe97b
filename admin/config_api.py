"""The configuration's API (admin role): `/api/admin/config...`; docs/api.md documents each.

The whole configuration goes and comes as one JSON object, the hall file's
data (config/writer.py `config_json`): the administration pages read it, change
one section and send it all back. Every change goes through the loader's checks
and `Hall.apply_config`, the one mechanism `hallq config import` uses too; a
refusal is the loader's sentence with the `field` it is about, or the hall's.
A change names the version it was made from: if another admin saved in
between, it is refused (`config_changed_meanwhile`) rather than undo theirs.
"""
from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, request

from config.loader import parse_config, parse_data
from config.writer import config_json
from hall import auth, configs
from hall.errors import ConfigError, HallError
from hall.jsonbody import UPLOAD_LIMIT, json_object

bp = Blueprint("admin_config_api", __name__, url_prefix="/api/admin/config")

NEW = "新配置 (the new configuration)"
FILE = "导入的文件 (the imported file)"


@bp.errorhandler(HallError)
def _hall_error(err: HallError):
    return jsonify(err.to_dict()), err.status


def _hall():
    return current_app.extensions["hallq"]


def refusal(err: ConfigError) -> HallError:
    """A loader's sentence as the API's refusal: `invalid_config`, with the field it is about."""
    sentence = str(err)
    for source in (NEW, FILE):
        sentence = sentence.removeprefix(f"{source}: ")
    return _ConfigRefusal(sentence, err.field)


class _ConfigRefusal(HallError):
    def __init__(self, sentence: str, field):
        super().__init__("invalid_config", f"配置未保存，请改正：{sentence}", f"The configuration was not saved: {sentence}",
                         400)
        self.field = field

    def to_dict(self) -> dict:
        out = super().to_dict()
        out["error"]["field"] = self.field
        return out


def version_json(row: dict) -> dict:
    """A stored version as the API shows it (its configuration apart): version, at, by, source, note."""
    tz = _hall().engine.tz
    from datetime import datetime
    return {"version": row["version"], "at": datetime.fromisoformat(row["at"]).astimezone(tz).isoformat(timespec="seconds"),
            "by": row["username"], "source": row["source"], "note": row["note"]}


def current() -> dict:
    """The version in force: {version, at, by, source, note, config, retired}; `retired` lists the
    services removed while their tickets still wait (hall/reconfigure.py), which are in no version."""
    hall = _hall()
    row = hall.store.config_version(hall.config_version)
    out = version_json(row)
    out["config"] = config_json(hall.config)
    out["retired"] = [s.code for s in hall.config.services if s.retired]
    return out


def apply(config, note: str, source: str, base) -> dict:
    """Put `config` (a HallConfig) in effect as the signed-in admin's, if the version in force is still
    `base` (an int; None: whatever is in force)."""
    hall = _hall()
    user = auth.current_user()
    _check_base(base)
    try:
        done = hall.apply_config(config, by=user["username"], note=note, source=source)
    except ConfigError as err:       # the devices' settings, checked by building them
        raise refusal(err) from None
    return {**done, **({"current": current()} if done["changed"] else {})}


def _note(data: dict) -> str:
    note = data.get("note", "")
    if not isinstance(note, str) or len(note) > 500:
        raise HallError("invalid_field", "备注应为不超过 500 字的文字。", "note must be a text of at most 500 characters.", 400)
    return note.strip()


def _base(data: dict):
    """The version the change was made from, checked first: a change made on an older one is refused
    whatever it says (its sentences would be about a configuration no longer in force)."""
    base = data.get("version")
    if base is not None and (not isinstance(base, int) or isinstance(base, bool)):
        raise HallError("invalid_field", "version 应为修改所基于的版本号（整数）。",
                        "version must be the number of the version the change was made from.", 400)
    _check_base(base)
    return base


def _check_base(base) -> None:
    hall = _hall()
    if base is not None and base != hall.config_version:
        raise HallError("config_changed_meanwhile",
                        f"配置已被他人改为第 {hall.config_version} 版，您的修改没有保存；请刷新页面，在新版本上再改。",
                        f"Someone saved version {hall.config_version} meanwhile; your change was not saved. Reload "
                        "and change the new version.", 409)


@bp.get("")
def get_config():
    """The configuration in force (?version=N: that stored version's)."""
    auth.require_role("admin")
    wanted = request.args.get("version")
    if wanted is None:
        return jsonify(current())
    row = _version_row(wanted)
    return jsonify({**version_json(row), "config": config_json(configs.load(row))})


@bp.put("")
def put_config():
    """A new version: {"version": the one it was made from, "config": the whole configuration, "note"}."""
    auth.require_role("admin")
    data = json_object()
    if not isinstance(data.get("config"), dict):
        raise HallError("invalid_field", "请求应包含完整的配置 config（一个对象）。",
                        "The body must carry the whole configuration as `config`, an object.", 400)
    base, note = _base(data), _note(data)
    try:
        config = parse_data(data["config"], source=NEW)
    except ConfigError as err:
        raise refusal(err) from None
    return jsonify(apply(config, note, "browser", base))


@bp.post("/import")
def import_config():
    """A hall file as a new version: {"toml": its text, "note", "version"} (`hallq config import` in the browser)."""
    auth.require_role("admin")
    data = json_object(UPLOAD_LIMIT)
    text = data.get("toml")
    if not isinstance(text, str) or not text.strip():
        raise HallError("invalid_field", "请选择要导入的配置文件（TOML）。", "Send the hall file's text as `toml`.", 400)
    base, note = _base(data), _note(data)
    try:
        config = parse_config(text, source=FILE)
    except ConfigError as err:
        raise refusal(err) from None
    return jsonify(apply(config, note or "导入配置文件 (imported a file)", "import", base))


@bp.get("/versions")
def versions():
    """Every stored version, newest first, without their configurations."""
    auth.require_role("admin")
    hall = _hall()
    return jsonify({"version": hall.config_version, "versions": [version_json(r) for r in hall.store.config_versions()]})


@bp.get("/export")
def export():
    """The version in force (?version=N: that one) as a hall file to download, as `hallq config export`."""
    auth.require_role("admin")
    hall = _hall()
    row = _version_row(request.args.get("version") or str(hall.config_version))
    name = f"hallq-{configs.load(row).code}-v{row['version']}.toml"
    return Response(configs.export_text(row), mimetype="application/toml",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _version_row(raw: str) -> dict:
    row = _hall().store.config_version(int(raw)) if raw.isascii() and raw.isdigit() and len(raw) < 10 else None
    if row is None:
        raise HallError("unknown_version", f"没有第 {raw[:20]} 版配置。", f"There is no configuration version {raw[:20]!r}.",
                        404)
    return row
