"""The wheel carries the built-in templates and fonts, so `pip install .` works outside the repository."""

from __future__ import annotations

import subprocess
import sys
import zipfile

from .conftest import REPO


def test_wheel_ships_templates_and_fonts(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(tmp_path), str(REPO)],
                   check=True, capture_output=True)
    [wheel] = tmp_path.glob("letters-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    templates = {p.relative_to(REPO).as_posix() for p in (REPO / "templates").rglob("*") if p.is_file()}
    assert templates and {f"letters/{t}" for t in templates} <= names
    assert {"letters/fonts/PTSerif-Regular.ttf", "letters/fonts/LICENSE-ParaType.txt", "letters/cli.py"} <= names
    web = REPO / "src" / "letters" / "web"
    page = {f"letters/web/{p.relative_to(web).as_posix()}" for p in web.rglob("*") if p.is_file() and "__pycache__" not in p.parts}
    assert {"letters/web/templates/write.html", "letters/web/static/app.js", "letters/web/translations/messages.pot"} <= page <= names
