"""The case model: its rules hold however a Case is built, and its role helpers."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from scenarios.schema import Case, Role, RoleKind, case_rule_violations


def role(role_id: str, kind: str, **extra: Any) -> dict[str, Any]:
    fields = {"id": role_id, "kind": kind, "name": role_id.title(), "brief": "Public."}
    if kind == "party":
        fields["confidential"] = "Secret."
    return fields | extra


def case_data(roles: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": "two-shops",
        "title": "Two Shops",
        "summary": "Two shops share a wall.",
        "domain": "commercial",
        "difficulty": 3,
        "duration_minutes": 90,
        "languages": ["en"],
        "learning_objectives": ["Find the interests behind each position."],
        "rubric": "core-mediation-skills",
        "roles": roles,
        "coach_notes": "Notes.",
    }


FULL = [
    role("mediator", "mediator"),
    role("co-mediator", "mediator"),
    role("baker", "party"),
    role("grocer", "party"),
    role("landlord", "party", optional=True),
    role("insurer", "party", optional=True),
    role("note-taker", "observer"),
]


def test_role_helpers_group_roles_by_kind() -> None:
    case = Case.model_validate(case_data(FULL))
    assert [r.id for r in case.mediator_roles] == ["mediator", "co-mediator"]
    assert [r.id for r in case.party_roles] == ["baker", "grocer", "landlord", "insurer"]
    assert [r.id for r in case.required_parties] == ["baker", "grocer"]
    assert [r.id for r in case.optional_parties] == ["landlord", "insurer"]
    assert [r.id for r in case.observer_roles] == ["note-taker"]
    assert case.party_count_range == (2, 4)
    assert case.role("grocer").kind is RoleKind.PARTY
    with pytest.raises(KeyError):
        case.role("nobody")


def test_case_is_immutable() -> None:
    case = Case.model_validate(case_data(FULL))
    with pytest.raises(ValidationError):
        case.title = "Changed"  # type: ignore[misc]
    assert isinstance(case.roles, tuple)


@pytest.mark.parametrize(
    ("roles", "fragment"),
    [
        ([role("baker", "party"), role("grocer", "party")], "needs a role with `kind: mediator`"),
        ([role("mediator", "mediator"), role("baker", "party")], "at least two parties"),
        ([role("mediator", "mediator"), role("baker", "party"), role("baker", "party")],
         "role id `baker` is already used"),
        ([role("mediator", "mediator"), role("baker", "party"), role("observer", "party")],
         "role id `observer` is kept"),
        ([role("mediator", "mediator", optional=False), role("a-b", "party"), role("c-d", "party")],
         "`optional` is only for party roles"),
        ([role("mediator", "mediator"), role("baker", "party"),
          role("grocer", "party", confidential=None)], "has no confidential instructions"),
    ],
)  # fmt: skip
def test_rules_hold_when_a_case_is_built_in_code(
    roles: list[dict[str, Any]], fragment: str
) -> None:
    with pytest.raises(ValidationError, match=fragment.replace("`", ".").replace("(", ".")):
        Case.model_validate(case_data(roles))


def test_rules_accept_role_objects() -> None:
    roles = [Role.model_validate(r) for r in FULL]
    case = Case(**(case_data([]) | {"roles": roles}))
    assert case.party_count_range == (2, 4)


def test_rule_check_tolerates_any_shape() -> None:
    for data in (None, [], {"roles": "x"}, {"roles": [1, None, {"kind": 3}]}):
        assert isinstance(case_rule_violations(data), list)
    assert case_rule_violations({"roles": [1]}) == []  # role shapes are pydantic's to report
