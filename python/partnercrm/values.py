"""The values records hold: money, periods, parties, memberships and the rest.

Each is a small frozen class with a repr, equality, hashing and pickling.
Record getters return them (``gift.value.amount``, ``group.memberships[0].period.start``),
and record constructors take them or plain dicts in the document's shape::

    pc.Contribution(kind="cash", donor=aig, recipient=iom,
                    value=pc.Money(Decimal("1000000"), "USD"), date="2004")

Their fields follow the compiled module's schema, which decides how each
field crosses into Rust; ``python/tests/test_schema.py`` checks that these
classes and the stubs agree with it. Lists inside a value are tuples, so a
value is frozen all the way down. Dates are text as precise as the source
gives them: ``"2004"``, ``"2004-05"`` or ``"2004-05-01"``.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from decimal import Decimal
from typing import Literal, TypeAlias

OrganisationKind: TypeAlias = Literal[
    "un_agency", "igo", "ngo_cso", "private_company", "foundation", "government",
    "academic", "media", "association", "country_office", "other",
]
AgreementKind: TypeAlias = Literal["mou", "bilateral", "trilateral", "multilateral", "framework", "funding", "other"]
AgreementStatus: TypeAlias = Literal["draft", "negotiating", "active", "expired", "terminated"]
PartyRole: TypeAlias = Literal["signatory", "donor", "implementer", "government_counterpart", "beneficiary"]
ContributionKind: TypeAlias = Literal["cash", "in_kind", "pledge", "services"]
Basis: TypeAlias = Literal["actual", "estimated"]
ProjectStatus: TypeAlias = Literal["pipeline", "implementation", "finalisation", "closed", "cancelled", "suspended"]
ProjectRole: TypeAlias = Literal["funding", "accountable", "extending", "implementing"]
BudgetKind: TypeAlias = Literal["original", "revised"]
BudgetStatus: TypeAlias = Literal["indicative", "committed"]
Measure: TypeAlias = Literal["count", "percentage", "nominal", "ordinal", "qualitative"]
Aggregation: TypeAlias = Literal["sum", "max", "latest"]
Qualifier: TypeAlias = Literal["exact", "about", "more_than", "at_least", "less_than", "at_most"]
GroupKind: TypeAlias = Literal["inter_agency_group", "working_group", "task_force", "network"]
ChairRole: TypeAlias = Literal["chair", "co_chair"]
NoteKind: TypeAlias = Literal["event", "award", "quote", "meeting", "publication", "statement", "other"]


class _Frozen:
    """Freezes what a value is given: lists become tuples, and a decimal
    field takes an int or decimal text as a ``Decimal`` but never a float,
    which cannot hold money exactly."""

    __slots__ = ()

    def __post_init__(self) -> None:
        for field in fields(self):  # type: ignore[arg-type]
            value = getattr(self, field.name)
            if isinstance(value, list):
                object.__setattr__(self, field.name, tuple(value))
            elif "Decimal" in str(field.type) and value is not None and not isinstance(value, Decimal):
                if isinstance(value, float) or isinstance(value, bool):
                    raise TypeError(
                        f"{type(self).__name__}.{field.name}: got {value!r}; floats cannot hold money "
                        'exactly. Pass decimal.Decimal("..."), an int, or a string such as "1250.50"'
                    )
                object.__setattr__(self, field.name, Decimal(str(value)))


@dataclass(frozen=True, slots=True)
class Period(_Frozen):
    """From ``start`` to ``end``; an end left open is ongoing or unknown."""

    start: str | None = None
    end: str | None = None

    def __bool__(self) -> bool:
        """An open period, with neither end known, is false: ``if project.period:``."""
        return self.start is not None or self.end is not None


@dataclass(frozen=True, slots=True)
class Money(_Frozen):
    """An exact amount in an ISO 4217 currency. ``basis`` says whether a
    contribution's value is actual or estimated; any other amount is actual."""

    amount: Decimal
    currency: str
    basis: Basis = "actual"


@dataclass(frozen=True, slots=True)
class Narrative(_Frozen):
    """A text in one language, as IATI gives names and titles in several."""

    text: str
    lang: str | None = None


@dataclass(frozen=True, slots=True)
class Identifier(_Frozen):
    """An organisation's identifier in a scheme, such as ``iati_org_id``, or
    ``{"other": "GB-COH"}`` for a registry partnercrm does not know; its value is text."""

    scheme: str | dict[str, str]
    value: str


@dataclass(frozen=True, slots=True)
class Affiliation(_Frozen):
    """A person's post at an organisation, over a period."""

    organisation: str
    title: str | None = None
    period: Period = Period()


@dataclass(frozen=True, slots=True)
class Contact(_Frozen):
    """How to reach a person."""

    email: str | None = None
    phone: str | None = None


@dataclass(frozen=True, slots=True)
class Party(_Frozen):
    """An organisation party to an agreement, in its roles."""

    organisation: str
    roles: tuple[PartyRole, ...]


@dataclass(frozen=True, slots=True)
class Amendment(_Frozen):
    """A dated change to an agreement."""

    date: str
    summary: str


@dataclass(frozen=True, slots=True)
class Payment(_Frozen):
    """A payment made against a pledge."""

    date: str
    amount: Money


@dataclass(frozen=True, slots=True)
class Allocation(_Frozen):
    """A share of a contribution earmarked for a project: an amount in its
    currency, or a percentage of it."""

    project: str
    amount: Decimal | None = None
    percent: Decimal | None = None


@dataclass(frozen=True, slots=True)
class ProjectPartner(_Frozen):
    """An organisation's role in a project."""

    organisation: str
    role: ProjectRole
    period: Period = Period()


@dataclass(frozen=True, slots=True)
class Budget(_Frozen):
    """A project's budget for a period."""

    value: Money
    kind: BudgetKind = "original"
    status: BudgetStatus = "indicative"
    period: Period = Period()
    value_date: str | None = None


@dataclass(frozen=True, slots=True)
class Observation(_Frozen):
    """An indicator's baseline, target or actual value for a period; a value
    given only in words has ``value`` None and its words in ``comment``."""

    value: Decimal | None = None
    qualifier: Qualifier = "exact"
    period: Period = Period()
    comment: str | None = None


@dataclass(frozen=True, slots=True)
class GroupName(_Frozen):
    """A name a group went by, over a period."""

    name: str
    acronym: str | None = None
    aliases: tuple[str, ...] = ()
    period: Period = Period()


@dataclass(frozen=True, slots=True)
class Membership(_Frozen):
    """An organisation's membership of a group, over a period."""

    organisation: str
    period: Period = Period()


@dataclass(frozen=True, slots=True)
class ChairTerm(_Frozen):
    """An organisation's term as a group's chair or co-chair."""

    organisation: str
    role: ChairRole
    period: Period = Period()


@dataclass(frozen=True, slots=True)
class Links(_Frozen):
    """The records a note is about, by id; each list is empty when none are linked."""

    organisations: tuple[str, ...] = ()
    people: tuple[str, ...] = ()
    projects: tuple[str, ...] = ()
    agreements: tuple[str, ...] = ()
    contributions: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()


__all__ = [
    "Affiliation",
    "Aggregation",
    "Allocation",
    "Amendment",
    "AgreementKind",
    "AgreementStatus",
    "Basis",
    "Budget",
    "BudgetKind",
    "BudgetStatus",
    "ChairRole",
    "ChairTerm",
    "Contact",
    "ContributionKind",
    "GroupKind",
    "GroupName",
    "Identifier",
    "Links",
    "Measure",
    "Membership",
    "Money",
    "Narrative",
    "NoteKind",
    "Observation",
    "OrganisationKind",
    "Party",
    "PartyRole",
    "Payment",
    "Period",
    "ProjectPartner",
    "ProjectRole",
    "ProjectStatus",
    "Qualifier",
]
