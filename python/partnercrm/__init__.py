"""partnercrm: a partnership CRM for international organisations.

Keep partners, agreements, contributions, projects, outcomes and
inter-agency groups in a validated store, and read every table as a polars
or pandas DataFrame::

    import partnercrm as pc

    store = pc.Store()                      # partnercrm.db, or $PARTNERCRM_DB
    iom = pc.Organisation(name="International Organization for Migration", kind="igo")
    store.add(iom, actor="me@example.org")
    store.table("organisations").to_polars()

Every rule and computation lives in the Rust core; this package is a thin
binding over it.
"""

from partnercrm._partnercrm import (
    CSV_KINDS,
    TABLES,
    Agreement,
    AmbiguousNameError,
    AmountOverflowError,
    BusyError,
    ConflictError,
    Contribution,
    Dataset,
    Group,
    Indicator,
    InternalError,
    MissingRateError,
    Note,
    NotFoundError,
    Organisation,
    ParseError,
    PartnerCrmError,
    PermissionDeniedError,
    Person,
    Problem,
    Project,
    RateError,
    RateTable,
    StorageError,
    Store,
    Table,
    UndatedError,
    ValidationError,
    __version__,
)
from partnercrm.network import to_networkx
from partnercrm.values import (
    Affiliation,
    Allocation,
    Amendment,
    Budget,
    ChairTerm,
    Contact,
    GroupName,
    Identifier,
    Links,
    Membership,
    Money,
    Narrative,
    Observation,
    Party,
    Payment,
    Period,
    ProjectPartner,
)
from partnercrm.progress import Step

__all__ = [
    "Affiliation",
    "Allocation",
    "Amendment",
    "Budget",
    "ChairTerm",
    "Contact",
    "GroupName",
    "Identifier",
    "Links",
    "Membership",
    "Money",
    "Narrative",
    "Observation",
    "Party",
    "Payment",
    "Period",
    "ProjectPartner",
    "CSV_KINDS",
    "TABLES",
    "Agreement",
    "AmbiguousNameError",
    "AmountOverflowError",
    "BusyError",
    "ConflictError",
    "Contribution",
    "Dataset",
    "Group",
    "Indicator",
    "InternalError",
    "MissingRateError",
    "Note",
    "NotFoundError",
    "Organisation",
    "ParseError",
    "PartnerCrmError",
    "PermissionDeniedError",
    "Person",
    "Problem",
    "Project",
    "RateError",
    "RateTable",
    "Step",
    "StorageError",
    "Store",
    "Table",
    "UndatedError",
    "ValidationError",
    "__version__",
    "to_networkx",
]
