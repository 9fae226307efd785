"""``python -m kpi``: the same program as the ``kpi`` console script (``kpi.cli.main``)."""

from kpi.cli import main

if __name__ == "__main__":
    main()
