//! The one description of every record and nested value as Python sees it.
//!
//! Each field's type decides how it crosses the boundary, in both
//! directions (as pydantic-core's typed validators do): a `Decimal` field
//! becomes `decimal.Decimal`, a text field stays `str` whatever it is
//! called, a nested value becomes its frozen class in
//! `partnercrm.values`. No conversion looks at a key's name.
//!
//! The records' `fields`, their empty values, the value classes in
//! `partnercrm/values.py` and the stubs are all checked against this table
//! (`python/tests/test_schema.py`), and a key the core writes that is not
//! here is an `InternalError`, never a guess.

/// How a field's value crosses the boundary.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ty {
    /// Text.
    Text,
    /// An exact decimal, as `decimal.Decimal`; its text in JSON.
    Decimal,
    /// True or false.
    Bool,
    /// A date as precise as the source gives it: `"2004"`, `"2004-05"` or
    /// `"2004-05-01"`.
    Date,
    /// A code from a fixed list; the name is its `Literal` alias in
    /// `partnercrm.values`.
    Code(&'static str),
    /// The id of a record of the named class.
    Id(&'static str),
    /// A nested value of the named class in `partnercrm.values`.
    Value(&'static str),
    /// A contribution's value: a `Money` with its basis, or `None` when
    /// the amount is unknown (`{"basis": "unknown"}` in JSON).
    Worth,
    /// An identifier's scheme: the name of a registry the core knows
    /// (`"iati_org_id"`), or `{"other": name}` for any other, as in JSON.
    Scheme,
    /// A list of the inner type.
    List(&'static Ty),
    /// The inner type, or `None`.
    Option(&'static Ty),
}

/// One field of a class.
#[derive(Clone, Copy, Debug)]
pub struct Field {
    /// Its name, in Python and in the JSON document alike.
    pub name: &'static str,
    /// How its value crosses.
    pub ty: Ty,
    /// Whether a constructor must be given it.
    pub required: bool,
    /// The code it has when the document leaves it out, for codes the
    /// core defaults (an observation is `"exact"` unless it says otherwise).
    pub default: Option<&'static str>,
}

/// A record class or a value class.
#[derive(Debug)]
pub struct Class {
    /// Its Python name.
    pub name: &'static str,
    /// Its fields, in the order Python shows them.
    pub fields: &'static [Field],
}

impl Class {
    /// The field called `name`.
    pub fn field(&self, name: &str) -> Option<&'static Field> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// The names of its fields.
    pub fn names(&self) -> Vec<&'static str> {
        self.fields.iter().map(|f| f.name).collect()
    }
}

const fn req(name: &'static str, ty: Ty) -> Field {
    Field {
        name,
        ty,
        required: true,
        default: None,
    }
}

const fn opt(name: &'static str, ty: Ty) -> Field {
    Field {
        name,
        ty,
        required: false,
        default: None,
    }
}

const fn code_default(name: &'static str, code: &'static str, default: &'static str) -> Field {
    Field {
        name,
        ty: Ty::Code(code),
        required: false,
        default: Some(default),
    }
}

const TEXT: Ty = Ty::Text;
const TEXTS: Ty = Ty::List(&Ty::Text);
const MAYBE_TEXT: Ty = Ty::Option(&Ty::Text);
const MAYBE_DATE: Ty = Ty::Option(&Ty::Date);
const PERIOD: Ty = Ty::Value("Period");
const NARRATIVES: Ty = Ty::List(&Ty::Value("Narrative"));

const fn id(kind: &'static str) -> Ty {
    Ty::Id(kind)
}

/// The eight kinds of record.
pub static RECORDS: &[Class] = &[
    Class {
        name: "Organisation",
        fields: &[
            opt("id", id("Organisation")),
            req("name", TEXT),
            opt("name_narratives", NARRATIVES),
            opt("acronym", MAYBE_TEXT),
            opt("aliases", TEXTS),
            req("kind", Ty::Code("OrganisationKind")),
            opt("country", MAYBE_TEXT),
            opt("parent", Ty::Option(&Ty::Id("Organisation"))),
            opt("constituents", Ty::List(&Ty::Id("Organisation"))),
            opt("identifiers", Ty::List(&Ty::Value("Identifier"))),
            opt("website", MAYBE_TEXT),
            opt("description", MAYBE_TEXT),
        ],
    },
    Class {
        name: "Person",
        fields: &[
            opt("id", id("Person")),
            req("name", TEXT),
            opt("affiliations", Ty::List(&Ty::Value("Affiliation"))),
            opt("contact", Ty::Value("Contact")),
            opt("description", MAYBE_TEXT),
            opt("erased", Ty::Bool),
        ],
    },
    Class {
        name: "Agreement",
        fields: &[
            opt("id", id("Agreement")),
            req("title", TEXT),
            req("kind", Ty::Code("AgreementKind")),
            req("parties", Ty::List(&Ty::Value("Party"))),
            opt("signed", MAYBE_DATE),
            opt("effective", PERIOD),
            opt("status", Ty::Option(&Ty::Code("AgreementStatus"))),
            opt("purpose", MAYBE_TEXT),
            opt("amendments", Ty::List(&Ty::Value("Amendment"))),
            opt("projects", Ty::List(&Ty::Id("Project"))),
        ],
    },
    Class {
        name: "Contribution",
        fields: &[
            opt("id", id("Contribution")),
            req("kind", Ty::Code("ContributionKind")),
            req("donor", id("Organisation")),
            req("recipient", id("Organisation")),
            opt("value", Ty::Worth),
            opt("date", MAYBE_DATE),
            opt("period", PERIOD),
            opt("project", Ty::Option(&Ty::Id("Project"))),
            opt("agreement", Ty::Option(&Ty::Id("Agreement"))),
            opt("description", MAYBE_TEXT),
            opt("payments", Ty::List(&Ty::Value("Payment"))),
            opt("allocations", Ty::List(&Ty::Value("Allocation"))),
        ],
    },
    Class {
        name: "Project",
        fields: &[
            opt("id", id("Project")),
            req("title", TEXT),
            opt("iati_identifier", MAYBE_TEXT),
            opt("title_narratives", NARRATIVES),
            opt("acronym", MAYBE_TEXT),
            opt("aliases", TEXTS),
            opt("description", MAYBE_TEXT),
            opt("description_narratives", NARRATIVES),
            opt("countries", TEXTS),
            opt("places", TEXTS),
            opt("themes", TEXTS),
            opt("sectors", TEXTS),
            opt("other_sectors", TEXTS),
            opt("period", PERIOD),
            opt("status", Ty::Option(&Ty::Code("ProjectStatus"))),
            opt("lead_office", Ty::Option(&Ty::Id("Organisation"))),
            opt("partners", Ty::List(&Ty::Value("ProjectPartner"))),
            opt("budgets", Ty::List(&Ty::Value("Budget"))),
            opt("parent", Ty::Option(&Ty::Id("Project"))),
        ],
    },
    Class {
        name: "Indicator",
        fields: &[
            opt("id", id("Indicator")),
            req("project", id("Project")),
            req("title", TEXT),
            opt("title_narratives", NARRATIVES),
            req("unit", TEXT),
            req("measure", Ty::Code("Measure")),
            req("aggregation", Ty::Code("Aggregation")),
            opt("baseline", Ty::Option(&Ty::Value("Observation"))),
            opt("targets", Ty::List(&Ty::Value("Observation"))),
            opt("actuals", Ty::List(&Ty::Value("Observation"))),
        ],
    },
    Class {
        name: "Group",
        fields: &[
            opt("id", id("Group")),
            req("kind", Ty::Code("GroupKind")),
            req("names", Ty::List(&Ty::Value("GroupName"))),
            opt("parent", Ty::Option(&Ty::Id("Group"))),
            opt("period", PERIOD),
            opt("purpose", MAYBE_TEXT),
            opt("memberships", Ty::List(&Ty::Value("Membership"))),
            opt("chairs", Ty::List(&Ty::Value("ChairTerm"))),
            opt("contact", MAYBE_TEXT),
        ],
    },
    Class {
        name: "Note",
        fields: &[
            opt("id", id("Note")),
            req("kind", Ty::Code("NoteKind")),
            opt("title", MAYBE_TEXT),
            req("text", TEXT),
            opt("language", MAYBE_TEXT),
            opt("date", MAYBE_DATE),
            opt("place", MAYBE_TEXT),
            opt("links", Ty::Value("Links")),
        ],
    },
];

/// The nested values records hold, each a frozen class in `partnercrm.values`.
pub static VALUES: &[Class] = &[
    Class {
        name: "Money",
        fields: &[
            req("amount", Ty::Decimal),
            req("currency", TEXT),
            code_default("basis", "Basis", "actual"),
        ],
    },
    Class {
        name: "Period",
        fields: &[opt("start", MAYBE_DATE), opt("end", MAYBE_DATE)],
    },
    Class {
        name: "Narrative",
        fields: &[req("text", TEXT), opt("lang", MAYBE_TEXT)],
    },
    Class {
        name: "Identifier",
        fields: &[req("scheme", Ty::Scheme), req("value", TEXT)],
    },
    Class {
        name: "Affiliation",
        fields: &[
            req("organisation", id("Organisation")),
            opt("title", MAYBE_TEXT),
            opt("period", PERIOD),
        ],
    },
    Class {
        name: "Contact",
        fields: &[opt("email", MAYBE_TEXT), opt("phone", MAYBE_TEXT)],
    },
    Class {
        name: "Party",
        fields: &[
            req("organisation", id("Organisation")),
            req("roles", Ty::List(&Ty::Code("PartyRole"))),
        ],
    },
    Class {
        name: "Amendment",
        fields: &[req("date", Ty::Date), req("summary", TEXT)],
    },
    Class {
        name: "Payment",
        fields: &[req("date", Ty::Date), req("amount", Ty::Value("Money"))],
    },
    Class {
        name: "Allocation",
        fields: &[
            req("project", id("Project")),
            opt("amount", Ty::Option(&Ty::Decimal)),
            opt("percent", Ty::Option(&Ty::Decimal)),
        ],
    },
    Class {
        name: "ProjectPartner",
        fields: &[
            req("organisation", id("Organisation")),
            req("role", Ty::Code("ProjectRole")),
            opt("period", PERIOD),
        ],
    },
    Class {
        name: "Budget",
        fields: &[
            req("value", Ty::Value("Money")),
            code_default("kind", "BudgetKind", "original"),
            code_default("status", "BudgetStatus", "indicative"),
            opt("period", PERIOD),
            opt("value_date", MAYBE_DATE),
        ],
    },
    Class {
        name: "Observation",
        fields: &[
            opt("value", Ty::Option(&Ty::Decimal)),
            code_default("qualifier", "Qualifier", "exact"),
            opt("period", PERIOD),
            opt("comment", MAYBE_TEXT),
        ],
    },
    Class {
        name: "GroupName",
        fields: &[
            req("name", TEXT),
            opt("acronym", MAYBE_TEXT),
            opt("aliases", TEXTS),
            opt("period", PERIOD),
        ],
    },
    Class {
        name: "Membership",
        fields: &[
            req("organisation", id("Organisation")),
            opt("period", PERIOD),
        ],
    },
    Class {
        name: "ChairTerm",
        fields: &[
            req("organisation", id("Organisation")),
            req("role", Ty::Code("ChairRole")),
            opt("period", PERIOD),
        ],
    },
    Class {
        name: "Links",
        fields: &[
            opt("organisations", Ty::List(&Ty::Id("Organisation"))),
            opt("people", Ty::List(&Ty::Id("Person"))),
            opt("projects", Ty::List(&Ty::Id("Project"))),
            opt("agreements", Ty::List(&Ty::Id("Agreement"))),
            opt("contributions", Ty::List(&Ty::Id("Contribution"))),
            opt("groups", Ty::List(&Ty::Id("Group"))),
        ],
    },
];

/// The record or value class called `name`.
pub fn class(name: &str) -> Option<&'static Class> {
    RECORDS.iter().chain(VALUES).find(|c| c.name == name)
}

/// The record class called `name`; the table names every record kind.
pub fn record(name: &str) -> &'static Class {
    RECORDS
        .iter()
        .find(|c| c.name == name)
        .unwrap_or(&RECORDS[0])
}

impl Ty {
    /// The type as the stubs write a getter's result. `in_value` is true
    /// inside a frozen value class, whose lists are tuples.
    pub fn stub_out(&self, in_value: bool) -> String {
        match self {
            Ty::Text | Ty::Date | Ty::Id(_) => "str".to_owned(),
            Ty::Decimal => "Decimal".to_owned(),
            Ty::Bool => "bool".to_owned(),
            Ty::Code(alias) | Ty::Value(alias) => (*alias).to_owned(),
            Ty::Worth => "Money | None".to_owned(),
            Ty::Scheme => "str | dict[str, str]".to_owned(),
            Ty::List(inner) if in_value => format!("tuple[{}, ...]", inner.stub_out(in_value)),
            Ty::List(inner) => format!("list[{}]", inner.stub_out(in_value)),
            Ty::Option(inner) => format!("{} | None", inner.stub_out(in_value)),
        }
    }

    /// The type as the stubs write a constructor's parameter: what may be
    /// passed in, a dict included where a value class is expected.
    pub fn stub_in(&self) -> String {
        match self {
            Ty::Text => "str".to_owned(),
            Ty::Date => "_DateLike".to_owned(),
            Ty::Decimal => "_Amount".to_owned(),
            Ty::Bool => "bool".to_owned(),
            Ty::Code(alias) => (*alias).to_owned(),
            Ty::Id(kind) => format!("_Id | {kind}"),
            Ty::Value(class) => format!("{class} | _Nested"),
            Ty::Worth => "Money | _Nested | None".to_owned(),
            Ty::Scheme => "str | Mapping[str, str]".to_owned(),
            Ty::List(inner) => format!("Sequence[{}]", inner.stub_in()),
            Ty::Option(inner) => format!("{} | None", inner.stub_in()),
        }
    }
}

/// The schema for the tests that check the value classes and the stubs
/// against it: `{class: [(field, getter type, parameter type, required, default)]}`,
/// records first.
#[pyo3::pyfunction]
#[allow(clippy::type_complexity)]
pub fn _schema() -> Vec<(
    &'static str,
    bool,
    Vec<(&'static str, String, String, bool, Option<&'static str>)>,
)> {
    RECORDS
        .iter()
        .map(|c| (c, false))
        .chain(VALUES.iter().map(|c| (c, true)))
        .map(|(class, is_value)| {
            let fields = class
                .fields
                .iter()
                .map(|f| {
                    (
                        f.name,
                        f.ty.stub_out(is_value),
                        // A record's own id is text; elsewhere a record stands for its id.
                        if f.name == "id" {
                            "_Id".to_owned()
                        } else {
                            f.ty.stub_in()
                        },
                        f.required,
                        f.default,
                    )
                })
                .collect();
            (class.name, is_value, fields)
        })
        .collect()
}
