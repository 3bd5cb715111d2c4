"""The desktop package: desktop entry, AppStream metadata, icon, GUI script, frozen-app spec.

The validators are the freedesktop tools (``desktop-file-validate`` from
desktop-file-utils, ``appstreamcli`` from appstream); a test skips, saying which Debian
package to install, when its tool is missing.
"""

from __future__ import annotations

import configparser
import os
import shutil
import struct
import subprocess
import sys
import tomllib
import xml.etree.ElementTree as ET
from importlib import resources
from pathlib import Path

import pytest

from lossstudio import __version__

ROOT = Path(__file__).resolve().parents[1]
PACKAGING = ROOT / "packaging"
APP_ID = "io.github.lossstudio.LossStudio"
DESKTOP = PACKAGING / f"{APP_ID}.desktop"
METAINFO = PACKAGING / f"{APP_ID}.metainfo.xml"
ICONS = ROOT / "resources" / "icons"


def _tool(name: str, package: str) -> str:
    found = shutil.which(name)
    if found is None:
        pytest.skip(f"{name} is not installed (Debian package: {package})")
    return found


def _desktop_entry() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  (keys are case-sensitive)
    parser.read(DESKTOP, encoding="utf-8")
    return parser["Desktop Entry"]


def test_desktop_entry_passes_desktop_file_validate() -> None:
    tool = _tool("desktop-file-validate", "desktop-file-utils")
    result = subprocess.run([tool, str(DESKTOP)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "", result.stdout  # not even a hint


def test_metainfo_passes_appstreamcli_validate() -> None:
    tool = _tool("appstreamcli", "appstream")
    result = subprocess.run([tool, "validate", "--no-net", str(METAINFO)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_desktop_entry_metainfo_icon_and_gui_script_agree() -> None:
    entry = _desktop_entry()
    assert entry["Type"] == "Application" and entry["Name"] == "LossStudio"
    assert entry["Icon"] == APP_ID
    assert entry["Exec"].split()[0] == "lossstudio"
    root = ET.parse(METAINFO).getroot()
    assert root.get("type") == "desktop-application"
    assert root.findtext("id") == APP_ID
    assert root.findtext("launchable") == DESKTOP.name
    assert root.findtext("provides/binary") == "lossstudio"
    assert root.find("releases/release").get("version") == __version__  # type: ignore[union-attr]
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["gui-scripts"]["lossstudio"] == "lossstudio.cli:main"
    assert "torch==2.13.0" in project["dependencies"]


def test_application_icon_is_an_svg_with_a_256_png() -> None:
    svg = ET.parse(ICONS / "lossstudio.svg").getroot()
    assert svg.tag == "{http://www.w3.org/2000/svg}svg"
    assert svg.get("viewBox") == "0 0 256 256"
    data = (ICONS / "lossstudio.png").read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (256, 256)
    shipped = resources.files("lossstudio.resources") / "icons" / "lossstudio.svg"
    assert shipped.is_file()  # installed with the package (lossstudio.resources)


def test_pyinstaller_spec_and_entry_script_are_valid_python() -> None:
    spec = (PACKAGING / "lossstudio.spec").read_text(encoding="utf-8")
    compile(spec, "lossstudio.spec", "exec")
    assert "lossstudio_app.py" in spec and "COLLECT(" in spec  # a one-folder build
    compile((PACKAGING / "lossstudio_app.py").read_text(encoding="utf-8"),
            "lossstudio_app.py", "exec")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "pyinstaller packaging/lossstudio.spec" in readme


def test_smoke_test_of_the_entry_script_opens_the_example(tmp_path: Path) -> None:
    env = {
        **os.environ, "QT_QPA_PLATFORM": "offscreen", "LOSSSTUDIO_SMOKE_TEST": "1",
        "LOSSSTUDIO_CONFIG_DIR": str(tmp_path / "config"),
        "XDG_CONFIG_HOME": str(tmp_path / "xdg-config"),
        "XDG_DATA_HOME": str(tmp_path / "xdg-data"),
    }
    result = subprocess.run([sys.executable, str(PACKAGING / "lossstudio_app.py")],
                            capture_output=True, text=True, env=env, timeout=120,
                            check=False, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "window: digits" in result.stdout
    assert "example: digits.lsproj, 4 blocks" in result.stdout
