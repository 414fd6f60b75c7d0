//! IATI activities in: the mapping documented in the module above.

use std::collections::HashMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use uuid::Uuid;

use super::write::{Writer, written};
use super::xml::{Element, stream};
use super::{Import, NAMESPACE, OWN_PARTIES_ONLY, OWN_PAYMENT_OF, OWN_REF, Skipped, content_id};
use crate::model::codes::{IatiCodelist, iati_org_id_agency, iati_organisation_type_name};
use crate::model::ids::{IdMap, IdSet};
use crate::model::record::{fold, redirect_all};
use crate::model::*;
use crate::validate::{Code, Path, Problem, Severity};
use crate::{Error, Result};

/// Elements the IATI 2.03 schema allows directly in `iati-activity`. Those
/// the model has no place for are skipped quietly; any other unprefixed
/// element is reported.
const ACTIVITY_ELEMENTS: [&str; 35] = [
    "iati-identifier",
    "reporting-org",
    "title",
    "description",
    "participating-org",
    "other-identifier",
    "activity-status",
    "activity-date",
    "contact-info",
    "activity-scope",
    "recipient-country",
    "recipient-region",
    "location",
    "sector",
    "tag",
    "country-budget-items",
    "humanitarian-scope",
    "policy-marker",
    "collaboration-type",
    "default-flow-type",
    "default-finance-type",
    "default-aid-type",
    "default-tied-status",
    "budget",
    "planned-disbursement",
    "capital-spend",
    "transaction",
    "document-link",
    "related-activity",
    "legacy-data",
    "conditions",
    "result",
    "crs-add",
    "fss",
    // IATI 1.x, still found in old files; nothing in it is kept.
    "default-currency",
];

/// Reads an `iati-activities` document, or a bare `iati-activity`.
pub(super) fn read(text: &str, known: &Dataset) -> Result<Import> {
    if text.len() > super::MAX_INPUT_BYTES {
        return Err(Error::Xml {
            line: 1,
            column: 1,
            message: format!(
                "the input is {} bytes, more than the limit of {} bytes",
                text.len(),
                super::MAX_INPUT_BYTES
            ),
        });
    }
    let text = crate::io::text::without_bom(text);
    let mut reader = Reader::new(known);
    let wrapped = std::cell::Cell::new(false);
    // The day the document speaks as of, which a project's default status
    // in an export depends on.
    let generated = std::cell::Cell::new(None);
    stream(
        text,
        "iati-activities",
        |root| {
            wrapped.set(root.name == "iati-activities");
            generated.set(
                root.attr("generated-datetime")
                    .and_then(|t| t.get(..10))
                    .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()),
            );
            if root.name != "iati-activities" && root.name != "iati-activity" {
                return Err(Error::Xml {
                    line: 1,
                    column: 1,
                    message: format!(
                        "the root element is <{}>, not <iati-activities> or <iati-activity>",
                        root.name
                    ),
                });
            }
            Ok(())
        },
        |element, position| {
            if let Some(day) = generated.take() {
                reader.today = day;
            }
            if wrapped.get() {
                let path = format!("/iati-activities/{}[{position}]", element.name);
                if element.name == "iati-activity" {
                    reader.activity(&element, &path);
                } else if !element.name.contains(':') {
                    reader.warn(
                        &path,
                        Code::IatiUnexpectedElement,
                        format!("<{}> is not an IATI activity", element.name),
                    );
                }
            } else {
                reader.activity(&element, "/iati-activity");
            }
            Ok(())
        },
    )?;
    reader.finish()
}

/// Organisations found so far. The identifier decides: an element with one
/// is the organisation holding it, whatever its name; a name alone finds
/// an organisation only when the element has no identifier, or when the
/// organisation it names has none yet.
struct Organisations<'k> {
    /// By folded identifier value, every IATI reference scheme alike.
    by_identifier: HashMap<String, OrganisationId>,
    /// By folded name, acronym or alias: every organisation answering to it.
    by_name: HashMap<String, Vec<OrganisationId>>,
    known: IdMap<OrganisationId, &'k Organisation>,
    /// What the file says: new organisations, and known ones it changes.
    out: Vec<Organisation>,
    out_index: IdMap<OrganisationId, usize>,
    /// Pairs of identifiers already reported as sharing a name.
    reported: std::collections::HashSet<(String, String)>,
}

impl<'k> Organisations<'k> {
    fn new(known: &'k Dataset) -> Self {
        let mut this = Self {
            by_identifier: HashMap::new(),
            by_name: HashMap::new(),
            known: known.organisations.iter().map(|o| (o.id, o)).collect(),
            out: Vec::new(),
            out_index: IdMap::default(),
            reported: std::collections::HashSet::new(),
        };
        for org in &known.organisations {
            this.index(org.id, org);
        }
        this
    }

    fn index(&mut self, id: OrganisationId, org: &Organisation) {
        // A not-stated mark is no reference a file can name.
        let references = org
            .identifiers
            .iter()
            .filter(|i| i.scheme != IdentifierScheme::NotStated);
        for identifier in references {
            self.by_identifier
                .entry(lookup_key(identifier))
                .or_insert(id);
        }
        for name in org.names() {
            let ids = self.by_name.entry(fold(name)).or_default();
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
    }

    fn get(&self, id: OrganisationId) -> Option<&Organisation> {
        match self.out_index.get(&id) {
            Some(&i) => Some(&self.out[i]),
            None => self.known.get(&id).copied(),
        }
    }

    /// The organisation to change: a new one, or a copy of a known one that
    /// the file's data set then carries as an update.
    fn get_mut(&mut self, id: OrganisationId) -> Option<&mut Organisation> {
        if !self.out_index.contains_key(&id) {
            let known = (*self.known.get(&id)?).clone();
            self.out_index.insert(id, self.out.len());
            self.out.push(known);
        }
        let i = self.out_index[&id];
        Some(&mut self.out[i])
    }

    fn add(&mut self, org: Organisation) -> OrganisationId {
        let id = org.id;
        self.index(id, &org);
        self.out_index.insert(id, self.out.len());
        self.out.push(org);
        id
    }

    /// Takes in what an element says of a found organisation: its name and
    /// type. One this reader made shows the best name it has been given
    /// ([`name_rank`]) and the most specific type (the first in
    /// [`OrganisationKind`]'s order, "other" last); every other name it is
    /// given is an alias, one spelling of each, in order. So the record is
    /// the same whatever order the files naming it are read in.
    fn observe(
        &mut self,
        id: OrganisationId,
        identifier: Option<&Identifier>,
        named: Option<&(String, Vec<Narrative>)>,
        kind: Option<OrganisationKind>,
    ) {
        let Some(org) = self.get(id) else {
            return;
        };
        let new_identifier = identifier.filter(|i| !org.identifiers.contains(i));
        // The common case, an organisation named as it is held: nothing to do.
        let as_held = named.is_none_or(|(text, narratives)| {
            *text == org.name && *narratives == org.name_narratives
        });
        if as_held && new_identifier.is_none() && kind.is_none_or(|k| k >= org.kind) {
            return;
        }
        let better_name = named.is_some_and(|(text, narratives)| {
            name_rank(text, narratives, &org.identifiers)
                < name_rank(&org.name, &org.name_narratives, &org.identifiers)
        });
        let better_kind = kind.is_some_and(|k| k < org.kind);
        let made = (better_name || better_kind) && made_here(org);
        let (rename, rekind) = (made && better_name, made && better_kind);
        let held = |text: &str| {
            org.name == text
                || org.name_narratives.iter().any(|n| n.text == text)
                || org.aliases.iter().any(|a| a == text)
        };
        if !rename
            && !rekind
            && new_identifier.is_none()
            && named.is_none_or(|(text, narratives)| {
                held(text) && narratives.iter().all(|n| held(&n.text))
            })
        {
            return;
        }
        let texts_of = |text: &str, narratives: &[Narrative]| -> Vec<String> {
            std::iter::once(text.to_owned())
                .chain(narratives.iter().map(|n| n.text.clone()))
                .collect()
        };
        let given = named
            .map(|(text, narratives)| texts_of(text, narratives))
            .unwrap_or_default();
        let (shown, mut others) = match (rename, named) {
            (true, Some(_)) => (given.clone(), texts_of(&org.name, &org.name_narratives)),
            _ => (texts_of(&org.name, &org.name_narratives), given),
        };
        let taken: std::collections::HashSet<String> = shown
            .iter()
            .map(|t| fold(t))
            .chain(org.acronym.iter().map(|a| fold(a)))
            .collect();
        others.retain(|t| {
            !taken.contains(&fold(t)) && !org.identifiers.iter().any(|i| &i.value == t)
        });
        let mut aliases = org.aliases.clone();
        aliases.retain(|a| !taken.contains(&fold(a)));
        for text in others {
            match aliases.iter_mut().find(|a| fold(a) == fold(&text)) {
                Some(alias) => {
                    if alias_rank(&text) < alias_rank(alias) {
                        *alias = text;
                    }
                }
                None => aliases.push(text),
            }
        }
        if aliases != org.aliases {
            aliases.sort_by(|a, b| (fold(a), alias_rank(a)).cmp(&(fold(b), alias_rank(b))));
        }
        if !rename && !rekind && new_identifier.is_none() && aliases == org.aliases {
            return;
        }
        let sort_identifiers = new_identifier.is_some() && made_here(org);
        let Some(org) = self.get_mut(id) else {
            return;
        };
        if let Some(identifier) = new_identifier {
            org.identifiers.push(identifier.clone());
            if sort_identifiers {
                // In one order, whichever file gave which first.
                org.identifiers.sort_by_key(|i| {
                    let rank = IdentifierScheme::IATI_REFERENCES
                        .iter()
                        .position(|s| *s == i.scheme);
                    (rank.unwrap_or(usize::MAX), i.value.clone())
                });
            }
        }
        if rename && let Some((text, narratives)) = named {
            org.name = text.clone();
            org.name_narratives = narratives.clone();
        }
        if rekind && let Some(kind) = kind {
            org.kind = kind;
        }
        org.aliases = aliases;
        let org = org.clone();
        self.index(id, &org);
    }

    /// Folds each organisation this reader made from a name alone into the
    /// one with an identifier that answers to that name (the first in id
    /// order, if several do), so that a name read before the identifier that
    /// goes with it ends as if read after it: as the record the identifier
    /// names. Returns each organisation folded with the one it went into;
    /// those of this file are dropped, known ones are for the caller to
    /// delete once everything that refers to them is moved.
    fn fold_named_alone(&mut self) -> Vec<(OrganisationId, OrganisationId, String)> {
        let mut keys: Vec<&String> = self
            .by_name
            .iter()
            .filter(|(_, ids)| ids.len() > 1)
            .map(|(key, _)| key)
            .collect();
        keys.sort();
        let mut folds = Vec::new();
        for key in keys {
            let answering = |org: &&Organisation| org.names().any(|n| &fold(n) == key);
            let mut ids = self.by_name[key].clone();
            ids.sort();
            let into = ids.iter().copied().find(|&id| {
                self.get(id)
                    .filter(answering)
                    .is_some_and(|o| o.iati_reference().is_some())
            });
            let Some(into) = into else {
                continue;
            };
            for id in ids {
                if self.get(id).filter(answering).is_some_and(|o| {
                    o.identifiers.is_empty() && made_here(o) && !folds.iter().any(|(f, _)| *f == id)
                }) {
                    folds.push((id, into));
                }
            }
        }
        let mut folded = Vec::with_capacity(folds.len());
        for (id, into) in folds {
            let Some(org) = self.get(id) else {
                continue;
            };
            let named = (org.name.clone(), org.name_narratives.clone());
            let kind = org.kind;
            self.observe(into, None, Some(&named), Some(kind));
            folded.push((id, into, named.0));
        }
        let gone: IdSet<OrganisationId> = folded.iter().map(|(id, _, _)| *id).collect();
        self.out.retain(|o| !gone.contains(&o.id));
        self.out_index = self
            .out
            .iter()
            .enumerate()
            .map(|(i, o)| (o.id, i))
            .collect();
        for ids in self.by_name.values_mut() {
            ids.retain(|id| !gone.contains(id));
        }
        folded
    }

    /// Every organisation answering to `name`, in id order so that which
    /// one a bare name finds does not depend on what was read first.
    fn named(&self, name: &str) -> Vec<OrganisationId> {
        let mut ids = self.by_name.get(&fold(name)).cloned().unwrap_or_default();
        ids.sort();
        ids
    }
}

/// What a contribution read from a transaction derives its id from: its
/// activity (`identifier`), kind, ends, amount and dates.
fn contribution_content(identifier: &str, c: &Contribution) -> String {
    format!(
        "{}|{}|{}|{}|{:?}|{:?}|{}",
        identifier,
        c.kind.label(),
        c.donor,
        c.recipient,
        c.value,
        c.effective_date(),
        c.period.end.map(|d| d.to_string()).unwrap_or_default()
    )
}

/// What decides which organisation an identifier names, and the content
/// its id derives from: the scheme's key prefix and the folded value.
fn identity_key(identifier: &Identifier) -> String {
    match current_form(identifier) {
        Some(current) => format!("iati:{}", fold(&current)),
        None => format!(
            "{}:{}",
            identifier.scheme.key_prefix().unwrap_or("id"),
            fold(&identifier.value)
        ),
    }
}

/// The org-id an identifier of an older scheme is known to stand for: a
/// DAC number's is the number under XM-DAC, whether written as a CRS
/// channel code of one organisation (`41122`), from the retired list or as
/// `DAC-1601`. So `41122` and `XM-DAC-41122` name one organisation.
fn current_form(identifier: &Identifier) -> Option<String> {
    let digits = |code: &str| !code.is_empty() && code.bytes().all(|b| b.is_ascii_digit());
    let code = match identifier.scheme {
        IdentifierScheme::CrsChannelCode => {
            let channel = crate::model::codes::crs_channel(&identifier.value)?;
            (!channel.category).then_some(identifier.value.as_str())?
        }
        IdentifierScheme::RetiredOrgId => Some(identifier.value.as_str()).filter(|c| digits(c))?,
        IdentifierScheme::IatiReference => identifier
            .value
            .strip_prefix("DAC-")
            .filter(|c| digits(c))?,
        _ => return None,
    };
    Some(format!("XM-DAC-{code}"))
}

/// What an identifier is looked up by: its org-id, where it stands for one.
fn lookup_key(identifier: &Identifier) -> String {
    match current_form(identifier) {
        Some(current) => fold(&current),
        None => fold(&identifier.value),
    }
}

/// Whether this reader made the organisation, so that what files say of it
/// decides its name and kind: its id is the one derived from its identifier
/// or, having none, from its name (as a not-stated one's is from its
/// activity). One a user made keeps the name and kind they gave it, and
/// takes the names files give as aliases.
fn made_here(org: &Organisation) -> bool {
    let derived = |content: &str| {
        Uuid::new_v5(&NAMESPACE, format!("organisation|{content}").as_bytes()) == *org.id.as_uuid()
    };
    org.not_stated().is_some()
        || org.identifiers.iter().any(|i| derived(&identity_key(i)))
        || (org.identifiers.is_empty() && derived(&fold(&org.name)))
}

/// How good a name is to show, best first: a real name before an
/// identifier standing in for one, mixed case before capitals, English (or
/// no language stated) before others, fuller before shorter, then
/// alphabetical. A total order, so that the name an organisation ends up
/// with is the best of all it was given, whatever order they came in.
fn name_rank<'a>(
    text: &'a str,
    narratives: &'a [Narrative],
    identifiers: &[Identifier],
) -> impl Ord + 'a {
    let stands_in = identifiers.iter().any(|i| i.value == text);
    let shouting = text.chars().any(char::is_alphabetic) && !text.chars().any(char::is_lowercase);
    let foreign = narratives
        .iter()
        .find(|n| n.text == text)
        .and_then(|n| n.lang.as_deref())
        .is_some_and(|lang| !lang.eq_ignore_ascii_case("en"));
    (
        stands_in,
        shouting,
        foreign,
        std::cmp::Reverse(text.chars().count()),
        text,
        narratives,
    )
}

/// Which of two spellings of one alias to keep: the same order as names.
fn alias_rank(text: &str) -> impl Ord + '_ {
    name_rank(text, &[], &[])
}

/// What an IATI organisation `@ref` is.
enum Reference {
    /// An identifier, with what to warn of it when it is not a current org-id.
    Identifier(Identifier, Option<String>),
    /// An OECD CRS channel category, such as 21000 "International NGO".
    Category(crate::model::codes::CrsChannel),
    /// No identifier at all, e.g. `N/A`.
    Refused,
}

/// Reads an organisation `@ref` as publishers write it: an org-id.guide
/// identifier, a code from the retired OrganisationIdentifier list or the
/// OECD CRS channel list, or another form that is plainly an identifier.
fn reference(r: &str) -> Reference {
    use crate::model::codes::{crs_channel, retired_organisation_identifier};
    let held = |scheme, note: String| {
        Reference::Identifier(
            Identifier {
                scheme,
                value: r.to_owned(),
            },
            Some(note),
        )
    };
    if iati_org_id_agency(r).is_some() {
        return Reference::Identifier(Identifier::iati(r), None);
    }
    // The XM-DAC register is the DAC's list of donors and channels, so a
    // bare DAC number's org-id is the number under XM-DAC.
    let dac_form = |code: &str| format!("its IATI organisation identifier is XM-DAC-{code}");
    if let Some(channel) = crs_channel(r) {
        if channel.category {
            return Reference::Category(channel);
        }
        let withdrawn = if channel.active { "" } else { ", withdrawn" };
        return held(
            IdentifierScheme::CrsChannelCode,
            format!(
                "{r:?} is an OECD CRS channel code ({}{withdrawn}), held as one; {}",
                channel.name,
                dac_form(r)
            ),
        );
    }
    if let Some(name) = retired_organisation_identifier(r) {
        let current = if r.bytes().all(|b| b.is_ascii_digit()) {
            dac_form(r)
        } else {
            "the list names no current org-id for it (see org-id.guide)".to_owned()
        };
        return held(
            IdentifierScheme::RetiredOrgId,
            format!(
                "{r:?} is from IATI's retired OrganisationIdentifier list ({name}), held as \
                 one; {current}"
            ),
        );
    }
    if let Some(code) = r.strip_prefix("DAC-")
        && !code.is_empty()
        && code.bytes().all(|b| b.is_ascii_digit())
    {
        return held(
            IdentifierScheme::IatiReference,
            format!(
                "{r:?} is an OECD DAC code written without its register, held as the publisher \
                 wrote it; {}",
                dac_form(code)
            ),
        );
    }
    if plausible_identifier(r) {
        return held(
            IdentifierScheme::IatiReference,
            format!(
                "{r:?} is in no list of organisation identifiers (org-id.guide, the retired \
                 OrganisationIdentifier list, CRS channel codes); held as the publisher wrote it"
            ),
        );
    }
    Reference::Refused
}

/// Whether a reference no list knows is still plainly an identifier: one
/// token, and either four or more characters with a digit (`US-GOV-1`,
/// `41AAA`) or a country code and a register (`BR-GOV`). Words (`N/A`,
/// `UNICEF`), bare country codes and one- to three-digit numbers, which are
/// organisation type codes put in the wrong attribute as often as not, are not.
fn plausible_identifier(r: &str) -> bool {
    let token = !r.is_empty()
        && r.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:()".contains(c));
    if !token || r.bytes().all(|b| b == b'0' || !b.is_ascii_alphanumeric()) {
        return false;
    }
    let digits = r.bytes().any(|b| b.is_ascii_digit());
    let registered = r.split_once('-').is_some_and(|(country, rest)| {
        country.parse::<CountryCode>().is_ok()
            && country.bytes().all(|b| b.is_ascii_uppercase())
            && rest.len() >= 2
    });
    (digits && r.len() >= 4) || registered
}

/// A name worth keeping: placeholders such as `-` are not names.
fn real_name(text: &str) -> bool {
    text.chars().any(char::is_alphanumeric)
}

/// The narratives of an element; IATI 1.x put the text in the element itself.
fn narratives(element: &Element) -> Vec<Narrative> {
    let found: Vec<Narrative> = element
        .children_named("narrative")
        .filter_map(|(_, n)| {
            n.trimmed_text()
                .map(|text| Narrative::new(n.attr("xml:lang"), text))
        })
        .collect();
    if found.is_empty() {
        element
            .trimmed_text()
            .map(|text| vec![Narrative::new(element.attr("xml:lang"), text)])
            .unwrap_or_default()
    } else {
        found
    }
}

/// The text in use and, when there is more to keep, every narrative.
fn text_and_narratives(narratives: Vec<Narrative>) -> Option<(String, Vec<Narrative>)> {
    let first = narratives.first()?.text.clone();
    let keep = narratives.len() > 1 || narratives.iter().any(|n| n.lang.is_some());
    Some((first, if keep { narratives } else { Vec::new() }))
}

/// An `iso-date`: `YYYY-MM-DD`, possibly followed by a time, as some
/// publishers write.
fn iso_date(text: &str) -> Option<PartialDate> {
    let day = text.trim().get(..10)?;
    let rest = text.trim().get(10..).unwrap_or("");
    if !(rest.is_empty() || rest.starts_with(['T', ' ', 'Z', '+'])) {
        return None;
    }
    NaiveDate::parse_from_str(day, "%Y-%m-%d")
        .ok()
        .map(PartialDate::Day)
}

/// The kind of organisation for an IATI OrganisationType code.
fn organisation_kind(code: &str) -> Option<OrganisationKind> {
    iati_organisation_type_name(code)?;
    Some(match code {
        "10" | "11" | "15" => OrganisationKind::Government,
        "21" | "22" | "23" | "24" => OrganisationKind::NgoCso,
        "40" => OrganisationKind::Igo,
        "60" => OrganisationKind::Foundation,
        "70" | "71" | "72" | "73" => OrganisationKind::PrivateCompany,
        "80" => OrganisationKind::Academic,
        _ => OrganisationKind::Other,
    })
}

/// IATI OrganisationRole, by 2.x code or 1.x name.
fn project_role(code: &str) -> Option<ProjectRole> {
    match code.to_ascii_lowercase().as_str() {
        "1" | "funding" => Some(ProjectRole::Funding),
        "2" | "accountable" => Some(ProjectRole::Accountable),
        "3" | "extending" => Some(ProjectRole::Extending),
        "4" | "implementing" => Some(ProjectRole::Implementing),
        _ => None,
    }
}

/// IATI ActivityStatus; the 1.x codes are the same numbers.
fn project_status(code: &str) -> Option<ProjectStatus> {
    match code {
        "1" => Some(ProjectStatus::Pipeline),
        "2" => Some(ProjectStatus::Implementation),
        "3" => Some(ProjectStatus::Finalisation),
        "4" => Some(ProjectStatus::Closed),
        "5" => Some(ProjectStatus::Cancelled),
        "6" => Some(ProjectStatus::Suspended),
        _ => None,
    }
}

/// IATI 1.x letter codes for TransactionType, by the official 1.x → 2.x
/// correspondence; 2.x codes pass through.
fn transaction_type(code: &str) -> &str {
    match code.to_ascii_uppercase().as_str() {
        "IF" => "1",
        "C" => "2",
        "D" => "3",
        "E" => "4",
        "IR" => "5",
        "LR" => "6",
        "R" => "7",
        "QP" => "8",
        "QS" => "9",
        "CG" => "10",
        _ => code,
    }
}

/// IATI 1.x names for ActivityDateType; 2.x codes pass through.
fn date_type(code: &str) -> &str {
    match code {
        "start-planned" => "1",
        "start-actual" => "2",
        "end-planned" => "3",
        "end-actual" => "4",
        _ => code,
    }
}

/// The period an activity's dates describe, and the dates (by slot: planned
/// start, actual start, planned end, actual end) it leaves out.
///
/// An actual date is better than a planned one. When the best start and end
/// contradict each other (an activity that ends before it starts), the
/// consistent pair with the most actual dates is kept; when no pair is
/// consistent, the start alone (actual before planned), since a start date
/// is what an activity's date cannot be without.
fn activity_period(dates: [Option<PartialDate>; 4]) -> (Period, Vec<usize>) {
    let given: Vec<usize> = (0..4).filter(|&slot| dates[slot].is_some()).collect();
    let keep = |starts: Option<usize>, ends: Option<usize>| {
        let period = Period::new(starts.and_then(|s| dates[s]), ends.and_then(|e| dates[e]));
        let dropped = given
            .iter()
            .copied()
            .filter(|&slot| Some(slot) != starts && Some(slot) != ends)
            .collect();
        (period, dropped)
    };
    let start = |slot: usize| dates[slot].map(|_| slot);
    let best = keep(start(1).or(start(0)), start(3).or(start(2)));
    if !best.0.is_reversed() {
        // Only the better of two dates of one end is used; the other is no
        // contradiction.
        return (best.0, Vec::new());
    }
    // Pairs by how many of their dates are actual ones.
    for (s, e) in [(1, 3), (0, 3), (1, 2), (0, 2)] {
        if let (Some(s), Some(e)) = (start(s), start(e)) {
            let pair = keep(Some(s), Some(e));
            if !pair.0.is_reversed() {
                return pair;
            }
        }
    }
    keep(start(1).or(start(0)), None)
}

/// What is known already, by what a file names it by.
struct Known<'k> {
    data: &'k Dataset,
    projects: IdMap<ProjectId, &'k Project>,
    /// Named by `transaction/@ref` and `budget/@partnercrm:ref`.
    contributions: IdMap<ContributionId, &'k Contribution>,
    /// Named by `document-link/@url`, `urn:uuid:` and the id.
    agreements: IdMap<AgreementId, &'k Agreement>,
    /// By natural key: an activity's indicator is named by its title.
    indicators: HashMap<String, &'k Indicator>,
    indicator_ids: IdMap<IndicatorId, &'k Indicator>,
}

impl<'k> Known<'k> {
    fn new(data: &'k Dataset) -> Self {
        Self {
            data,
            projects: data.projects.iter().map(|p| (p.id, p)).collect(),
            contributions: data.contributions.iter().map(|c| (c.id, c)).collect(),
            agreements: data.agreements.iter().map(|a| (a.id, a)).collect(),
            indicators: data
                .indicators
                .iter()
                .filter_map(|i| Some((i.natural_key()?, i)))
                .collect(),
            indicator_ids: data.indicators.iter().map(|i| (i.id, i)).collect(),
        }
    }
}

/// The store's own export of a known project, read back: what a file says
/// of the project and its records when they are as the store holds them.
struct Echo<'k> {
    writer: Writer<'k>,
    reader: Reader<'k>,
}

/// What the echo of one project read.
#[derive(Default)]
struct Echoed {
    project: Option<Project>,
    contributions: IdMap<ContributionId, Contribution>,
    indicators: IdMap<IndicatorId, Indicator>,
    agreements: IdMap<AgreementId, Agreement>,
}

/// Where one activity's records start in the lists read.
#[derive(Clone, Copy)]
struct Marks {
    contributions: usize,
    indicators: usize,
    agreements: usize,
}

/// The state of one import.
struct Reader<'k> {
    warnings: Vec<Problem>,
    /// Amounts published that no record holds, each with its warning's code.
    skipped: Vec<Skipped>,
    organisations: Organisations<'k>,
    projects: Vec<Project>,
    contributions: Vec<Contribution>,
    indicators: Vec<Indicator>,
    agreements: Vec<Agreement>,
    /// Project ids by IATI identifier: the known ones, then those read.
    project_ids: HashMap<String, ProjectId>,
    /// Known projects with no IATI identifier, which an export names by id.
    unidentified: IdSet<ProjectId>,
    known: Known<'k>,
    /// Known contributions a transaction of the file has named.
    named: IdSet<ContributionId>,
    /// The current activity's transactions by `@ref`, as indexes into
    /// `contributions`: what a payment names.
    activity_refs: HashMap<String, usize>,
    /// Agreements by natural key, the known ones, then those read: two
    /// documents may not share one.
    agreement_keys: HashMap<String, AgreementId>,
    /// Per natural key an agreement was renumbered from, the highest
    /// number up to which every numbered title is taken: a repeat starts
    /// numbering after it instead of trying every number again, which made
    /// a title shared across thousands of activities quadratic.
    agreement_numbers: HashMap<String, usize>,
    /// Positions in `agreements` by id, which a document link naming an
    /// agreement is looked up in.
    agreement_ids: IdMap<AgreementId, usize>,
    /// Positions in `indicators` by project, for the title a repeat takes.
    indicators_by_project: IdMap<ProjectId, Vec<usize>>,
    /// Parents named by `related-activity type="1"`, resolved at the end.
    parents: Vec<(usize, String)>,
    /// Known projects read, by index: the parent the store holds and the
    /// one its echo names, to settle once the file's parents are resolved.
    known_parents: Vec<(usize, Option<ProjectId>, Option<Option<ProjectId>>)>,
    /// The day the file speaks as of.
    today: NaiveDate,
    /// Writes and reads back known projects; made when first needed.
    echo: Option<Box<Echo<'k>>>,
    /// Whether this reader reads an echo, and so compares with none.
    is_echo: bool,
    seen: IdSet<Uuid>,
    /// The activity identifiers read so far, to skip a repeat.
    read_identifiers: std::collections::HashSet<String>,
}

impl<'k> Reader<'k> {
    fn new(known: &'k Dataset) -> Self {
        let project_ids = known
            .projects
            .iter()
            .filter_map(|p| p.iati_identifier.clone().map(|i| (i, p.id)))
            .collect();
        let unidentified = known
            .projects
            .iter()
            .filter(|p| p.iati_identifier.is_none())
            .map(|p| p.id)
            .collect();
        let mut agreement_keys = HashMap::new();
        for agreement in &known.agreements {
            if let Some(key) = agreement.natural_key() {
                agreement_keys.entry(key).or_insert(agreement.id);
            }
        }
        Self {
            unidentified,
            known: Known::new(known),
            named: IdSet::default(),
            activity_refs: HashMap::new(),
            agreement_keys,
            agreement_numbers: HashMap::new(),
            agreement_ids: IdMap::default(),
            indicators_by_project: IdMap::default(),
            warnings: Vec::new(),
            skipped: Vec::new(),
            organisations: Organisations::new(known),
            projects: Vec::new(),
            contributions: Vec::new(),
            indicators: Vec::new(),
            agreements: Vec::new(),
            project_ids,
            parents: Vec::new(),
            known_parents: Vec::new(),
            today: chrono::Utc::now().date_naive(),
            echo: None,
            is_echo: false,
            seen: IdSet::default(),
            read_identifiers: std::collections::HashSet::new(),
        }
    }

    fn warn(&mut self, path: &str, code: Code, message: impl Into<String>) {
        self.warnings.push(Problem {
            path: Path::root(path),
            code,
            message: message.into(),
            severity: Severity::Warning,
        });
    }

    /// The project an activity identifier names: one read or known by its
    /// IATI identifier, or a known project without one that an export named
    /// by its id.
    fn project_named(&self, identifier: &str) -> Option<ProjectId> {
        self.project_ids
            .get(identifier)
            .copied()
            .or_else(|| self.exported(identifier))
    }

    /// The known project without an IATI identifier of its own that an
    /// export named `identifier`: it ends with the project's id.
    fn exported(&self, identifier: &str) -> Option<ProjectId> {
        identifier
            .len()
            .checked_sub(36)
            .and_then(|at| identifier.get(at..))
            .and_then(|tail| Uuid::parse_str(tail).ok())
            .map(ProjectId::from)
            .filter(|id| self.unidentified.contains(id))
    }

    fn resolve_parents(&mut self) {
        for (index, parent) in std::mem::take(&mut self.parents) {
            let id = self.project_named(&parent);
            if let (Some(id), Some(project)) = (id, self.projects.get_mut(index))
                && id != project.id
            {
                project.parent = Some(id);
            }
        }
    }

    fn finish(mut self) -> Result<Import> {
        self.resolve_parents();
        for (index, known, echoed) in std::mem::take(&mut self.known_parents) {
            if let Some(project) = self.projects.get_mut(index)
                && echoed == Some(project.parent)
            {
                project.parent = known;
            }
        }
        // An MoU can be met first in an activity it is only written into
        // for its parties: it belongs where its first project is, so that a
        // file read back lists agreements as the data set it came from did.
        let position: IdMap<ProjectId, usize> = self
            .projects
            .iter()
            .enumerate()
            .map(|(i, p)| (p.id, i))
            .collect();
        self.agreements.sort_by_key(|a| {
            a.projects
                .first()
                .and_then(|p| position.get(p).copied())
                .unwrap_or(usize::MAX)
        });
        let folds = self.organisations.fold_named_alone();
        for (id, into, name) in &folds {
            let shown = self
                .organisations
                .get(*into)
                .map(|o| o.name.clone())
                .unwrap_or_default();
            self.warn(
                "/iati-activities",
                Code::IatiSameOrganisation,
                format!(
                    "{name:?}, read by its name alone ({id}), is the organisation an identifier \
                     names by that name, {shown:?} ({into}): it is folded into that one"
                ),
            );
        }
        let folded: IdMap<OrganisationId, OrganisationId> =
            folds.iter().map(|(id, into, _)| (*id, *into)).collect();
        let mut moved: IdMap<Uuid, Uuid> = folds
            .iter()
            .map(|(id, into, _)| (*id.as_uuid(), *into.as_uuid()))
            .collect();
        let mut deletes: Vec<RecordRef> = folds
            .iter()
            .filter(|(id, _, _)| self.organisations.known.contains_key(id))
            .map(|(id, _, _)| RecordRef::from(*id))
            .collect();
        // A contribution's own id moves too: `redirect_all` gives it the new one.
        for (old, new, stored) in self.rekeyed(&folded) {
            moved.insert(*old.as_uuid(), *new.as_uuid());
            if stored {
                deletes.push(RecordRef::from(old));
            }
        }
        let mut data = Dataset {
            organisations: self.organisations.out,
            agreements: self.agreements,
            contributions: self.contributions,
            projects: self.projects,
            indicators: self.indicators,
            ..Dataset::default()
        };
        redirect_all(&mut data, self.known.data, &moved)?;
        if !moved.is_empty() {
            // A project that named both now names one twice.
            for project in &mut data.projects {
                let mut seen = Vec::with_capacity(project.partners.len());
                project.partners.retain(|p| {
                    let new = !seen.contains(p);
                    if new {
                        seen.push(p.clone());
                    }
                    new
                });
            }
        }
        Ok(Import {
            data,
            deletes,
            warnings: self.warnings,
            skipped: self.skipped,
        })
    }

    /// The organisation an element such as `reporting-org` names, found or new.
    fn organisation(&mut self, element: &Element, path: &str) -> Option<OrganisationId> {
        let at_ref = format!("{path}/@ref");
        let identifier = match element.attr("ref").map(str::trim).filter(|r| !r.is_empty()) {
            None => None,
            Some(r) => match reference(r) {
                Reference::Identifier(identifier, note) => {
                    if let Some(note) = note {
                        self.warn(&at_ref, Code::IatiLegacyIdentifier, note);
                    }
                    Some(identifier)
                }
                Reference::Category(channel) => {
                    self.warn(
                        &at_ref,
                        Code::IatiChannelCategory,
                        format!(
                            "{r:?} is an OECD CRS channel category ({}), which says what sort \
                             of organisation this is, not which; the organisation is matched \
                             by its name",
                            channel.name
                        ),
                    );
                    // With no name, the category is all there is to go by.
                    let named = narratives(element).iter().any(|n| real_name(&n.text));
                    (!named).then(|| Identifier {
                        scheme: IdentifierScheme::CrsChannelCode,
                        value: r.to_owned(),
                    })
                }
                Reference::Refused => {
                    self.warn(
                        &at_ref,
                        Code::IatiInvalidValue,
                        format!(
                            "{r:?} is not an organisation identifier; the organisation is \
                             matched by name and the reference is not kept"
                        ),
                    );
                    None
                }
            },
        };
        let narratives: Vec<Narrative> = narratives(element)
            .into_iter()
            .filter(|n| real_name(&n.text))
            .collect();
        let named = text_and_narratives(narratives);
        let type_code = element.attr("type");
        let stated_kind = type_code.and_then(organisation_kind);

        if let Some(identifier) = &identifier
            && let Some(&id) = self
                .organisations
                .by_identifier
                .get(&lookup_key(identifier))
        {
            self.organisations
                .observe(id, Some(identifier), named.as_ref(), stated_kind);
            if let Some((name, _)) = &named {
                self.shared_name(id, identifier, name, path);
            }
            return Some(id);
        }
        if let Some((name, _)) = &named {
            let candidates = self.organisations.named(name);
            match &identifier {
                None => {
                    // One with an identifier before one known by this name alone.
                    let found = candidates
                        .iter()
                        .copied()
                        .find(|&c| {
                            self.organisations
                                .get(c)
                                .is_some_and(|o| o.iati_reference().is_some())
                        })
                        .or_else(|| candidates.first().copied());
                    if let Some(id) = found {
                        self.organisations
                            .observe(id, None, named.as_ref(), stated_kind);
                        return Some(id);
                    }
                }
                Some(identifier) => {
                    // One a user made without an identifier takes the one it
                    // is given; one this reader made from a name alone is
                    // folded into the new one when the file is read (see
                    // `Organisations::fold_named_alone`).
                    let bare = candidates.iter().copied().find(|&c| {
                        self.organisations
                            .get(c)
                            .is_some_and(|o| o.iati_reference().is_none() && !made_here(o))
                    });
                    if let Some(id) = bare {
                        self.organisations.observe(
                            id,
                            Some(identifier),
                            named.as_ref(),
                            stated_kind,
                        );
                        return Some(id);
                    }
                }
            }
        }
        let kind = match type_code {
            None => OrganisationKind::Other,
            Some(code) => stated_kind.unwrap_or_else(|| {
                self.warn(
                    &format!("{path}/@type"),
                    Code::IatiUnknownCode,
                    format!("{code:?} is not an IATI OrganisationType code; taken as \"other\""),
                );
                OrganisationKind::Other
            }),
        };
        // An identifier stands in for a name not given.
        let (shown, shown_narratives) = match (named, &identifier) {
            (Some(found), _) => found,
            (None, Some(identifier)) => (identifier.value.clone(), Vec::new()),
            (None, None) => {
                self.warn(
                    path,
                    Code::IatiMissingElement,
                    "names no organisation: it has neither a narrative nor an IATI org-id",
                );
                return None;
            }
        };
        let key = match &identifier {
            Some(i) => identity_key(i),
            None => fold(&shown),
        };
        let mut org = Organisation::new(shown, kind);
        // Keyed by what decides who it is, so the id does not depend on
        // which of its names a file gave first.
        org.id = content_id("organisation", &key, &mut self.seen).into();
        org.name_narratives = shown_narratives;
        if let Some(identifier) = identifier.clone() {
            org.identifiers.push(identifier);
        }
        let name = org.name.clone();
        let id = self.organisations.add(org);
        if let Some(identifier) = &identifier {
            self.shared_name(id, identifier, &name, path);
        }
        Some(id)
    }

    /// Reports, once per pair, a name that two organisations with different
    /// identifiers answer to: they stay two, and a bare name cannot tell them apart.
    fn shared_name(&mut self, id: OrganisationId, identifier: &Identifier, name: &str, path: &str) {
        for other in self.organisations.named(name) {
            if other == id {
                continue;
            }
            let Some(theirs) = self
                .organisations
                .get(other)
                .and_then(|o| o.iati_reference())
                .map(|i| i.value.clone())
            else {
                continue;
            };
            let mut pair = (identifier.value.clone(), theirs.clone());
            if pair.0 > pair.1 {
                std::mem::swap(&mut pair.0, &mut pair.1);
            }
            if self.organisations.reported.insert(pair) {
                self.warn(
                    &format!("{path}/@ref"),
                    Code::IatiSharedName,
                    format!(
                        "{name:?} is given for {:?} here and for {theirs:?} elsewhere; they are \
                         kept as two organisations, which a lookup by this name cannot tell apart",
                        identifier.value
                    ),
                );
            }
        }
    }

    fn activity(&mut self, activity: &Element, path: &str) {
        let Some(identifier) = activity
            .child("iati-identifier")
            .and_then(Element::trimmed_text)
            .map(str::to_owned)
        else {
            self.warn(
                path,
                Code::IatiMissingElement,
                "the activity has no iati-identifier; it is skipped",
            );
            self.skip_transactions(activity, path, Code::IatiMissingElement);
            return;
        };
        // A set, not a scan of the projects read: a scan made reading
        // quadratic in the number of activities.
        if !self.read_identifiers.insert(identifier.clone()) {
            self.warn(
                &format!("{path}/iati-identifier"),
                Code::IatiInvalidValue,
                format!("activity {identifier:?} appears twice in the file; the repeat is skipped"),
            );
            self.skip_transactions(activity, path, Code::IatiInvalidValue);
            return;
        }
        // An activity partnercrm exported for a project with no identifier
        // of its own ends with the project's id: it is that project again.
        let exported = self.exported(&identifier);
        let id = match (self.project_ids.get(&identifier), exported) {
            (Some(id), _) => *id,
            (None, Some(id)) => id,
            (None, None) => ProjectId::from(Uuid::new_v5(
                &NAMESPACE,
                format!("project|{identifier}").as_bytes(),
            )),
        };
        self.project_ids.insert(identifier.clone(), id);
        self.activity_refs.clear();
        let marks = Marks {
            contributions: self.contributions.len(),
            indicators: self.indicators.len(),
            agreements: self.agreements.len(),
        };

        for child in &activity.children {
            if !child.name.contains(':') && !ACTIVITY_ELEMENTS.contains(&child.name.as_ref()) {
                self.warn(
                    &format!("{path}/{}", child.name),
                    Code::IatiUnexpectedElement,
                    format!("<{}> is not an element of an IATI activity", child.name),
                );
            }
        }

        let reporting = activity
            .child("reporting-org")
            .and_then(|org| self.organisation(org, &format!("{path}/reporting-org")));
        let (title, title_narratives) = match activity.child("title").map(narratives) {
            Some(found) if !found.is_empty() => text_and_narratives(found).unwrap_or_default(),
            _ => {
                self.warn(
                    &format!("{path}/title"),
                    Code::IatiMissingElement,
                    "the activity has no title; its identifier stands in",
                );
                (identifier.clone(), Vec::new())
            }
        };
        let mut project = Project::new(title);
        project.id = id;
        // The identifier an export made up is not the project's own.
        project.iati_identifier = exported.is_none().then(|| identifier.clone());
        project.title_narratives = title_narratives;
        project.lead_office = reporting;
        let description = activity
            .children_named("description")
            .find(|(_, d)| matches!(d.attr("type"), None | Some("1")))
            .map(|(_, d)| narratives(d))
            .and_then(text_and_narratives);
        if let Some((text, all)) = description {
            project.description = Some(text);
            project.description_narratives = all;
        }

        for (i, org) in activity.children_named("participating-org") {
            let at = format!("{path}/participating-org[{i}]");
            let Some(role) = org.attr("role") else {
                self.warn(
                    &format!("{at}/@role"),
                    Code::IatiMissingElement,
                    "the participating organisation has no role",
                );
                continue;
            };
            let Some(role) = project_role(role) else {
                self.warn(
                    &format!("{at}/@role"),
                    Code::IatiUnknownCode,
                    format!("{role:?} is not an IATI OrganisationRole code"),
                );
                continue;
            };
            if let Some(organisation) = self.organisation(org, &at) {
                let partner = ProjectPartner {
                    organisation,
                    role,
                    period: Period::OPEN,
                };
                if !project.partners.contains(&partner) {
                    project.partners.push(partner);
                }
            }
        }

        if let Some(status) = activity.child("activity-status") {
            match status.attr("code") {
                Some(code) => match project_status(code) {
                    Some(status) => project.status = Some(status),
                    None => self.warn(
                        &format!("{path}/activity-status/@code"),
                        Code::IatiUnknownCode,
                        format!("{code:?} is not an IATI ActivityStatus code"),
                    ),
                },
                None => self.warn(
                    &format!("{path}/activity-status/@code"),
                    Code::IatiMissingElement,
                    "the activity status has no code",
                ),
            }
        }

        let mut dates: [Option<PartialDate>; 4] = [None; 4];
        for (i, date) in activity.children_named("activity-date") {
            let at = format!("{path}/activity-date[{i}]");
            let kind = date.attr("type").map(date_type);
            let slot = match kind {
                Some(code @ ("1" | "2" | "3" | "4")) => {
                    code.parse::<usize>().unwrap_or(1).saturating_sub(1)
                }
                other => {
                    self.warn(
                        &format!("{at}/@type"),
                        Code::IatiUnknownCode,
                        format!("{other:?} is not an IATI ActivityDateType code"),
                    );
                    continue;
                }
            };
            match date.attr("iso-date").map(|d| (d, iso_date(d))) {
                Some((_, Some(day))) => {
                    if let Some(cell) = dates.get_mut(slot) {
                        cell.get_or_insert(day);
                    }
                }
                Some((text, None)) => self.warn(
                    &format!("{at}/@iso-date"),
                    Code::IatiInvalidValue,
                    format!("{text:?} is not a date (YYYY-MM-DD)"),
                ),
                None => self.warn(
                    &format!("{at}/@iso-date"),
                    Code::IatiMissingElement,
                    "the activity date has no iso-date",
                ),
            }
        }
        let (period, dropped) = activity_period(dates);
        project.period = period;
        if !dropped.is_empty() {
            let dropped: Vec<String> = dropped
                .iter()
                .map(|&slot| {
                    let name = ["planned start", "actual start", "planned end", "actual end"];
                    let day = dates[slot].map(|d| d.to_string()).unwrap_or_default();
                    format!("{} {day}", name[slot])
                })
                .collect();
            self.warn(
                &format!("{path}/activity-date"),
                Code::IatiInvalidValue,
                format!(
                    "the activity's dates contradict each other: it would end before it starts; \
                     kept {}, not kept {}",
                    if project.period == Period::OPEN {
                        "no date".to_owned()
                    } else {
                        project.period.to_string()
                    },
                    dropped.join(", ")
                ),
            );
        }

        for (i, country) in activity.children_named("recipient-country") {
            let at = format!("{path}/recipient-country[{i}]/@code");
            match country.attr("code").map(|c| (c, c.parse::<CountryCode>())) {
                Some((_, Ok(code))) => {
                    if !project.countries.contains(&code) {
                        project.countries.push(code);
                    }
                }
                Some((code, Err(_))) => self.warn(
                    &at,
                    Code::IatiUnknownCode,
                    format!("{code:?} is not an IATI Country code"),
                ),
                None => self.warn(&at, Code::IatiMissingElement, "the country has no code"),
            }
        }

        for (i, sector) in activity.children_named("sector") {
            let at = format!("{path}/sector[{i}]");
            let vocabulary = sector.attr("vocabulary").unwrap_or("1");
            // IATI 1.x named the DAC lists; 2.x numbers them.
            let vocabulary = match vocabulary {
                "DAC" => "1",
                "DAC-3" => "2",
                "RO" => "99",
                "RO2" => "98",
                other => other,
            };
            if vocabulary != "1" {
                let code = sector.attr("code").map(str::trim).unwrap_or_default();
                match format!("{vocabulary}:{code}").parse::<Sector>() {
                    Ok(held) => {
                        if !project.other_sectors.contains(&held) {
                            project.other_sectors.push(held);
                        }
                    }
                    Err(reason) => self.warn(
                        &format!("{at}/@vocabulary"),
                        if code.is_empty() {
                            Code::IatiMissingElement
                        } else {
                            Code::IatiUnknownCode
                        },
                        if code.is_empty() {
                            "the sector has no code".to_owned()
                        } else {
                            reason
                        },
                    ),
                }
                continue;
            }
            match sector.attr("code").map(|c| (c, c.parse::<SectorCode>())) {
                Some((_, Ok(code))) => {
                    if !project.sectors.contains(&code) {
                        project.sectors.push(code);
                    }
                }
                Some((code, Err(_))) => self.warn(
                    &format!("{at}/@code"),
                    Code::IatiUnknownCode,
                    format!("{code:?} is not an OECD DAC 5-digit sector code"),
                ),
                None => self.warn(
                    &format!("{at}/@code"),
                    Code::IatiMissingElement,
                    "the sector has no code",
                ),
            }
        }

        for (_, related) in activity.children_named("related-activity") {
            if related.attr("type") == Some("1")
                && let Some(parent) = related.attr("ref")
            {
                self.parents.push((self.projects.len(), parent.to_owned()));
            }
        }

        let funders: Vec<OrganisationId> = {
            let mut found: Vec<OrganisationId> = Vec::new();
            for p in project
                .partners
                .iter()
                .filter(|p| p.role == ProjectRole::Funding)
            {
                if !found.contains(&p.organisation) {
                    found.push(p.organisation);
                }
            }
            found
        };
        let context = Activity {
            path,
            identifier: &identifier,
            project: id,
            reporting,
            funder: match funders.as_slice() {
                [one] => Some(*one),
                _ => None,
            },
            implementer: only_partner(&project, ProjectRole::Implementing),
            currency: activity.attr("default-currency"),
        };
        for (i, transaction) in activity.children_named("transaction") {
            self.transaction(&context, transaction, i);
        }
        for (i, budget) in activity.children_named("budget") {
            if let Some(budget) = self.budget(&context, budget, i) {
                project.budgets.push(budget);
            }
        }
        for (i, link) in activity.children_named("document-link") {
            self.document_link(&context, &project, link, i);
        }
        for (i, result) in activity.children_named("result") {
            self.result(&context, result, i);
        }
        self.projects.push(project);
        if !self.is_echo {
            self.reconcile(marks);
        }
    }

    /// What the store's own export says of a known project and its records,
    /// read back; nothing when the project cannot be exported.
    fn echo(&mut self, project: &'k Project) -> Echoed {
        let (data, today) = (self.known.data, self.today);
        let echo = self.echo.get_or_insert_with(|| {
            let mut reader = Reader::new(data);
            reader.is_echo = true;
            reader.today = today;
            Box::new(Echo {
                writer: Writer::new(data, today),
                reader,
            })
        });
        let mut xml = String::new();
        if echo.writer.activity(&mut xml, project).is_err() {
            return Echoed::default();
        }
        let reader = &mut echo.reader;
        reader.projects.clear();
        reader.contributions.clear();
        reader.indicators.clear();
        reader.indicators_by_project.clear();
        reader.agreements.clear();
        reader.agreement_ids.clear();
        reader.warnings.clear();
        reader.skipped.clear();
        reader.named.clear();
        reader.seen.clear();
        let read = stream(
            &xml,
            "iati-activities",
            |_| Ok(()),
            |element, _| {
                reader.activity(&element, "/iati-activity");
                Ok(())
            },
        );
        reader.resolve_parents();
        if read.is_err() {
            return Echoed::default();
        }
        Echoed {
            project: reader.projects.pop(),
            contributions: reader.contributions.drain(..).map(|c| (c.id, c)).collect(),
            indicators: reader.indicators.drain(..).map(|i| (i.id, i)).collect(),
            agreements: reader.agreements.drain(..).map(|a| (a.id, a)).collect(),
        }
    }

    /// Settles the records just read from one activity with those known by
    /// the same ids: of each field the file says just what the store's own
    /// export would say (its echo), the store's value is kept, as the file
    /// holds less (days for months, no themes); where the file says
    /// something else, the file's value is taken. Fields IATI has no place
    /// for keep the store's values.
    fn reconcile(&mut self, marks: Marks) {
        let Some(index) = self.projects.len().checked_sub(1) else {
            return;
        };
        let known = self
            .projects
            .get(index)
            .and_then(|p| self.known.projects.get(&p.id))
            .copied();
        let echo = match known {
            Some(project) => self.echo(project),
            None => Echoed::default(),
        };
        if let (Some(known), Some(project)) = (known, self.projects.get_mut(index)) {
            merge_project(known, echo.project.as_ref(), project);
            self.known_parents
                .push((index, known.parent, echo.project.as_ref().map(|p| p.parent)));
        }
        for c in self.contributions.iter_mut().skip(marks.contributions) {
            if let Some(known) = self.known.contributions.get(&c.id) {
                merge_contribution(known, echo.contributions.get(&c.id), c);
            }
        }
        for (at, i) in self
            .indicators
            .iter_mut()
            .enumerate()
            .skip(marks.indicators)
        {
            if let Some(known) = self.known.indicator_ids.get(&i.id) {
                let project = i.project;
                merge_indicator(known, echo.indicators.get(&i.id), i);
                if i.project != project {
                    self.indicators_by_project
                        .entry(i.project)
                        .or_default()
                        .push(at);
                }
            }
        }
        for a in self.agreements.iter_mut().skip(marks.agreements) {
            if let Some(known) = self.known.agreements.get(&a.id) {
                merge_agreement(known, echo.agreements.get(&a.id), a);
            }
        }
    }

    /// An amount: `value` with its currency, or the activity's default;
    /// of any sign; a warning when it states none.
    fn value(
        &mut self,
        context: &Activity<'_>,
        value: Option<&Element>,
        at: &str,
    ) -> Option<Money> {
        match stated(value, context.currency) {
            Ok(money) => Some(money),
            Err(why) => {
                self.warn(&format!("{at}{}", why.at), why.code, why.message);
                None
            }
        }
    }

    /// Reports an element skipped, saying why and, when it states one, the
    /// amount; the amount is kept in [`Import::skipped`] too, so that it is
    /// accounted for.
    fn skip(&mut self, element: &str, at: &str, code: Code, why: &str, money: Option<Money>) {
        match money.filter(|m| !m.amount.is_zero()) {
            Some(money) => {
                self.warn(at, code, format!("{why}; its {money} is skipped"));
                self.skipped.push(Skipped {
                    path: element.to_owned(),
                    money,
                    code,
                });
            }
            None => self.warn(at, code, format!("{why}; it is skipped")),
        }
    }

    /// Accounts for the transactions of an activity skipped whole, under
    /// the code of the warning that skipped it.
    fn skip_transactions(&mut self, activity: &Element, path: &str, code: Code) {
        let currency = activity.attr("default-currency");
        for (i, transaction) in activity.children_named("transaction") {
            if let Ok(money) = stated(transaction.child("value"), currency)
                && !money.amount.is_zero()
            {
                self.skipped.push(Skipped {
                    path: format!("{path}/transaction[{i}]"),
                    money,
                    code,
                });
            }
        }
    }

    /// The organisation that stands for the unnamed `end` of the activity's
    /// transactions: one per activity and end, its id derived from them, so
    /// that reading the file again finds it again.
    fn not_stated(&mut self, context: &Activity<'_>, end: TransactionEnd) -> OrganisationId {
        let id = OrganisationId::from(Uuid::new_v5(
            &NAMESPACE,
            format!(
                "organisation|not-stated|{}|{}",
                end.as_str(),
                context.identifier
            )
            .as_bytes(),
        ));
        if self.organisations.get(id).is_none() {
            let title = match end {
                TransactionEnd::Provider => "Provider",
                TransactionEnd::Receiver => "Receiver",
            };
            let mut org = Organisation::new(
                format!("{title} not stated in {}", context.identifier),
                OrganisationKind::Other,
            );
            org.id = id;
            org.identifiers
                .push(Identifier::not_stated(end, context.identifier));
            self.organisations.add(org);
        }
        id
    }

    /// The organisation at the `end` of a transaction that names none,
    /// whose other end is `other`: the activity's one funding organisation
    /// for a provider, its one implementing organisation for a receiver,
    /// when there is one and it is not `other`; else the activity's
    /// not-stated organisation. Warns either way.
    fn counterparty(
        &mut self,
        context: &Activity<'_>,
        end: TransactionEnd,
        other: OrganisationId,
        at: &str,
    ) -> OrganisationId {
        let (role, one) = match end {
            TransactionEnd::Provider => ("funding", context.funder),
            TransactionEnd::Receiver => ("implementing", context.implementer),
        };
        let word = end.as_str();
        if let Some(one) = one.filter(|o| *o != other) {
            let name = self
                .organisations
                .get(one)
                .map(|o| o.name.clone())
                .unwrap_or_default();
            self.warn(
                at,
                Code::IatiCounterpartyFromRole,
                format!(
                    "the transaction names no {word}; the activity's one {role} organisation, \
                     {name:?}, is taken as its {word}"
                ),
            );
            return one;
        }
        let why = match one {
            Some(_) => format!("the activity's one {role} organisation is at its other end"),
            None => format!("the activity has no single {role} organisation"),
        };
        let id = self.not_stated(context, end);
        let name = self
            .organisations
            .get(id)
            .map(|o| o.name.clone())
            .unwrap_or_default();
        self.warn(
            at,
            Code::IatiCounterpartyNotStated,
            format!(
                "the transaction names no {word}, and {why}: its {word} is held as {name:?}, \
                 which an IATI export leaves out again"
            ),
        );
        id
    }

    fn transaction(&mut self, context: &Activity<'_>, transaction: &Element, i: usize) {
        let at = format!("{}/transaction[{i}]", context.path);
        let value = transaction.child("value");
        let Some(raw) = transaction
            .child("transaction-type")
            .and_then(|t| t.attr("code"))
        else {
            let money = stated(value, context.currency).ok();
            self.skip(
                &at,
                &format!("{at}/transaction-type"),
                Code::IatiMissingElement,
                "the transaction has no type",
                money,
            );
            return;
        };
        let code = transaction_type(raw);
        let (kind, incoming) = match code {
            "1" => (ContributionKind::Cash, true),
            "11" | "13" => (ContributionKind::Pledge, true),
            "3" | "4" => (ContributionKind::Cash, false),
            "2" | "12" => (ContributionKind::Pledge, false),
            other => {
                let money = stated(value, context.currency).ok();
                let type_at = format!("{at}/transaction-type/@code");
                match IatiCodelist::TransactionType.name(other) {
                    Some(name) => self.skip(
                        &at,
                        &type_at,
                        Code::IatiUnsupported,
                        &format!("a transaction of type {other} ({name}) is not a contribution"),
                        money,
                    ),
                    None => self.skip(
                        &at,
                        &type_at,
                        Code::IatiUnknownCode,
                        &format!("{raw:?} is not an IATI TransactionType code"),
                        money,
                    ),
                }
                return;
            }
        };
        let Some(money) = self.value(context, value, &at) else {
            return;
        };
        if money.amount.is_zero() {
            self.warn(
                &format!("{at}/value"),
                Code::IatiInvalidValue,
                format!(
                    "{money} is zero, no amount given or taken back (publishers write it for a \
                     placeholder); it is skipped"
                ),
            );
            return;
        }
        let provider = transaction
            .child("provider-org")
            .and_then(|o| self.organisation(o, &format!("{at}/provider-org")));
        let receiver = transaction
            .child("receiver-org")
            .and_then(|o| self.organisation(o, &format!("{at}/receiver-org")));
        let reporting = context.reporting;
        // The end the activity's reporting organisation stands at, unless
        // the transaction names another, and the other end, its counterparty.
        let (own, own_end, named, other_end) = if incoming {
            let own = receiver.or(reporting);
            (
                own,
                TransactionEnd::Receiver,
                provider,
                TransactionEnd::Provider,
            )
        } else {
            let own = provider.or(reporting);
            (
                own,
                TransactionEnd::Provider,
                receiver,
                TransactionEnd::Receiver,
            )
        };
        let Some(own) = own else {
            let word = own_end.as_str();
            self.skip(
                &at,
                &at,
                Code::IatiMissingElement,
                &format!(
                    "the transaction names no {word}, and the activity has no reporting \
                     organisation to be it"
                ),
                Some(money),
            );
            return;
        };
        let counterparty = match named {
            Some(org) => org,
            None => self.counterparty(context, other_end, own, &at),
        };
        let (donor, recipient) = if incoming {
            (counterparty, own)
        } else {
            (own, counterparty)
        };
        if donor == recipient {
            self.skip(
                &at,
                &at,
                Code::IatiUnsupported,
                "the provider is the receiver, a transfer within one organisation, which is no \
                 contribution",
                Some(money),
            );
            return;
        }
        let date_text = transaction
            .child("transaction-date")
            .and_then(|d| d.attr("iso-date"))
            .or_else(|| value.and_then(|v| v.attr("value-date")));
        let date = date_text.and_then(iso_date);
        if let (Some(text), None) = (date_text, date) {
            self.warn(
                &format!("{at}/transaction-date/@iso-date"),
                Code::IatiInvalidValue,
                format!("{text:?} is not a date (YYYY-MM-DD)"),
            );
        }
        // A payment partnercrm wrote against a contribution of the activity.
        if let Some(of) = transaction.attr(OWN_PAYMENT_OF) {
            match (self.activity_refs.get(of).copied(), date) {
                _ if money.amount.is_sign_negative() => self.warn(
                    &format!("{at}/value"),
                    Code::IatiInvalidValue,
                    format!(
                        "a payment is positive, and {money} is not; it is read as a reversal of \
                         its own"
                    ),
                ),
                (Some(index), Some(date)) => {
                    if let Some(paid) = self.contributions.get_mut(index) {
                        paid.payments.push(Payment {
                            date,
                            amount: money,
                        });
                    }
                    return;
                }
                (Some(_), None) => {
                    self.skip(
                        &at,
                        &format!("{at}/transaction-date"),
                        Code::IatiMissingElement,
                        "the payment has no date",
                        Some(money),
                    );
                    return;
                }
                (None, _) => self.warn(
                    &format!("{at}/@{OWN_PAYMENT_OF}"),
                    Code::IatiInvalidValue,
                    format!(
                        "{of:?} names no earlier transaction of the activity; the payment is \
                         read as a contribution of its own"
                    ),
                ),
            }
        }
        // Negative: a reversal or decommitment, which nets against its kind.
        let mut contribution = Contribution::new(kind, donor, recipient);
        contribution.value = ContributionValue::actual(money);
        contribution.date = date;
        contribution.project = Some(context.project);
        contribution.description = transaction
            .child("description")
            .map(narratives)
            .and_then(|n| n.into_iter().next())
            .map(|n| n.text);
        // A transaction partnercrm wrote for a known contribution names it
        // in @ref: it is that contribution again.
        let reference = transaction.attr("ref");
        contribution.id = match self.named_contribution(reference, &at, "@ref") {
            Some(id) => id,
            None => self.contribution_id(context.identifier, &contribution),
        };
        if let Some(reference) = reference {
            self.activity_refs
                .entry(reference.to_owned())
                .or_insert(self.contributions.len());
        }
        self.contributions.push(contribution);
    }

    /// The known contribution `reference` names by id, the first time the
    /// file names it; a repeat is a contribution of its own, with a warning.
    fn named_contribution(
        &mut self,
        reference: Option<&str>,
        at: &str,
        attribute: &str,
    ) -> Option<ContributionId> {
        let id = reference
            .and_then(|r| Uuid::parse_str(r).ok())
            .map(ContributionId::from)
            .filter(|id| self.known.contributions.contains_key(id))?;
        if self.named.insert(id) {
            return Some(id);
        }
        self.warn(
            &format!("{at}/{attribute}"),
            Code::IatiInvalidValue,
            format!(
                "contribution {id} is named by an earlier transaction too; this one is \
                 read as a contribution of its own"
            ),
        );
        None
    }

    /// An id from what the transaction says: its activity (`identifier`),
    /// kind, ends, amount and dates.
    fn contribution_id(&mut self, identifier: &str, c: &Contribution) -> ContributionId {
        content_id(
            "contribution",
            &contribution_content(identifier, c),
            &mut self.seen,
        )
        .into()
    }

    /// Gives each contribution whose id derives from an organisation folded
    /// into another (`folded`) the id it gets when read after the fold, so
    /// that the order files come in does not decide it: returns each old id
    /// with its new one, and whether the old one is stored.
    fn rekeyed(
        &mut self,
        folded: &IdMap<OrganisationId, OrganisationId>,
    ) -> Vec<(ContributionId, ContributionId, bool)> {
        let activity = |project: Option<ProjectId>| {
            let project = project?;
            self.projects
                .iter()
                .find(|p| p.id == project)
                .or_else(|| self.known.projects.get(&project).copied())
                .and_then(|p| p.iati_identifier.clone())
        };
        let mut found = Vec::new();
        let read = self.contributions.iter().map(|c| (c, false));
        let stored = self.known.data.contributions.iter().map(|c| (c, true));
        for (c, stored) in read.chain(stored) {
            if !folded.contains_key(&c.donor) && !folded.contains_key(&c.recipient) {
                continue;
            }
            let Some(identifier) = activity(c.project) else {
                continue;
            };
            let content = contribution_content(&identifier, c);
            if Uuid::new_v5(&NAMESPACE, format!("contribution|{content}").as_bytes())
                != *c.id.as_uuid()
            {
                // Named by the file, or made by a user: its id is its own.
                continue;
            }
            let mut after = c.clone();
            after.donor = folded.get(&c.donor).copied().unwrap_or(c.donor);
            after.recipient = folded.get(&c.recipient).copied().unwrap_or(c.recipient);
            found.push((c.id, contribution_content(&identifier, &after), stored));
        }
        found
            .into_iter()
            .map(|(old, content, stored)| {
                let new = content_id("contribution", &content, &mut self.seen).into();
                (old, new, stored)
            })
            .collect()
    }

    /// A budget of the activity's project, whoever reports or funds the
    /// activity: a plan, never a contribution. What cannot be held (no
    /// amount, no currency, an end of the period missing or unreadable, a
    /// reversed period) is a warning, and `None`.
    fn budget(&mut self, context: &Activity<'_>, budget: &Element, i: usize) -> Option<Budget> {
        let at = format!("{}/budget[{i}]", context.path);
        // Older partnercrm exports wrote each estimated pledge as a budget
        // naming it: read into the store it came from, that is the stored
        // pledge again, not a plan of the project.
        let pledge = budget
            .attr(OWN_REF)
            .and_then(|r| Uuid::parse_str(r.trim()).ok())
            .map(ContributionId::from);
        if pledge.is_some_and(|id| self.known.contributions.contains_key(&id)) {
            return None;
        }
        let (value, value_date) = self.budget_value(context, budget.child("value"), &at)?;
        let mut ends = [None, None];
        for (slot, name) in ["period-start", "period-end"].iter().enumerate() {
            let text = budget.child(name).and_then(|p| p.attr("iso-date"));
            match text.map(|t| (t, iso_date(t))) {
                Some((_, Some(day))) => ends[slot] = Some(day),
                Some((t, None)) => {
                    self.warn(
                        &format!("{at}/{name}/@iso-date"),
                        Code::IatiInvalidValue,
                        format!("{t:?} is not a date (YYYY-MM-DD); the budget is skipped"),
                    );
                    return None;
                }
                None => {
                    self.warn(
                        &format!("{at}/{name}"),
                        Code::IatiMissingElement,
                        format!(
                            "the budget has no {name}, which IATI requires of a budget's period; \
                             it is skipped"
                        ),
                    );
                    return None;
                }
            }
        }
        let period = Period::new(ends[0], ends[1]);
        if period.is_reversed() {
            self.warn(
                &at,
                Code::IatiInvalidValue,
                format!("the budget period {period} ends before it starts; it is skipped"),
            );
            return None;
        }
        // IATI: "if the @type attribute is omitted, then BudgetType code 1
        // (Original) is assumed", and a missing @status is indicative.
        let kind = match budget.attr("type") {
            None => BudgetKind::Original,
            Some(code) => BudgetKind::from_iati_code(code).unwrap_or_else(|| {
                self.warn(
                    &format!("{at}/@type"),
                    Code::IatiUnknownCode,
                    format!(
                        "{code:?} is not an IATI BudgetType code; the budget is held as original, \
                         as IATI assumes when none is given"
                    ),
                );
                BudgetKind::Original
            }),
        };
        let status = match budget.attr("status") {
            None => BudgetStatus::Indicative,
            Some(code) => BudgetStatus::from_iati_code(code).unwrap_or_else(|| {
                self.warn(
                    &format!("{at}/@status"),
                    Code::IatiUnknownCode,
                    format!(
                        "{code:?} is not an IATI BudgetStatus code; the budget is held as \
                         indicative, as IATI assumes when none is given"
                    ),
                );
                BudgetStatus::Indicative
            }),
        };
        Some(Budget {
            kind,
            status,
            period,
            value,
            value_date,
        })
    }

    /// A budget's amount as the publisher wrote it (negative, zero and at
    /// any precision included), in its currency or the activity's default,
    /// with its value date when readable.
    fn budget_value(
        &mut self,
        context: &Activity<'_>,
        value: Option<&Element>,
        at: &str,
    ) -> Option<(Money, Option<PartialDate>)> {
        let money = self.value(context, value, at)?;
        let at = format!("{at}/value");
        let value = value?;
        let value_date = match value.attr("value-date") {
            None => None,
            Some(text) => {
                let date = iso_date(text);
                if date.is_none() {
                    self.warn(
                        &format!("{at}/@value-date"),
                        Code::IatiInvalidValue,
                        format!(
                            "{text:?} is not a date (YYYY-MM-DD); the budget is held without \
                             its value date"
                        ),
                    );
                }
                date
            }
        };
        Some((money, value_date))
    }

    fn document_link(
        &mut self,
        context: &Activity<'_>,
        project: &Project,
        link: &Element,
        i: usize,
    ) {
        if !link
            .children_named("category")
            .any(|(_, c)| c.attr("code") == Some("A09"))
        {
            return;
        }
        let at = format!("{}/document-link[{i}]", context.path);
        let mut parties: Vec<OrganisationId> = context.reporting.into_iter().collect();
        for partner in &project.partners {
            if !parties.contains(&partner.organisation) {
                parties.push(partner.organisation);
            }
        }
        if parties.len() < 2 {
            self.warn(
                &at,
                Code::IatiUnsupported,
                "a memorandum of understanding needs two parties; the activity names fewer organisations",
            );
            return;
        }
        let title = link
            .child("title")
            .map(narratives)
            .and_then(|n| n.into_iter().next())
            .map_or_else(|| "Memorandum of understanding".to_owned(), |n| n.text);
        let mut agreement = Agreement::new(title, AgreementKind::Mou);
        for party in parties {
            agreement = agreement.with_party(party, &[PartyRole::Signatory]);
        }
        agreement.signed = link
            .child("document-date")
            .and_then(|d| d.attr("iso-date"))
            .and_then(iso_date);
        let linked = link.attr(OWN_PARTIES_ONLY) != Some("true");
        if linked {
            agreement.projects = vec![context.project];
        }
        // A document link partnercrm wrote names its agreement by id; an MoU
        // is written into every activity all of its parties take part in,
        // and read once.
        let url = link.attr("url").map(str::trim).filter(|u| !u.is_empty());
        let named = url
            .and_then(|u| u.strip_prefix("urn:uuid:"))
            .and_then(|u| Uuid::parse_str(u).ok())
            .map(AgreementId::from);
        if let Some(id) = named {
            if let Some(&at) = self.agreement_ids.get(&id) {
                if let Some(read) = self.agreements.get_mut(at)
                    && linked
                    && !read.projects.contains(&context.project)
                {
                    read.projects.push(context.project);
                }
                return;
            }
            agreement.id = id;
        } else {
            // Another publisher's document is named by what identifies it in
            // the file: its activity and its URL, or its place there. Many
            // documents share a title ("Agreement"), so the title cannot.
            let place = url.map_or_else(|| format!("#{i}"), str::to_owned);
            agreement.id = content_id(
                "agreement",
                &format!("{}|{place}", context.identifier),
                &mut self.seen,
            )
            .into();
            // Publishers link different documents of one title and date
            // (or none), from one activity or several, and the store tells
            // agreements apart by kind, title and date: number the repeats,
            // as indicators are.
            let original = agreement.title.clone();
            let taken = |agreement: &Agreement, keys: &HashMap<String, AgreementId>| {
                agreement
                    .natural_key()
                    .and_then(|key| keys.get(&key))
                    .is_some_and(|other| *other != agreement.id)
            };
            let mut n = 1;
            if taken(&agreement, &self.agreement_keys) {
                let base = agreement.natural_key().unwrap_or_default();
                // Numbers every earlier repeat found taken are taken still
                // (keys are only added), unless one is this agreement's own:
                // a known agreement read again tries them all.
                if !self.known.agreements.contains_key(&agreement.id) {
                    n = self.agreement_numbers.get(&base).copied().unwrap_or(1);
                }
                loop {
                    n += 1;
                    agreement.title = format!("{original} ({n})");
                    if !taken(&agreement, &self.agreement_keys) {
                        break;
                    }
                }
                let numbered = self.agreement_numbers.entry(base).or_insert(1);
                *numbered = (*numbered).max(n - 1);
            }
            if n > 1 {
                self.warn(
                    &format!("{at}/title"),
                    Code::IatiInvalidValue,
                    format!(
                        "another agreement of the file or the store is titled {original:?} and \
                         signed {}; this one is kept as {:?}",
                        agreement
                            .signed
                            .map_or_else(|| "on no date given".to_owned(), |d| d.to_string()),
                        agreement.title
                    ),
                );
            }
        }
        if let Some(key) = agreement.natural_key() {
            self.agreement_keys.entry(key).or_insert(agreement.id);
        }
        self.agreement_ids
            .insert(agreement.id, self.agreements.len());
        self.agreements.push(agreement);
    }

    fn result(&mut self, context: &Activity<'_>, result: &Element, i: usize) {
        let at = format!("{}/result[{i}]", context.path);
        let result_title = result.child("title").map(narratives).unwrap_or_default();
        for (j, indicator) in result.children_named("indicator") {
            self.indicator(
                context,
                indicator,
                &format!("{at}/indicator[{j}]"),
                &result_title,
            );
        }
    }

    /// A baseline, target or actual, with its number and comment: words
    /// alone where there is no number (with a warning unless the indicator
    /// is qualitative), and nothing, with a warning, where it says nothing.
    fn observation(
        &mut self,
        element: &Element,
        at: &str,
        measure: Measure,
    ) -> Option<Observation> {
        let words = comment(element);
        // `value=""` is how many publishers write "no number".
        let value = match element.attr("value").map(str::trim) {
            Some(text) if !text.is_empty() => Some(self.observation_value(element, at, measure)?),
            _ => None,
        };
        match (value, words) {
            (Some(value), words) => Some(Observation {
                comment: words,
                ..Observation::exact(value)
            }),
            (None, Some(words)) => {
                if measure.is_quantity() {
                    self.warn(
                        &format!("{at}/@value"),
                        Code::IatiValueInWords,
                        "the value has no number; its period is kept with its comment alone",
                    );
                }
                Some(Observation::words(words))
            }
            (None, None) => {
                self.warn(
                    &format!("{at}/@value"),
                    Code::IatiMissingElement,
                    "the value has neither a number nor a comment; it is skipped",
                );
                None
            }
        }
    }

    /// A number an indicator may hold, or a warning.
    fn observation_value(
        &mut self,
        element: &Element,
        at: &str,
        measure: Measure,
    ) -> Option<Decimal> {
        let text = element.attr("value")?;
        let Ok(value) = Decimal::from_str_exact(text) else {
            self.warn(
                &format!("{at}/@value"),
                Code::IatiInvalidValue,
                format!("{text:?} is not a number"),
            );
            return None;
        };
        let refused = if !measure.is_quantity() {
            None
        } else if value.is_sign_negative() && !value.is_zero() {
            Some("a negative value")
        } else if measure == Measure::Count && !value.fract().is_zero() {
            Some("a fractional count")
        } else if measure == Measure::Percentage && value > Decimal::ONE_HUNDRED {
            Some("a percentage above 100")
        } else {
            None
        };
        if let Some(what) = refused {
            self.warn(
                &format!("{at}/@value"),
                Code::IatiInvalidValue,
                format!("{text} is {what}, which the model does not hold; it is skipped"),
            );
            return None;
        }
        Some(value.normalize())
    }

    fn indicator(
        &mut self,
        context: &Activity<'_>,
        indicator: &Element,
        at: &str,
        result_title: &[Narrative],
    ) {
        let measure = match indicator.attr("measure") {
            Some("1") => Measure::Count,
            Some("2") => Measure::Percentage,
            Some("3") => Measure::Nominal,
            Some("4") => Measure::Ordinal,
            Some("5") => Measure::Qualitative,
            Some(code) => {
                self.warn(
                    &format!("{at}/@measure"),
                    Code::IatiUnknownCode,
                    format!("{code:?} is not an IATI IndicatorMeasure code"),
                );
                return;
            }
            None => {
                self.warn(
                    &format!("{at}/@measure"),
                    Code::IatiMissingElement,
                    "the indicator has no measure",
                );
                return;
            }
        };
        let mut title = indicator.child("title").map(narratives).unwrap_or_default();
        if title.is_empty() {
            title = result_title.to_vec();
        }
        let Some((title, title_narratives)) = text_and_narratives(title) else {
            self.warn(
                &format!("{at}/title"),
                Code::IatiMissingElement,
                "neither the indicator nor its result has a title",
            );
            return;
        };
        // IATI names no unit; these say what a value is.
        let unit = match measure {
            Measure::Count => "units",
            Measure::Percentage => "%",
            Measure::Nominal => "category",
            Measure::Ordinal => "rank",
            Measure::Qualitative => "words",
        };
        let mut out = Indicator::new(context.project, title, unit, measure, Aggregation::Latest);
        out.title_narratives = title_narratives;
        for (k, baseline) in indicator.children_named("baseline") {
            let at = format!("{at}/baseline[{k}]");
            let Some(value) = self.observation(baseline, &at, measure) else {
                continue;
            };
            if out.baseline.is_some() {
                self.warn(
                    &at,
                    Code::IatiUnsupported,
                    "the model holds one baseline per indicator; this further one is skipped",
                );
                continue;
            }
            let date = baseline.attr("iso-date").and_then(iso_date).or_else(|| {
                baseline
                    .attr("year")
                    .and_then(|y| y.parse::<i32>().ok())
                    .filter(|y| (1..=9999).contains(y))
                    .map(PartialDate::year)
            });
            let mut observation = value;
            observation.period = Period::new(date, date);
            out.baseline = Some(observation);
        }
        for (k, period) in indicator.children_named("period") {
            let at = format!("{at}/period[{k}]");
            let start = period
                .child("period-start")
                .and_then(|p| p.attr("iso-date"))
                .and_then(iso_date);
            let end = period
                .child("period-end")
                .and_then(|p| p.attr("iso-date"))
                .and_then(iso_date);
            if start.is_none() || end.is_none() {
                self.warn(
                    &at,
                    Code::IatiInvalidValue,
                    "the period lacks a readable period-start or period-end; its values are kept without them",
                );
            }
            let mut span = Period::new(start, end);
            if span.is_reversed() {
                self.warn(
                    &at,
                    Code::IatiInvalidValue,
                    "the period ends before it starts; its dates are not kept",
                );
                span = Period::OPEN;
            }
            for (name, list) in [("target", 0), ("actual", 1)] {
                for (n, element) in period.children_named(name) {
                    let at = format!("{at}/{name}[{n}]");
                    let Some(mut observation) = self.observation(element, &at, measure) else {
                        continue;
                    };
                    observation.period = span;
                    if list == 0 {
                        out.targets.push(observation);
                    } else {
                        out.actuals.push(observation);
                    }
                }
            }
        }
        // One order for values, whatever order the periods came in, so that
        // writing and reading again gives the same lists.
        out.targets.sort_by_key(|o| (o.period.start, o.period.end));
        out.actuals.sort_by_key(|o| (o.period.start, o.period.end));
        // A project's indicators are told apart by title (their natural
        // key), but publishers repeat a title across results: number the
        // repeats, as the title that is kept says.
        let taken = |title: &str| {
            self.indicators_by_project
                .get(&out.project)
                .into_iter()
                .flatten()
                .filter_map(|&at| self.indicators.get(at))
                .any(|i| i.project == out.project && fold(&i.title) == fold(title))
        };
        if taken(&out.title) {
            let original = out.title.clone();
            let mut n = 2;
            while taken(&format!("{original} ({n})")) {
                n += 1;
            }
            out.title = format!("{original} ({n})");
            // Written back as narratives: they carry the number too, so
            // that the file this one is exported to reads back the same.
            for narrative in &mut out.title_narratives {
                narrative.text = format!("{} ({n})", narrative.text);
            }
            self.warn(
                &format!("{at}/title"),
                Code::IatiInvalidValue,
                format!(
                    "the activity has another indicator titled {original:?}; this one is kept as {:?}",
                    out.title
                ),
            );
        }
        out.id = content_id(
            "indicator",
            &format!("{}|{}", context.identifier, fold(&out.title)),
            &mut self.seen,
        )
        .into();
        // An indicator the store holds for the project under this title is
        // that indicator again, as the store tells them apart by title.
        if let Some(known) = out
            .natural_key()
            .and_then(|key| self.known.indicators.get(&key))
        {
            out.id = known.id;
        }
        self.indicators_by_project
            .entry(out.project)
            .or_default()
            .push(self.indicators.len());
        self.indicators.push(out);
    }
}

/// Of each group of fields `out` (read from a file) holds just as `echo`
/// (the store's own export of `known`, read back) does, takes `known`'s
/// values; takes `known`'s values of the fields IATI has no place for.
macro_rules! settle {
    ($known:ident, $echo:ident, $out:ident;
        carried: $([$($field:ident),+])+
        kept: $($kept:ident),+) => {
        $(
            if $echo.is_some_and(|e| true $(&& e.$field == $out.$field)+) {
                $($out.$field = $known.$field.clone();)+
            }
        )+
        $($out.$kept = $known.$kept.clone();)+
    };
}

fn merge_project(known: &Project, echo: Option<&Project>, out: &mut Project) {
    // Every field, so that a new one is placed below. The parent is
    // settled once the file's parents are resolved.
    let Project {
        id: _,
        title: _,
        iati_identifier: _,
        title_narratives: _,
        acronym: _,
        aliases: _,
        description: _,
        description_narratives: _,
        countries: _,
        places: _,
        themes: _,
        sectors: _,
        other_sectors: _,
        period: _,
        status: _,
        lead_office: _,
        partners: _,
        budgets: _,
        parent: _,
    } = known;
    settle!(known, echo, out;
        carried: [title, title_narratives] [iati_identifier]
            [description, description_narratives] [countries] [sectors] [other_sectors] [period] [status]
            [lead_office] [partners] [budgets]
        kept: acronym, aliases, places, themes);
    // Partners the file changed: those it names in the role the store has
    // them in keep the period IATI has no place for.
    if out.partners != known.partners {
        let mut left: Vec<&ProjectPartner> = known.partners.iter().collect();
        for partner in &mut out.partners {
            if let Some(at) = left
                .iter()
                .position(|k| k.organisation == partner.organisation && k.role == partner.role)
            {
                partner.period = left.remove(at).period;
            }
        }
    }
}

fn merge_contribution(known: &Contribution, echo: Option<&Contribution>, out: &mut Contribution) {
    let Contribution {
        id: _,
        kind: _,
        donor: _,
        recipient: _,
        value: _,
        date: _,
        period: _,
        project: _,
        agreement: _,
        description: _,
        payments: _,
        allocations: _,
    } = known;
    settle!(known, echo, out;
        carried: [kind] [donor] [recipient] [value] [date, period] [project] [description] [payments]
        kept: agreement, allocations);
}

fn merge_indicator(known: &Indicator, echo: Option<&Indicator>, out: &mut Indicator) {
    let Indicator {
        id: _,
        project: _,
        title: _,
        title_narratives: _,
        unit: _,
        measure: _,
        aggregation: _,
        baseline: _,
        targets: _,
        actuals: _,
    } = known;
    settle!(known, echo, out;
        carried: [project] [title, title_narratives] [measure] [baseline] [targets] [actuals]
        kept: unit, aggregation);
    // Values the file changed, when it holds none without both period
    // dates, as IATI has no place for them (an export leaves them out): it
    // did not drop the store's.
    for (values, known) in [
        (&mut out.targets, &known.targets),
        (&mut out.actuals, &known.actuals),
    ] {
        if values != known && values.iter().all(written) {
            values.extend(known.iter().filter(|o| !written(o)).cloned());
            values.sort_by_key(|o| (o.period.start, o.period.end));
        }
    }
}

fn merge_agreement(known: &Agreement, echo: Option<&Agreement>, out: &mut Agreement) {
    let Agreement {
        id: _,
        title: _,
        kind: _,
        parties: _,
        signed: _,
        effective: _,
        status: _,
        purpose: _,
        amendments: _,
        projects: _,
    } = known;
    settle!(known, echo, out;
        carried: [title] [kind] [parties] [signed] [projects]
        kept: effective, status, purpose, amendments);
}

fn comment(element: &Element) -> Option<String> {
    element
        .child("comment")
        .map(narratives)
        .and_then(|n| n.into_iter().next())
        .map(|n| n.text)
}

/// What transactions and budgets of one activity share.
struct Activity<'a> {
    path: &'a str,
    identifier: &'a str,
    project: ProjectId,
    reporting: Option<OrganisationId>,
    /// The activity's one funding organisation, if it has exactly one.
    funder: Option<OrganisationId>,
    /// The activity's one implementing organisation, if it has exactly one.
    implementer: Option<OrganisationId>,
    currency: Option<&'a str>,
}

/// The one organisation a project has in `role`, if it has exactly one.
fn only_partner(project: &Project, role: ProjectRole) -> Option<OrganisationId> {
    let mut found = project
        .partners
        .iter()
        .filter(|p| p.role == role)
        .map(|p| p.organisation);
    let first = found.next()?;
    found.all(|other| other == first).then_some(first)
}

/// Why a `value` states no amount: the path below the element and a
/// warning's code and message.
struct Unstated {
    at: &'static str,
    code: Code,
    message: String,
}

/// The amount a `value` states, of any sign and as many decimals as
/// written, in its currency or else `default_currency`.
fn stated(value: Option<&Element>, default_currency: Option<&str>) -> Result<Money, Unstated> {
    let unstated = |at, code, message: String| Unstated { at, code, message };
    let Some(value) = value else {
        return Err(unstated(
            "/value",
            Code::IatiMissingElement,
            "there is no value".to_owned(),
        ));
    };
    let Some(text) = value.trimmed_text() else {
        return Err(unstated(
            "/value",
            Code::IatiMissingElement,
            "the value is empty".to_owned(),
        ));
    };
    let Ok(amount) = crate::model::exact::parse(text) else {
        return Err(unstated(
            "/value",
            Code::IatiInvalidValue,
            format!("{text:?} is not a decimal amount"),
        ));
    };
    let Some(code) = value.attr("currency").or(default_currency) else {
        return Err(unstated(
            "/value/@currency",
            Code::IatiMissingCurrency,
            "the value names no currency and the activity has no default-currency; it is skipped"
                .to_owned(),
        ));
    };
    let Ok(currency) = Currency::from_code(code) else {
        return Err(unstated(
            "/value/@currency",
            Code::IatiUnknownCode,
            format!("{code:?} is not an ISO 4217 currency code"),
        ));
    };
    Ok(Money { amount, currency })
}
