"""Who sees what of a case: confidential text reaches only its holder, coaches and staff."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from scenarios.loader import load_case_bytes
from scenarios.schema import Case
from scenarios.views import CaseView, case_view

FIXTURE = Path(__file__).parent / "fixtures" / "quiet-hours.yaml"
TEXT = FIXTURE.read_text(encoding="utf-8")
SECRETS = {
    "tenant": "Juma fears losing the flat if a complaint reaches the landlord.",
    "owner": "Mei has already written to the landlord but not sent it.",
    "landlord": "The agent wants no formal dispute on record.",
}


def load(text: str = TEXT) -> Case:
    case, problems = load_case_bytes(text.encode(), "case.yaml")
    assert case is not None, problems
    return case


CASE = load()
NO_REVEAL = load(TEXT.replace("coach_notes: |", "reveal_after: false\ncoach_notes: |"))


def confidential(view: CaseView) -> dict[str, str | None]:
    return {role.id: role.confidential for role in view.roles}


def test_a_party_sees_only_their_own_confidential_text() -> None:
    view = case_view(CASE, held_role_ids={"tenant"}, privileged=False, revealed=False)
    assert confidential(view) == {
        "mediator": None, "tenant": SECRETS["tenant"], "owner": None, "landlord": None,
    }  # fmt: skip
    assert [role.id for role in view.held_roles] == ["tenant"]
    assert view.coach_notes is None
    assert all(role.brief for role in view.roles)
    assert view.summary == CASE.summary


def test_the_view_holds_no_hidden_text_anywhere() -> None:
    view = case_view(CASE, held_role_ids={"mediator"}, privileged=False, revealed=False)
    flattened = repr(view)
    assert not any(secret in flattened for secret in SECRETS.values())
    assert CASE.coach_notes not in flattened
    assert not hasattr(view, "case")


def test_observer_and_mediator_see_no_party_secrets() -> None:
    for held in ({"observer"}, {"mediator"}, set()):
        view = case_view(CASE, held_role_ids=held, privileged=False, revealed=False)
        assert set(confidential(view).values()) == {None}


def test_privileged_viewers_see_everything() -> None:
    view = case_view(CASE, held_role_ids=set(), privileged=True, revealed=False)
    assert confidential(view) == {"mediator": None, **SECRETS}
    assert view.coach_notes == CASE.coach_notes


def test_revealed_case_shows_every_role_but_not_coach_notes_to_trainees() -> None:
    view = case_view(CASE, held_role_ids={"owner"}, privileged=False, revealed=True)
    assert confidential(view) == {"mediator": None, **SECRETS}
    assert view.coach_notes is None


def test_reveal_after_false_keeps_secrets_after_the_session() -> None:
    view = case_view(NO_REVEAL, held_role_ids={"owner"}, privileged=False, revealed=True)
    assert confidential(view) == {
        "mediator": None, "tenant": None, "owner": SECRETS["owner"], "landlord": None,
    }  # fmt: skip
    staff = case_view(NO_REVEAL, held_role_ids=set(), privileged=True, revealed=True)
    assert confidential(staff) == {"mediator": None, **SECRETS}


def test_someone_holding_two_roles_sees_both() -> None:
    view = case_view(CASE, held_role_ids=["tenant", "owner"], privileged=False, revealed=False)
    assert [role.id for role in view.held_roles] == ["tenant", "owner"]
    assert confidential(view)["landlord"] is None


@pytest.mark.parametrize(
    ("held", "privileged", "revealed"),
    [("tenant", False, False), ({"tenant"}, "trainee", False), ({"tenant"}, False, 1)],
)
def test_misuse_is_refused(held: Any, privileged: Any, revealed: Any) -> None:
    with pytest.raises(TypeError):
        case_view(CASE, held_role_ids=held, privileged=privileged, revealed=revealed)
