"""The screen packages and the shared page pieces they depend on (hall/screens.py).

Every page names its files by url_for: a shared one (`static`) must be in
hall/static, a package's own (`<blueprint>.static`) in that package's static/,
and a template it imports or extends must be found. A package's script never
reaches into another package's static folder: what two screens need is shared.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from hall.screens import SHARED_SCRIPTS, SHARED_STATIC, SHARED_TEMPLATES

ROOT = Path(__file__).resolve().parent.parent
URL_FOR = re.compile(r"""url_for\(\s*['"]([\w.]*static)['"]\s*,\s*filename\s*=\s*['"]([^'"]+)['"]""")
IMPORTS = re.compile(r"""{%-?\s*(?:from|import|extends|include)\s+['"]([^'"]+)['"]""")
SCREEN_PACKAGES = ("kiosk", "counter_terminal", "display", "board", "assess", "admin")


def _screens(app):
    """{blueprint name: blueprint} of the screen packages' pages (their JSON APIs left out)."""
    return {name: bp for name, bp in app.blueprints.items()
            if bp.import_name.split(".")[0] in SCREEN_PACKAGES and bp.static_folder}


def _templates():
    for folder in [SHARED_TEMPLATES] + [ROOT / p / "templates" for p in SCREEN_PACKAGES]:
        yield from sorted(folder.rglob("*.html"))


def test_every_screen_package_is_a_screen_blueprint_with_its_own_static_url(app):
    screens = _screens(app)
    assert {bp.import_name.split(".")[0] for bp in screens.values()} == set(SCREEN_PACKAGES)
    for name, bp in screens.items():
        assert bp.template_folder == "templates", name
        assert re.fullmatch(r"/[a-z]+/static", bp.static_url_path), (name, bp.static_url_path)


@pytest.mark.parametrize("template", list(_templates()), ids=lambda p: str(p.relative_to(ROOT)))
def test_each_file_a_page_names_is_where_it_says(app, template):
    text = template.read_text(encoding="utf-8")
    for endpoint, filename in URL_FOR.findall(text):
        if endpoint == "static":
            folder = SHARED_STATIC
        else:
            folder = Path(app.blueprints[endpoint.rsplit(".", 1)[0]].static_folder)
        assert (folder / filename).is_file(), f"{template.name}: {endpoint} {filename}"
    for name in IMPORTS.findall(text):
        app.jinja_env.get_template(name)  # raises when no loader finds it


def test_the_shared_scripts_are_in_the_shared_folder():
    for name in SHARED_SCRIPTS:
        assert (SHARED_STATIC / name).is_file(), name
    macros = (SHARED_TEMPLATES / "_macros.html").read_text(encoding="utf-8")
    assert [f for _, f in URL_FOR.findall(macros)] == list(SHARED_SCRIPTS)


def test_no_screen_package_borrows_another_ones_files(app):
    screens = _screens(app)
    for name, bp in screens.items():
        others = [b.static_url_path for n, b in screens.items() if n != name]
        for path in sorted(Path(bp.static_folder).rglob("*")):
            if path.suffix not in (".js", ".css", ".html"):
                continue
            text = path.read_text(encoding="utf-8")
            assert not [o for o in others if o + "/" in text], f"{path}: move what it shares to hall/static"
        for template in sorted(Path(bp.root_path, "templates").rglob("*.html")):
            named = {e.rsplit(".", 1)[0] for e, _ in URL_FOR.findall(template.read_text(encoding="utf-8"))}
            assert named <= {"static", name}, f"{template}: names {sorted(named - {'static', name})}"
