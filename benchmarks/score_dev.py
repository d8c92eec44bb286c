"""Run the reference scorer over both development sets with the installed `coi screen` (or python -m screening).

python benchmarks/score_dev.py [--scorer PATH] [--data DIR]
"""

import argparse
import os
import re
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--scorer", default=os.path.join(REPO, "..", "shared", "tools", "score_screening.py"))
    ap.add_argument("--data", default=os.path.join(REPO, "..", "shared", "data"))
    ap.add_argument("--sets", nargs="*", default=["screening-dev", "screening-dev-real"])
    a = ap.parse_args(argv)
    coi = shutil.which("coi") or (
        os.path.join(os.path.dirname(sys.executable), "coi")
        if os.path.exists(os.path.join(os.path.dirname(sys.executable), "coi"))
        else None
    )
    base = f"{coi} screen" if coi and _has_screen(coi) else f"{sys.executable} -m screening"
    cmd = base + " --register {register} --agenda {agenda} --organisations {orgdir} --format json"
    print(f"command: {cmd}")
    env = dict(os.environ, PYTHONPATH=REPO + os.pathsep + os.environ.get("PYTHONPATH", ""))
    fallback = (
        f"{sys.executable} -m screening --register {{register}} --agenda {{agenda}} --organisations {{orgdir}}"
        " --format json"
    )
    for s in a.sets:
        setdir = os.path.join(a.data, s)
        p = subprocess.run(
            [sys.executable, a.scorer, setdir, "--cmd", cmd], capture_output=True, text=True, env=env, cwd=REPO
        )
        out = p.stdout
        print(f"\n=== {s}")
        m = re.search(r"meetings with command errors \| (\d+)", out)
        if m and int(m.group(1)) and cmd != fallback:
            print(
                f"WARNING: `{base}` failed on {m.group(1)} meeting(s) of {s} (e.g. an organisations path that is a "
                f"file holding a relative path); the figures below are from `python -m screening`."
            )
            p = subprocess.run(
                [sys.executable, a.scorer, setdir, "--cmd", fallback], capture_output=True, text=True, env=env, cwd=REPO
            )
            out = p.stdout
        keep = False
        for line in out.splitlines():
            if line.startswith("## Per meeting"):
                keep = False
            elif line.startswith("## ") or line.startswith("| precision") or line.startswith("| recall"):
                keep = True
            if keep or line.startswith("SCORE") or re.match(r"\| (precision|recall|F1|action accuracy)", line):
                print(line)


def _has_screen(coi):
    try:
        return subprocess.run([coi, "screen", "--help"], capture_output=True, timeout=60).returncode == 0
    except Exception:  # noqa: BLE001
        return False


if __name__ == "__main__":
    main()
