"""`make lint`'s secrets scan: detect-secrets over every file git tracks, against .secrets.baseline.

Fails (exit 1) on any potential secret the baseline does not hold; never rewrites the baseline. (detect-secrets-hook,
the pre-commit entry point, rewrites it and fails whenever a known finding only moved to another line.)
Findings are matched by file, type and hashed value, so moving a reviewed line is fine.

The emulator's dummy credential "testing" is excluded by the baseline's own filter (--exclude-secrets '^testing$').
A new finding that is not a secret: update the baseline (its settings are kept) and audit the new entries with
    .venv/bin/detect-secrets scan --baseline .secrets.baseline && .venv/bin/detect-secrets audit .secrets.baseline
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from detect_secrets import SecretsCollection
from detect_secrets.core import baseline

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ".secrets.baseline"


def main() -> int:
    os.chdir(ROOT)  # the baseline names files relative to the repository root
    known = baseline.load(baseline.load_from_file(str(ROOT / BASELINE)), BASELINE)  # also applies its settings
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, text=True, check=True)
    names = [name for name in files.stdout.split("\0") if name and name != BASELINE and (ROOT / name).is_file()]
    found = SecretsCollection()
    found.scan_files(*names)
    new = found - known
    unreviewed = [(name, s) for name, s in known if s.is_secret is not False]
    for filename, secret in new:
        print(f"{filename}:{secret.line_number}: potential secret ({secret.type}) not in {BASELINE}")
    for filename, secret in unreviewed:
        print(f"{filename}:{secret.line_number}: {BASELINE} holds a finding nobody audited ({secret.type})")
    if new or unreviewed:
        return 1
    print(f"detect-secrets: {len(names)} files, no secret beyond the {len(list(known))} reviewed in {BASELINE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
