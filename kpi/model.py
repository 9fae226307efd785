"""Pydantic models of the files: ``targets.toml`` and ``observations/<indicator>.toml``.

Every model is frozen and forbids unknown keys. Validation is strict (a year is an integer, a
value a finite number, never a string) because the files are written by people and scripts that
should learn about a mistake rather than have it guessed away. Checks that span several fields or
files (bounds, unique ids, duplicate years) live in ``kpi.validate``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from functools import cache, partial
from operator import attrgetter, itemgetter
from pathlib import Path
from types import MappingProxyType
from typing import Annotated, Any, Literal, NamedTuple, NotRequired

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    model_validator,
    with_config,
)
from typing_extensions import TypedDict  # Pydantic reads typing's only from Python 3.12

from kpi.errors import fail
from kpi.i18n import N_, _
from kpi.layout import OBSERVATIONS_DIR as OBSERVATIONS_DIR
from kpi.layout import TARGETS_FILE as TARGETS_FILE
from kpi.numbers import MAX_MAGNITUDE
from kpi.numbers import MAX_YEAR as MAX_YEAR
from kpi.numbers import MIN_YEAR as MIN_YEAR
from kpi.text import LIMITS, SAFE_TEXT_PATTERN

IDENTIFIER_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,63}")
# The long format of observations: kpi import reads these columns, kpi export writes them.
OBSERVATION_COLUMNS = (
    "indicator", "year", "value", "source", "status", "series_break", "url", "note",
)  # fmt: skip


# Names Windows gives to devices in every folder ("nul.toml" is the NUL device there), whatever
# the case or extension; Microsoft's naming rules list COM0 and LPT0 too.
WINDOWS_DEVICE_NAMES = frozenset(
    ["con", "prn", "aux", "nul"] + [f"{port}{n}" for port in ("com", "lpt") for n in range(10)]
)
_NOT_AN_IDENTIFIER = N_(
    "must start with a lowercase letter and use only a-z, 0-9 and _ (at most 64 characters)"
)
_DEVICE_NAME = N_(
    "is a name Windows keeps for a device (con, prn, aux, nul, com0-com9, lpt0-lpt9); "
    "choose another"
)


def identifier_problem(text: str) -> str | None:
    """Why ``text`` is not a safe indicator or target id (an untranslated message id), or
    ``None`` when it is one: ``^[a-z][a-z0-9_]{0,63}$`` and not a Windows device name."""
    if IDENTIFIER_PATTERN.fullmatch(text) is None:
        return _NOT_AN_IDENTIFIER
    if text in WINDOWS_DEVICE_NAMES:
        return _DEVICE_NAME
    return None


def is_identifier(text: str) -> bool:
    """True when ``text`` is a safe indicator or target id (see ``identifier_problem``)."""
    return identifier_problem(text) is None


def _check_identifier(text: str) -> str:
    problem = identifier_problem(text)
    if problem is not None:
        raise ValueError(problem)
    return text


# The JSON Schema (kpi schema) states the same rule for editors: a pattern and the device names.
Identifier = Annotated[
    str,
    AfterValidator(_check_identifier),
    Field(
        json_schema_extra={
            "pattern": f"^{IDENTIFIER_PATTERN.pattern}$",
            "not": {"enum": sorted(WINDOWS_DEVICE_NAMES)},
        }
    ),
]
Year = Annotated[int, Field(ge=MIN_YEAR, le=MAX_YEAR)]
# Every constraint below is checked by Pydantic's compiled core, not by Python: a large project
# has tens of thousands of numbers and texts (kpi.field_errors words the errors).
FiniteNumber = Annotated[float, Field(allow_inf_nan=False, ge=-MAX_MAGNITUDE, le=MAX_MAGNITUDE)]


def _safe_text(kind: str) -> Any:
    """The constraints of a text field of ``kind`` (kpi.text): not blank, no control character
    or workflow command, at most its kind's limit."""
    return Field(min_length=1, max_length=LIMITS[kind], pattern=SAFE_TEXT_PATTERN)


NameText = Annotated[str, _safe_text("name")]
UnitText = Annotated[str, _safe_text("unit")]
SourceText = Annotated[str, _safe_text("source")]
NoteText = Annotated[str, _safe_text("note")]
UrlText = Annotated[str, _safe_text("url")]
Comparator = Literal[">=", ">", "<=", "<"]
ObservationStatus = Literal["A", "E", "P", "F"]
FailOn = Literal["at_risk", "off_track", "moving_away"]
Desired = Literal["increase", "decrease"]
TargetGate = Literal["off", "warn", "error"]
MAX_UPDATE_EVERY = 100


class _Strict(BaseModel):
    # defer_build: a model's validator is built when first used, so start-up pays only for the
    # models a command needs.
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True, defer_build=True)


class ProjectInfo(_Strict):
    """The ``[project]`` table."""

    name: NameText
    name_vi: NameText | None = None


class AssessmentSettings(_Strict):
    """The ``[assessment]`` table: trend window length (years) and status thresholds on R."""

    trend_years: Annotated[int, Field(ge=1, le=50)] = 5
    on_track: Annotated[FiniteNumber, Field(gt=0)] = 0.95
    at_risk: Annotated[FiniteNumber, Field(ge=0)] = 0.60
    # The direction method (an indicator with ``desired`` and no target): thresholds on its
    # growth in the desired direction, in percent a year.
    direction_on_track: FiniteNumber = Field(
        1.5,
        description="An indicator with a desired direction and no target is on_track when its "
        "growth in that direction is at least this (percent a year).",
    )
    direction_at_risk: FiniteNumber = Field(
        0.5,
        description="It is at_risk when its growth in the desired direction is at least this "
        "(percent a year) and below direction_on_track.",
    )
    direction_off_track: FiniteNumber = Field(
        0.0,
        description="It is off_track when its growth in the desired direction is at least this "
        "(percent a year) and below direction_at_risk; below this, moving_away.",
    )

    @model_validator(mode="after")
    def _ordered(self) -> AssessmentSettings:
        if self.at_risk > self.on_track:
            raise ValueError(N_("at_risk must not be greater than on_track"))
        if self.direction_at_risk > self.direction_on_track:
            raise ValueError(N_("direction_at_risk must not be greater than direction_on_track"))
        if self.direction_off_track > self.direction_at_risk:
            raise ValueError(N_("direction_off_track must not be greater than direction_at_risk"))
        return self


class GateSettings(_Strict):
    """The ``[gate]`` table: what makes ``kpi check`` fail (exit 1); its flags override each key."""

    fail_on: FailOn = Field(
        "off_track",
        description="Fail when a target's status is this or worse "
        "(achieved < on_track < at_risk < off_track < moving_away).",
    )
    fail_on_missing: bool = Field(
        False, description="Also fail on targets without usable data (no_data, insufficient_data)."
    )
    fail_on_worse: bool = Field(
        False, description="Also fail on a target whose status got worse than at the baseline."
    )
    fail_on_stale: bool = Field(
        False, description="Also fail on a target whose latest observation is stale."
    )
    fail_on_direction: bool = Field(
        False,
        description="Also judge indicators with a desired direction and no target like targets "
        "(else they are listed, and warn at most).",
    )


class Goal(_Strict):
    """A ``[goals.<id>]`` table: the programme or plan that sets targets (a resolution, a master
    plan, a year's plan), which ``status``, ``report`` and ``check`` group the targets by."""

    name: NameText
    name_vi: NameText | None = None
    source: SourceText | None = None


_GOAL_HELP = "The id of the [goals.<id>] table of the programme or plan that sets this target."


class Baseline(_Strict):
    """A target's reference point: the planned path starts here."""

    year: Year
    value: FiniteNumber


_GATE_HELP = (
    "How kpi check treats this target: error (default) fails the gate, warn reports what would "
    "fail as a warning, off leaves the target unjudged."
)


class LevelTarget(_Strict):
    """Reach ``value`` (compared with ``comparator``) by ``year``."""

    id: Identifier
    name: NameText | None = None
    name_vi: NameText | None = None
    comparator: Comparator
    value: FiniteNumber
    year: Year
    baseline: Baseline | None = None
    method: Literal["compound", "linear"] = "compound"
    source: SourceText | None = None
    gate: TargetGate = Field("error", description=_GATE_HELP)
    goal: Identifier | None = Field(None, description=_GOAL_HELP)

    @model_validator(mode="after")
    def _baseline_before_target(self) -> LevelTarget:
        if self.baseline is not None and self.baseline.year >= self.year:
            raise ValueError(N_("baseline.year must be before the target year"))
        return self


class RateTarget(_Strict):
    """Average at least ``low`` percent a year (ideally no more than ``high``) over start..end."""

    id: Identifier
    name: NameText | None = None
    name_vi: NameText | None = None
    low: Annotated[FiniteNumber, Field(gt=-100)]
    high: Annotated[FiniteNumber, Field(gt=-100)] | None = None
    start: Year
    end: Year
    average: Literal["compound", "arithmetic"] = "compound"
    source: SourceText | None = None
    gate: TargetGate = Field("error", description=_GATE_HELP)
    goal: Identifier | None = Field(None, description=_GOAL_HELP)

    @model_validator(mode="after")
    def _ordered(self) -> RateTarget:
        if self.high is not None and self.high < self.low:
            raise ValueError(N_("high must not be below low"))
        if self.end < self.start:
            raise ValueError(N_("end must not be before start"))
        return self


class _IndicatorBase(_Strict):
    name: NameText
    name_vi: NameText | None = None
    unit: UnitText
    bounds: Annotated[list[FiniteNumber], Field(min_length=2, max_length=2)] | None = None
    owner: NameText | None = None
    description: NoteText | None = None
    update_every: Annotated[int, Field(ge=1, le=MAX_UPDATE_EVERY)] = Field(
        1,
        description="Years between two publications of the indicator (1: yearly). The latest "
        "observation is stale when it is more than update_every + 1 years before --as-of.",
    )

    @model_validator(mode="after")
    def _bounds_ordered(self) -> _IndicatorBase:
        if self.bounds is not None and self.bounds[0] >= self.bounds[1]:
            raise ValueError(N_("bounds must be [lower, upper] with lower < upper"))
        return self


class LevelIndicator(_IndicatorBase):
    """A quantity observed each year (a share, an index)."""

    kind: Literal["level"]
    desired: Desired | None = Field(
        None,
        description="The direction the indicator should move in, for an indicator without a "
        "target value: its status then follows its growth in that direction.",
    )
    targets: Annotated[tuple[LevelTarget, ...], Field(strict=False)] = ()


class RateIndicator(_IndicatorBase):
    """A yearly rate of change, in percent."""

    kind: Literal["rate"]
    targets: Annotated[tuple[RateTarget, ...], Field(strict=False)] = ()


Indicator = Annotated[LevelIndicator | RateIndicator, Field(discriminator="kind")]
Target = LevelTarget | RateTarget


class TargetsFile(_Strict):
    """The whole of ``targets.toml``."""

    project: ProjectInfo
    assessment: AssessmentSettings = Field(default_factory=AssessmentSettings)
    gate: GateSettings = Field(default_factory=GateSettings)
    goals: dict[Identifier, Goal] = {}
    indicators: dict[Identifier, Indicator] = {}


# An observation file is validated as a whole by one TypeAdapter of TypedDicts (``observations_
# from``), which Pydantic's compiled core fills with every default, in field order; each table
# then becomes a ``NamedTuple``. A large project has tens of thousands of observations: a model
# each costs twice the time and five times the memory (docs/performance.md).


@with_config(ConfigDict(strict=True, extra="forbid", title="Revision"))
class RevisionFields(TypedDict):
    """An observation's earlier fields, kept when ``--replace`` changed it on ``replaced``."""

    value: FiniteNumber
    status: NotRequired[Annotated[ObservationStatus, Field(default="A")]]
    series_break: NotRequired[Annotated[bool, Field(default=False)]]
    source: SourceText
    url: NotRequired[Annotated[UrlText | None, Field(default=None)]]
    note: NotRequired[Annotated[NoteText | None, Field(default=None)]]
    replaced: dt.date


class Revision(NamedTuple):
    """An observation's earlier fields, kept when ``--replace`` changed it on ``replaced``
    (``RevisionFields`` validates them)."""

    value: float
    source: str
    replaced: dt.date
    status: ObservationStatus = "A"
    series_break: bool = False
    url: str | None = None
    note: str | None = None


REVISION_FIELDS = tuple(RevisionFields.__annotations__)
"""The keys of a revision's table, in the order kpi writes them."""
# From a validated table (every key filled) to its record and back, each in one call to C.
_new_tuple = tuple.__new__
_revision_values = itemgetter(*Revision._fields)
_revision_values_of = attrgetter(*REVISION_FIELDS)


def _revision(fields: dict[str, Any]) -> Revision:
    return _new_tuple(Revision, _revision_values(fields))


def revision_fields(revision: Revision) -> dict[str, Any]:
    """The revision as its file's table holds it, keys in ``REVISION_FIELDS`` order."""
    return dict(zip(REVISION_FIELDS, _revision_values_of(revision), strict=True))


@with_config(ConfigDict(strict=True, extra="forbid", title="Observation"))
class ObservationFields(TypedDict):
    """One year's value of an indicator, with its SDMX status and source."""

    year: Year
    value: FiniteNumber
    status: NotRequired[Annotated[ObservationStatus, Field(default="A")]]
    series_break: NotRequired[Annotated[bool, Field(default=False)]]
    source: SourceText
    url: NotRequired[Annotated[UrlText | None, Field(default=None)]]
    note: NotRequired[Annotated[NoteText | None, Field(default=None)]]
    revisions: NotRequired[
        Annotated[
            tuple[Annotated[RevisionFields, AfterValidator(_revision)], ...],
            Field(default=(), strict=False),
        ]
    ]


class Observation(NamedTuple):
    """One year's value of an indicator, with its SDMX status and source: a record of what
    ``ObservationFields`` validated (``observation_from``, ``observations_from``)."""

    year: int
    value: float
    source: str
    status: ObservationStatus = "A"
    series_break: bool = False
    url: str | None = None
    note: str | None = None
    revisions: tuple[Revision, ...] = ()

    def same_fields(self, other: Observation) -> bool:
        """True when both carry the same value, flags, source, url and note (revisions aside)."""
        return self[:-1] == other[:-1]

    def fields(self, *, revisions: bool = True) -> dict[str, Any]:
        """The observation as its file's table holds it, keys in the file's order (``year``,
        ``value``, ``status``, ``series_break``, ``source``, ``url``, ``note``, ``revisions``:
        ``OBSERVATION_FIELDS``), ``None`` for an optional field not given; each revision as a
        dict in its own order (``REVISION_FIELDS``). Without ``revisions``, that key is left out."""
        values = dict(zip(OBSERVATION_FIELDS, _observation_values_of(self), strict=True))
        if revisions:
            values["revisions"] = [revision_fields(r) for r in self.revisions]
        else:
            del values["revisions"]
        return values


OBSERVATION_FIELDS = tuple(ObservationFields.__annotations__)
"""The keys of an observation's table, in the order kpi writes them."""
_observation_values = itemgetter(*Observation._fields)
_observation_values_of = attrgetter(*OBSERVATION_FIELDS)
_make_observation = partial(_new_tuple, Observation)


@with_config(ConfigDict(strict=True, extra="forbid"))
class ObservationsFile(TypedDict):
    """The whole of ``observations/<indicator>.toml``."""

    observations: NotRequired[
        Annotated[tuple[ObservationFields, ...], Field(default=(), strict=False)]
    ]


@cache
def _file_adapter() -> TypeAdapter[ObservationsFile]:
    # Built when first used, as the models are (``defer_build``): start-up pays for what it uses.
    return TypeAdapter(ObservationsFile)


@cache
def _observation_adapter() -> TypeAdapter[ObservationFields]:
    return TypeAdapter(ObservationFields)


def observations_from(data: Any) -> tuple[Observation, ...]:
    """The observations of an observation file's ``data`` (as TOML reads it), in file order;
    raises Pydantic's ``ValidationError`` locating every problem (``observations.<n>.<key>``)."""
    tables = _file_adapter().validate_python(data)["observations"]
    return tuple(map(_make_observation, map(_observation_values, tables)))


def observation_from(fields: Mapping[str, Any]) -> Observation:
    """One observation from its table's ``fields`` (``ObservationFields``: the same rules as in
    a file); raises Pydantic's ``ValidationError`` naming each bad key."""
    validated = _observation_adapter().validate_python(fields)
    return _make_observation(_observation_values(validated))


class ObservationRow(NamedTuple):
    """One observation with its indicator's id and unit: a row of the long format."""

    indicator_id: str
    unit: str
    observation: Observation


class ObservationTable(NamedTuple):
    """A project's name and every one of its observations in long format (``kpi export``)."""

    project_name: str
    rows: tuple[ObservationRow, ...]


class Origin(NamedTuple):
    """Where something was read: its file, relative to the project folder, and its 1-based line
    (``None`` where the line is not known)."""

    file: Path
    line: int | None = None


class Project(NamedTuple):
    """A loaded, validated project: its definitions, every indicator's observations (possibly
    none) sorted by year, and where each observation's ``year`` key (by indicator and year) and
    each target's ``id`` key (by target id) is written: filled by the store, maybe empty in code."""

    root: Path
    definition: TargetsFile
    observations: Mapping[str, tuple[Observation, ...]]
    observation_origins: Mapping[str, Mapping[int, Origin]] = MappingProxyType({})
    target_origins: Mapping[str, Origin] = MappingProxyType({})

    @property
    def name(self) -> str:
        """The project's display name."""
        return self.definition.project.name

    @property
    def indicators(self) -> Mapping[str, LevelIndicator | RateIndicator]:
        """Indicators by id, in file order."""
        return self.definition.indicators

    def long_table(self) -> ObservationTable:
        """Every observation in long format: indicators in ``targets.toml`` order, years
        ascending, each with its indicator's unit."""
        rows = tuple(
            ObservationRow(indicator_id, indicator.unit, observation)
            for indicator_id, indicator in self.indicators.items()
            for observation in self.observations.get(indicator_id, ())  # sorted by year
        )
        return ObservationTable(self.name, rows)

    def unknown_indicator(self, indicator_id: str) -> str:
        """The one message for an indicator id that ``targets.toml`` does not define, naming
        the ones it does."""
        known = ", ".join(self.indicators) or _("none")
        return _("unknown indicator {id} (known: {known})").format(
            id=repr(indicator_id), known=known
        )

    def indicator(self, indicator_id: str) -> LevelIndicator | RateIndicator:
        """The indicator ``indicator_id``; a ``KpiError`` naming the known ones if there is none."""
        if indicator_id not in self.indicators:
            raise fail(
                self.unknown_indicator(indicator_id), file=Path(TARGETS_FILE), key="indicators"
            )
        return self.indicators[indicator_id]
