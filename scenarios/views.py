"""What one viewer may see of a case: the single place that decides confidentiality.

Everyone in a session sees the summary and every role's public brief. Confidential instructions
go to the role's holder, to coaches and staff ("privileged"), and to the session's members once
the session is over if the case says so (reveal_after). Coach notes go to coaches and staff only.
A view holds copies of the allowed text and never the case itself, so a template cannot reach
what the viewer may not read.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from scenarios.schema import Case, Domain, RoleKind


@dataclass(frozen=True)
class RoleView:
    """A role as one viewer sees it."""

    id: str
    kind: RoleKind
    name: str
    brief: str
    optional: bool
    held: bool  # the viewer plays this role
    confidential: str | None  # None when the role has none or this viewer may not read it


@dataclass(frozen=True)
class CaseView:
    """A case as one viewer sees it."""

    id: str
    title: str
    summary: str
    domain: Domain
    difficulty: int
    duration_minutes: int
    languages: tuple[str, ...]
    learning_objectives: tuple[str, ...]
    rubric: str
    roles: tuple[RoleView, ...]
    coach_notes: str | None  # None unless the viewer is a coach or staff

    @property
    def held_roles(self) -> tuple[RoleView, ...]:
        """The roles this viewer plays."""
        return tuple(role for role in self.roles if role.held)


def case_view(
    case: Case, *, held_role_ids: Collection[str], privileged: bool, revealed: bool
) -> CaseView:
    """The case as seen by someone holding held_role_ids (may be empty, or "observer").

    privileged: the viewer is a coach or staff. revealed: the session has ended; the case's own
    reveal_after is applied here as well, so passing the session's state is enough.
    """
    if isinstance(held_role_ids, str):
        raise TypeError("held_role_ids must be a collection of role ids, not one string")
    if type(privileged) is not bool or type(revealed) is not bool:
        raise TypeError("privileged and revealed must be True or False")
    held = frozenset(held_role_ids)
    everything = privileged or (revealed and case.reveal_after)
    roles = tuple(
        RoleView(
            id=role.id,
            kind=role.kind,
            name=role.name,
            brief=role.brief,
            optional=role.optional,
            held=role.id in held,
            confidential=role.confidential if everything or role.id in held else None,
        )
        for role in case.roles
    )
    return CaseView(
        id=case.id,
        title=case.title,
        summary=case.summary,
        domain=case.domain,
        difficulty=case.difficulty,
        duration_minutes=case.duration_minutes,
        languages=case.languages,
        learning_objectives=case.learning_objectives,
        rubric=case.rubric,
        roles=roles,
        coach_notes=case.coach_notes if privileged else None,
    )
