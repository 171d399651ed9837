"""``pip install clients/python`` works offline with the setuptools Debian
ships, and installs a typed package that imports without this source tree."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

SOURCE = Path(__file__).resolve().parents[1]


class InstallTest(unittest.TestCase):
    def test_pip_installs_the_typed_package(self) -> None:
        with tempfile.TemporaryDirectory(prefix="tgate-pyclient-install-") as tmp:
            # A copy, so the build leaves nothing in the repository.
            src = Path(tmp) / "src"
            shutil.copytree(SOURCE, src, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", "build"))
            target = Path(tmp) / "site"
            pip = subprocess.run(
                [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                 "--no-index", "--target", str(target), str(src)],
                capture_output=True, text=True, timeout=240,
            )
            self.assertEqual(pip.returncode, 0, pip.stdout + pip.stderr)
            self.assertTrue((target / "tgate" / "py.typed").exists())
            check = subprocess.run(
                [sys.executable, "-I", "-c",
                 "import sys; sys.path.insert(0, sys.argv[1]); import tgate; "
                 "print(tgate.__file__); print(tgate.Tgate('http://127.0.0.1:1', 'k'))", str(target)],
                capture_output=True, text=True, timeout=60,
            )
            self.assertEqual(check.returncode, 0, check.stderr)
            self.assertTrue(check.stdout.startswith(str(target)), check.stdout)


if __name__ == "__main__":
    unittest.main()
