"""What the archive and restore tests share: the test's archive folder and
warcio.js, the independent WARC reader (tests/js, installed by
scripts/js-deps). Not a test file: run.py only collects test_*.py."""

import glob
import os
import shutil
import subprocess

JS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "js")
VERIFY = os.path.join(JS, "verify-warc.mjs")
WARCIO_CLI = os.path.join(JS, "node_modules", "warcio", "dist", "cli.js")


def need_warcio(t):
    """Installs warcio.js when missing; fails the test when it cannot."""
    if not os.path.exists(WARCIO_CLI):
        subprocess.run([os.path.join(t.repo, "scripts", "js-deps")], check=False,
                       stdout=subprocess.DEVNULL, timeout=300)
    t.true(os.path.exists(WARCIO_CLI), "warcio.js is not installed (scripts/js-deps)")
    t.true(shutil.which("node") is not None, "node is not installed")


def adir(t):
    """The test's archive folder."""
    return t.path("warc")


def warc_files(t):
    """The closed WARC files in it, sorted."""
    return sorted(glob.glob(os.path.join(adir(t), "*.warc.gz")))
