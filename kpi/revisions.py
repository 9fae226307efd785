"""A project's files as they were at a git revision, read through ``git`` itself.

Only commands that read the object database run (``rev-parse``, ``merge-base``, ``ls-tree``,
``cat-file``): the working tree and the index are never touched, whatever state they are in,
and a project kept in a folder of the repository is read from that folder at the revision.
Every way this can fail (no git, not a repository, a revision that does not exist or that a
shallow clone did not fetch) is a ``KpiError`` saying what to do.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from kpi.errors import KpiError, Problem, fail
from kpi.i18n import _
from kpi.model import OBSERVATIONS_DIR, TARGETS_FILE, Project
from kpi.store import MAX_FILE_BYTES, is_observation_file, read_project_from, too_large

AUTO = "auto"
BASE_REF_ENV = "GITHUB_BASE_REF"
REMOTE = "origin"
_REGULAR_MODES = (b"100644", b"100755")
_LINK_MODE = b"120000"


@dataclass(frozen=True, slots=True)
class GitRevision:
    """The revision compared with: ``requested`` as given (a revision or ``auto``), ``name``
    what it stands for (``auto``: ``origin/<base branch>``, whose merge base with ``HEAD`` is
    ``commit``), ``commit`` the full object name."""

    requested: str
    name: str
    commit: str

    @property
    def short(self) -> str:
        """The commit's first 12 hexadecimal digits, as people quote it."""
        return self.commit[:12]


@dataclass(frozen=True, slots=True)
class ProjectAtRevision:
    """The project as it was at ``revision``: ``found`` when the revision has its
    ``targets.toml``; ``project`` when it was also valid (else ``problems`` say why not)."""

    revision: GitRevision
    found: bool
    project: Project | None
    problems: tuple[Problem, ...] = ()


@dataclass(frozen=True, slots=True)
class _Repository:
    """The git repository holding a project: its top folder, and the project folder's path in
    it (``""`` at the top, else ending in ``/``)."""

    top: Path
    prefix: str


@dataclass(frozen=True, slots=True)
class _Entry:
    """One entry of a tree as ``git ls-tree -l`` lists it (``size`` is ``None`` for a tree)."""

    mode: bytes
    object_name: str
    size: int | None
    name: str


def project_at(root: Path, ref: str, environ: Mapping[str, str]) -> ProjectAtRevision:
    """The project in folder ``root`` as it was at revision ``ref`` (``auto``: the merge base of
    ``HEAD`` with ``origin/$GITHUB_BASE_REF``), read and validated as ``kpi.store`` reads files.
    Raises ``KpiError`` when the revision cannot be read."""
    repository = _open(root)
    revision = _resolve(repository, ref, environ)
    folder = _listing(repository, f"{revision.commit}:{repository.prefix}")
    targets = folder.get(TARGETS_FILE) if folder is not None else None
    if folder is None or targets is None:
        return ProjectAtRevision(revision, found=False, project=None)
    listed, problems = _observation_entries(repository, revision.commit, folder)
    files = {Path(TARGETS_FILE): targets} | {
        Path(OBSERVATIONS_DIR) / n: e for n, e in listed.items()
    }
    checked = {display: _file_entry(entry, display) for display, entry in files.items()}
    contents = _contents(repository, checked)
    project, found = read_project_from(
        root,
        contents.pop(Path(TARGETS_FILE)),
        {display.name: data for display, data in contents.items()},
        problems,
    )
    if found or project is None:
        return ProjectAtRevision(revision, found=True, project=None, problems=tuple(found))
    return ProjectAtRevision(revision, found=True, project=project)


def _git(repository_folder: Path, *arguments: str, stdin: bytes | None = None) -> bytes | str:
    """The output of ``git -C folder ARGUMENTS``, or git's own words when it fails; a
    ``KpiError`` when git cannot be run at all. Nothing git runs may write: no optional locks."""
    environment = {**os.environ, "GIT_OPTIONAL_LOCKS": "0", "GIT_TERMINAL_PROMPT": "0"}
    try:
        done = subprocess.run(
            ["git", "-C", str(repository_folder), *arguments],
            input=stdin,
            capture_output=True,
            env=environment,
            check=False,
        )
    except OSError as error:
        message = _("cannot run git ({reason}); --baseline reads the revision through git")
        raise fail(
            message.format(reason=error.strerror or error),
            hint=_("install git, or run kpi check without --baseline"),
        ) from None
    if done.returncode != 0:
        words = done.stderr.decode("utf-8", "replace").strip().splitlines()
        return words[0] if words else f"git {arguments[0]}: exit {done.returncode}"
    return done.stdout


def _text(output: bytes) -> str:
    return output.decode("utf-8", "surrogateescape").strip()


def _open(root: Path) -> _Repository:
    """The repository whose working tree holds ``root``; a ``KpiError`` when there is none."""
    found = _git(root, "rev-parse", "--show-toplevel", "--show-prefix")
    if isinstance(found, str):
        message = _("{folder} is not in a git repository, so there is no revision to compare with")
        raise fail(
            message.format(folder=root) + f" (git: {found})",
            hint=_("run kpi check --baseline in a clone of the data repository"),
        )
    top, _newline, prefix = found.decode("utf-8", "surrogateescape").partition("\n")
    return _Repository(Path(top.strip()), prefix.strip())


def _resolve(repository: _Repository, ref: str, environ: Mapping[str, str]) -> GitRevision:
    """The commit ``ref`` names (``auto``: see ``project_at``)."""
    if ref != AUTO:
        return GitRevision(ref, ref, _commit(repository, ref))
    base = environ.get(BASE_REF_ENV, "")
    if not base:
        message = _(
            "--baseline auto compares a pull request with its base branch, but {variable} is "
            "not set: this is not a GitHub Actions pull request"
        )
        raise fail(
            message.format(variable=BASE_REF_ENV),
            hint=_("pass the revision to compare with, for example --baseline origin/main"),
        )
    name = f"{REMOTE}/{base}"
    tip = _commit(repository, name)
    merge_base = _git(repository.top, "merge-base", "HEAD", tip)
    if isinstance(merge_base, bytes) and _text(merge_base):
        return GitRevision(ref, name, _text(merge_base))
    if _is_shallow(repository):
        raise _shallow_error(_("HEAD and {name} have no common commit in this shallow clone"), name)
    message = _("HEAD and {name} have no common commit, so there is no merge base to compare with")
    raise fail(
        message.format(name=name), hint=_("pass the revision to compare with: --baseline REF")
    )


def _commit(repository: _Repository, ref: str) -> str:
    """The full name of the commit ``ref`` names; a ``KpiError`` saying why there is none."""
    found = None
    if not ref.startswith("-"):  # never an option of git's
        found = _git(repository.top, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    if isinstance(found, bytes) and _text(found):
        return _text(found)
    if _is_shallow(repository):
        raise _shallow_error(_("{name} is not in this shallow clone"), ref)
    message = _("no revision {name} in the git repository at {folder}")
    raise fail(
        message.format(name=repr(ref), folder=repository.top),
        hint=_(
            "pass a branch, tag or commit the repository has (git log lists them); a branch of "
            "the remote needs fetching first (git fetch origin)"
        ),
    )


def _is_shallow(repository: _Repository) -> bool:
    answer = _git(repository.top, "rev-parse", "--is-shallow-repository")
    return isinstance(answer, bytes) and _text(answer) == "true"


def _shallow_error(message: str, name: str) -> KpiError:
    """A shallow clone has only the last commits: say how to fetch the history."""
    return fail(
        message.format(name=repr(name)),
        hint=_(
            "fetch the whole history: with actions/checkout set `fetch-depth: 0`; elsewhere run "
            "`git fetch --unshallow`"
        ),
    )


def _listing(repository: _Repository, tree: str) -> dict[str, _Entry] | None:
    """The entries of ``tree`` (``commit:path``) by name; ``None`` when there is no such tree."""
    if isinstance(_git(repository.top, "rev-parse", "--verify", "--quiet", tree), str):
        return None
    listed = _git(repository.top, "ls-tree", "-z", "-l", "--full-name", tree)
    if isinstance(listed, str):
        raise fail(_("cannot read {tree} with git: {reason}").format(tree=tree, reason=listed))
    entries = {}
    for record in listed.split(b"\0"):
        if not record:
            continue
        header, _tab, name = record.partition(b"\t")
        mode, _kind, object_name, size = header.split()
        text = name.decode("utf-8", "surrogateescape")
        entries[text] = _Entry(
            mode, object_name.decode(), None if size == b"-" else int(size), text
        )
    return entries


def _observation_entries(
    repository: _Repository, commit: str, folder: Mapping[str, _Entry]
) -> tuple[dict[str, _Entry], list[Problem]]:
    """The entries of ``observations/`` at ``commit`` that kpi reads (``is_observation_file``),
    by name, and the problems of the folder itself (not a folder, a link)."""
    entry = folder.get(OBSERVATIONS_DIR)
    display = Path(OBSERVATIONS_DIR)
    if entry is None:
        return {}, []
    if entry.mode == _LINK_MODE:
        return {}, [Problem(_link_message(), display)]
    if entry.size is not None:
        return {}, [Problem(_("is not a folder"), display)]
    listed = _listing(repository, f"{commit}:{repository.prefix}{OBSERVATIONS_DIR}") or {}
    return {name: e for name, e in listed.items() if is_observation_file(name)}, []


def _file_entry(entry: _Entry, display: Path) -> _Entry | Problem:
    """``entry`` when kpi reads it (a regular file of at most ``MAX_FILE_BYTES``), else why not."""
    if entry.mode == _LINK_MODE:
        return Problem(_link_message(), display)
    if entry.mode not in _REGULAR_MODES or entry.size is None:
        message = _("is not a regular file (a folder or a submodule); kpi reads only files")
        return Problem(message, display)
    if entry.size > MAX_FILE_BYTES:
        return too_large(display)
    return entry


def _link_message() -> str:
    return _("is a symbolic link at the revision; kpi reads only regular files and folders there")


def _contents(
    repository: _Repository, files: Mapping[Path, _Entry | Problem]
) -> dict[Path, bytes | Problem]:
    """The bytes of each file of ``files`` (by the path shown), read by one ``git cat-file``; a
    problem stays as it is."""
    names = sorted({e.object_name for e in files.values() if isinstance(e, _Entry)})
    found: dict[str, bytes] = {}
    if names:
        request = "".join(f"{name}\n" for name in names).encode()
        output = _git(repository.top, "cat-file", "--batch", stdin=request)
        if isinstance(output, str):
            message = _("cannot read the revision's files with git: {reason}")
            raise fail(message.format(reason=output))
        found = _batch_objects(output)
    unreadable = _("cannot be read at the revision (git has not got the file's content)")
    return {
        display: entry
        if isinstance(entry, Problem)
        else found.get(entry.object_name, Problem(unreadable, display))
        for display, entry in files.items()
    }


def _batch_objects(output: bytes) -> dict[str, bytes]:
    """The objects ``git cat-file --batch`` wrote (``<name> <type> <size>``, the content, a
    newline; ``<name> missing`` for one it has not got), by name."""
    objects, position = {}, 0
    while position < len(output):
        end = output.index(b"\n", position)
        header = output[position:end].split()
        position = end + 1
        if len(header) != 3:  # "<name> missing"
            continue
        size = int(header[2])
        objects[header[0].decode()] = output[position : position + size]
        position += size + 1
    return objects
