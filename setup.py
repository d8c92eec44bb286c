"""Packs the top-level templates/ into the wheel as coi/templates (pyproject.toml holds everything else)."""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildPyWithTemplates(build_py):
    def run(self):
        super().run()
        source = Path(__file__).resolve().parent / "templates"
        target = Path(self.build_lib) / "coi" / "templates"
        if source.is_dir() and not self.editable_mode:
            shutil.copytree(source, target, dirs_exist_ok=True)


setup(cmdclass={"build_py": BuildPyWithTemplates})
