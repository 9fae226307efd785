"""Write the JSON Schemas the package ships, from the models.

    python scripts/schemas.py           # (re)write kpi/schemas/*.schema.json
    python scripts/schemas.py --check   # exit 1, naming them, if any differs from the models

Each file is exactly what ``kpi schema <kind>`` prints (``kpi.schema.schema_text``); run this
after changing a model in ``kpi/model.py``. ``tests/test_schema.py`` fails until then.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the checkout's kpi, not an installed one

from kpi.schema import KINDS, SCHEMAS_DIR, schema_text  # noqa: E402


def main(argv: list[str]) -> int:
    """Write (or with ``--check`` compare) every shipped schema; the exit code."""
    check = argv == ["--check"]
    if argv and not check:
        print(__doc__, file=sys.stderr)
        return 2
    stale = []
    for kind, file_kind in KINDS.items():
        path = ROOT / "kpi" / SCHEMAS_DIR / file_kind.file_name
        text = schema_text(kind)
        current = path.read_text(encoding="utf-8") if path.is_file() else None
        if current == text:
            continue
        stale.append(path.relative_to(ROOT).as_posix())
        if not check:
            path.parent.mkdir(exist_ok=True)
            path.write_bytes(text.encode("utf-8"))  # LF line ends on every system
    for name in stale:
        print(f"{'differs from the models' if check else 'wrote'}: {name}", file=sys.stderr)
    return 1 if check and stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
