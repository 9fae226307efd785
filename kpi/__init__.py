"""kpi: track a city's 2030 targets from plain TOML files.

The core is usable from Python without the command line::

    from kpi.store import load_project
    from kpi.progress import assess_project

    project = load_project(Path("."))
    report = assess_project(project, as_of=2026)
    for assessment in report.targets:
        print(assessment.target.id, assessment.status)
"""

__version__ = "0.1.0"
