"""One entry point that brings every clock-driven model of an account and region up to a moment.

Lifecycles in the emulator (tasks and their containers, target health, rolling deployments, CodeDeploy
deployments, and whatever plugs in later) do not run on their own threads: they are *participants* that
play, when asked, every transition due up to an emulated time, stamping each with the time it was due.

- ``reconcile_region(account, region, now=None)`` asks every participant, in registration order, to catch
  up to ``now`` (default: the emulated clock), and repeats the round until none changes anything (a
  CodeDeploy step can create a task set whose tasks then start; their health can end an Install). It is
  re-entrant (a nested call returns at once) and takes ``STORE.lock``, so the request path and a
  background thread may both call it.
- ``reconcile(now=None)`` does that for every account and region any participant holds state for: the
  entry point for a background thread (real containers die and turn healthy between requests).
- ``@participant(name, regions, order)`` registers ``fn(account, region, now) -> bool`` (True: it changed
  something); ``regions()`` lists the (account, region) pairs it has state for; lower ``order`` runs first
  (the task model 0, the CodeDeploy engine 10).
- ``at_time(at)`` / ``stamp()``: a participant that changes moto's state at a past emulated time (a
  CodeDeploy step due at ``at``) wraps the change in ``with at_time(at):`` so the models that observe
  moto's state (target usage, task sets) stamp their reactions with ``at`` rather than the wall clock.

The request path calls ``reconcile_region`` for the caller's account and region before every AWS request
(``awsemu.services.ecs_tasks`` registers that ``before_request`` hook).
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import threading
from collections.abc import Callable, Iterable, Iterator

from awsemu.core import CLOCK, STORE

LOG = logging.getLogger("awsemu.reconcile")

Participant = Callable[[str, str, float], bool]
# (order, name, fn, regions), sorted by order: lower runs first in each round
PARTICIPANTS: list[tuple[int, str, Participant, Callable[[], Iterable[tuple[str, str]]]]] = []
MAX_ROUNDS = 12

_AT: contextvars.ContextVar[float | None] = contextvars.ContextVar("awsemu_at", default=None)
_LOCAL = threading.local()


def participant(
    name: str, regions: Callable[[], Iterable[tuple[str, str]]], order: int = 0
) -> Callable[[Participant], Participant]:
    """Register ``fn(account, region, now) -> changed``; lower ``order`` runs first (re-registering replaces)."""

    def deco(fn: Participant) -> Participant:
        PARTICIPANTS[:] = [p for p in PARTICIPANTS if p[1] != name]
        PARTICIPANTS.append((order, name, fn, regions))
        PARTICIPANTS.sort(key=lambda p: p[0])
        return fn

    return deco


def now() -> float:
    """The emulated time reconciliation uses (milliseconds, like the CodeDeploy engine's timeline)."""
    return round(CLOCK.timestamp(), 3)


def stamp() -> float:
    """The emulated time of the change being made: ``at_time``'s, else the clock's."""
    at = _AT.get()
    return now() if at is None else at


@contextlib.contextmanager
def at_time(at: float) -> Iterator[None]:
    token = _AT.set(at)
    try:
        yield
    finally:
        _AT.reset(token)


def reconcile_region(account: str, region: str, when: float | None = None) -> None:
    """Every participant catches up with ``when`` (default: now) for one account and region."""
    if getattr(_LOCAL, "depth", 0):
        return
    with STORE.lock:
        _LOCAL.depth = 1
        try:
            when = now() if when is None else when
            for _ in range(MAX_ROUNDS):
                changed = False
                for _order, name, fn, _regions in list(PARTICIPANTS):
                    try:
                        changed = bool(fn(account, region, when)) or changed
                    except Exception:  # one broken model must not break every request
                        LOG.exception("reconciling %s for %s/%s failed", name, account, region)
                if not changed:
                    break
        finally:
            _LOCAL.depth = 0


def reconcile(when: float | None = None) -> None:
    """``reconcile_region`` for every account and region a participant holds state for."""
    with STORE.lock:
        pairs: set[tuple[str, str]] = set()
        for _order, _name, _fn, regions in list(PARTICIPANTS):
            pairs.update(regions())
        when = now() if when is None else when
        for account, region in sorted(pairs):
            reconcile_region(account, region, when)
