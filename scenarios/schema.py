"""The case file format as pydantic models: what a valid case is."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from scenarios.located_yaml import RULES_ERROR, Violation

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
RESERVED_ROLE_ID = "observer"  # the scheduler's id for extra seats

_ISO_639_1_CODES = (
    "aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv "
    "cy da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr "
    "ht hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw "
    "ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv "
    "ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr "
    "ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi "
    "yo za zh zu"
)
_ISO_639_1 = frozenset(_ISO_639_1_CODES.split())


class Domain(StrEnum):
    """The field of life a case comes from."""

    FAMILY = "family"
    WORKPLACE = "workplace"
    COMMERCIAL = "commercial"
    COMMUNITY = "community"
    PUBLIC_POLICY = "public-policy"
    INTERNATIONAL = "international"
    HEALTH = "health"
    EDUCATION = "education"
    OTHER = "other"


class RoleKind(StrEnum):
    """What a role does in the role play."""

    MEDIATOR = "mediator"
    PARTY = "party"
    OBSERVER = "observer"


def _known_language(code: str) -> str:
    if code not in _ISO_639_1:
        raise ValueError("not an ISO 639-1 code")
    return code


Slug = Annotated[
    str,
    Field(
        strict=True,
        min_length=3,
        max_length=64,
        pattern=SLUG_PATTERN,
        description="3 to 64 lowercase letters, digits and single hyphens, such as quiet-hours",
    ),
]
ShortText = Annotated[
    str,
    Field(
        strict=True, min_length=1, max_length=120, pattern=r"\S", description="1 to 120 characters"
    ),
]
Markdown = Annotated[str, Field(strict=True, pattern=r"\S", description="Markdown text, not empty")]
Objective = Annotated[
    str,
    Field(
        strict=True,
        min_length=1,
        max_length=300,
        pattern=r"\S",
        description="a plain sentence of 1 to 300 characters",
    ),
]
LanguageCode = Annotated[
    str,
    Field(
        strict=True,
        pattern=r"^[a-z]{2}$",
        description="a two-letter ISO 639-1 language code in lowercase, such as en or sw",
    ),
    AfterValidator(_known_language),
]


class Role(BaseModel):
    """One seat of the role play: its public brief and, for parties, confidential instructions."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Slug = Field(
        description="3 to 64 lowercase letters, digits and single hyphens, such as tenant"
    )
    kind: RoleKind = Field(description="one of " + ", ".join(RoleKind))
    name: ShortText = Field(description="the role's display name, 1 to 120 characters")
    brief: Markdown = Field(description="Markdown text, not empty, seen by everyone in the session")
    confidential: Markdown | None = Field(
        default=None,
        description="Markdown text, not empty, seen only by the holder, coaches and staff",
    )
    optional: bool = Field(
        default=False,
        strict=True,
        description="true or false (parties only: true if the case works without this role)",
    )


class Case(BaseModel):
    """A role-play case as written in a case file; construction enforces every rule."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Slug
    title: ShortText
    summary: Markdown = Field(description="Markdown text, not empty, seen by everyone")
    domain: Domain = Field(description="one of " + ", ".join(Domain))
    difficulty: int = Field(strict=True, ge=1, le=5, description="a whole number from 1 to 5")
    duration_minutes: int = Field(
        strict=True, ge=10, le=480, description="a whole number of minutes from 10 to 480"
    )
    languages: tuple[LanguageCode, ...] = Field(
        min_length=1, description="a list of at least one ISO 639-1 language code, such as [en]"
    )
    learning_objectives: tuple[Objective, ...] = Field(
        min_length=1, description="a list of at least one learning objective, each a plain sentence"
    )
    rubric: Slug = Field(
        description="a rubric id (3 to 64 lowercase letters, digits and single hyphens), "
        "such as core-mediation-skills"
    )
    reveal_after: bool = Field(default=True, strict=True, description="true or false")
    roles: tuple[Role, ...] = Field(
        description="a list of roles, each a mapping with id, kind, name and brief"
    )
    coach_notes: Markdown = Field(description="Markdown text, not empty, for coaches and staff")

    @model_validator(mode="after")
    def _check_rules(self) -> Case:
        violations = case_rule_violations(self.model_dump(exclude_unset=True))
        if violations:
            details = "; ".join(v.message for v in violations)
            raise PydanticCustomError(RULES_ERROR, "{details}", {"details": details})
        return self

    def _roles_of(self, kind: RoleKind) -> tuple[Role, ...]:
        return tuple(role for role in self.roles if role.kind == kind)

    @property
    def mediator_roles(self) -> tuple[Role, ...]:
        """Roles of kind mediator."""
        return self._roles_of(RoleKind.MEDIATOR)

    @property
    def party_roles(self) -> tuple[Role, ...]:
        """Roles of kind party, optional or not."""
        return self._roles_of(RoleKind.PARTY)

    @property
    def required_parties(self) -> tuple[Role, ...]:
        """Parties the case cannot be played without."""
        return tuple(role for role in self.party_roles if not role.optional)

    @property
    def optional_parties(self) -> tuple[Role, ...]:
        """Parties the case can drop when someone does not show up."""
        return tuple(role for role in self.party_roles if role.optional)

    @property
    def observer_roles(self) -> tuple[Role, ...]:
        """Roles of kind observer."""
        return self._roles_of(RoleKind.OBSERVER)

    @property
    def party_count_range(self) -> tuple[int, int]:
        """Fewest and most parties the case can be played with."""
        return len(self.required_parties), len(self.party_roles)

    def role(self, role_id: str) -> Role:
        """The role with this id; KeyError if the case has none."""
        for role in self.roles:
            if role.id == role_id:
                return role
        raise KeyError(role_id)


def case_rule_violations(data: Any) -> list[Violation]:
    """Rules across fields, checked on plain data however malformed (the rest is pydantic's)."""
    roles = data.get("roles") if isinstance(data, Mapping) else None
    if not isinstance(roles, list | tuple):
        return []
    violations = []
    first_index: dict[str, int] = {}
    kinds_known = True
    mediators = required_parties = 0
    for index, role in enumerate(roles):
        if not isinstance(role, Mapping):
            kinds_known = False
            continue
        role_id, kind = role.get("id"), role.get("kind")
        loc = ("roles", index)
        if role_id == RESERVED_ROLE_ID:
            message = (
                "role id `observer` is kept for the scheduler's extra seats: choose another id"
            )
            violations.append(Violation((*loc, "id"), message))
        elif isinstance(role_id, str) and role_id in first_index:
            message = (
                f"role id `{role_id}` is already used by roles[{first_index[role_id]}]: "
                "give each role its own id"
            )
            violations.append(Violation((*loc, "id"), message))
        elif isinstance(role_id, str):
            first_index[role_id] = index
        if kind == RoleKind.PARTY:
            required_parties += role.get("optional") is not True
            if role.get("confidential") is None:
                message = (
                    f"party role {_label(role_id, index)} has no confidential instructions: "
                    "add `confidential:` with what only this party knows"
                )
                violations.append(Violation((*loc, "confidential"), message))
        elif kind in (RoleKind.MEDIATOR, RoleKind.OBSERVER):
            mediators += kind == RoleKind.MEDIATOR
            if "optional" in role:
                message = f"`optional` is only for party roles: remove it from this {kind} role"
                violations.append(Violation((*loc, "optional"), message, at_key=True))
        else:
            kinds_known = False
    if kinds_known and mediators == 0:
        message = "the case needs a role with `kind: mediator`: add one"
        violations.append(Violation(("roles",), message, at_key=True))
    if kinds_known and required_parties < 2:
        message = (
            "the case needs at least two parties that are not optional, "
            f"it has {required_parties}: add a party or remove `optional: true` from one"
        )
        violations.append(Violation(("roles",), message, at_key=True))
    return violations


def _label(role_id: Any, index: int) -> str:
    return f"`{role_id}`" if isinstance(role_id, str) else f"roles[{index}]"
