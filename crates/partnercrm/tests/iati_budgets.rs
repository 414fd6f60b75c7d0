//! IATI budgets are held as what they are: each project's planned figures
//! per period, whoever reports or funds the activity, never a contribution.
//! Every budget of every shared file is held to the cent (checked against
//! this file's own reading of the XML), reads back equal from an export,
//! and an export read back into the store it came from changes nothing.

use std::collections::BTreeMap;

use partnercrm::Dataset;
use partnercrm::io::iati::{self, Import};
use partnercrm::io::{Format, known};
use partnercrm::model::*;
use partnercrm::query::rollup::{Dimension, rollup};
use partnercrm::store::Store;
use partnercrm::validate::Code;
use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use rust_decimal::Decimal;

mod shared_iati;
use shared_iati::{FILES, text};

fn import(text: &str) -> Import {
    iati::read_str(text, &Dataset::new()).expect("imports")
}

fn dec(text: &str) -> Decimal {
    Decimal::from_str_exact(text).expect("decimal")
}

fn money(amount: &str, currency: &str) -> Money {
    Money::parse(amount, currency).expect("money")
}

fn day(text: &str) -> PartialDate {
    text.parse().expect("date")
}

fn attribute(element: &BytesStart<'_>, name: &str) -> Option<String> {
    element
        .try_get_attribute(name)
        .expect("attributes")
        .map(|a| a.unescape_value().expect("attribute").trim().to_owned())
}

/// What a file's `budget` elements say, read here with quick-xml and
/// nothing of partnercrm's: (currency, amount) per budget, the currency its
/// value's or else its activity's default.
fn published_budgets(text: &str) -> Vec<(String, Decimal)> {
    let mut reader = Reader::from_str(text);
    let mut stack: Vec<String> = Vec::new();
    let mut default_currency: Option<String> = None;
    let mut currency: Option<String> = None;
    let mut amount: Option<String> = None;
    let mut out = Vec::new();
    loop {
        match reader.read_event().expect("well-formed") {
            Event::Start(element) => {
                let name = String::from_utf8_lossy(element.name().as_ref()).into_owned();
                if name == "iati-activity" {
                    default_currency = attribute(&element, "default-currency");
                }
                if name == "value" && stack.last().map(String::as_str) == Some("budget") {
                    currency = attribute(&element, "currency");
                    amount = Some(String::new());
                }
                stack.push(name);
            }
            Event::Text(t) => {
                if let Some(amount) = amount.as_mut()
                    && stack.last().map(String::as_str) == Some("value")
                {
                    amount.push_str(&t.xml_content().expect("text"));
                }
            }
            Event::End(_) => {
                let name = stack.pop().unwrap_or_default();
                if name == "budget"
                    && let Some(text) = amount.take()
                {
                    let currency = currency
                        .take()
                        .or_else(|| default_currency.clone())
                        .expect("every shared budget names a currency");
                    out.push((currency, dec(text.trim())));
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    out
}

fn held_budgets(data: &Dataset) -> Vec<&Budget> {
    data.projects.iter().flat_map(|p| &p.budgets).collect()
}

fn sums<'a>(budgets: impl Iterator<Item = (&'a str, Decimal)>) -> BTreeMap<String, Decimal> {
    let mut out: BTreeMap<String, Decimal> = BTreeMap::new();
    for (currency, amount) in budgets {
        let total = out.entry(currency.to_owned()).or_default();
        *total = total.checked_add(amount).expect("no overflow");
    }
    out
}

/// Every budget of every shared file is held, at the amount and in the
/// currency published: as many budgets as the file has, the same nonzero
/// ones, and the same sum in each currency, to the last decimal. None is
/// an estimated pledge any more.
#[test]
fn every_budget_of_every_shared_file_is_held_exactly() {
    let mut all_published = Vec::new();
    let mut all_held = Vec::new();
    for file in FILES {
        let text = text(file);
        let published = published_budgets(&text);
        let found = import(&text);
        let held = held_budgets(&found.data);
        let skipped: Vec<String> = found
            .warnings
            .iter()
            .map(|w| w.path.to_string())
            .filter(|p| p.contains("/budget["))
            .collect();
        assert_eq!(
            skipped,
            Vec::<String>::new(),
            "{file}: no budget is skipped"
        );
        assert_eq!(held.len(), published.len(), "{file}: budgets");
        assert_eq!(
            held.iter().filter(|b| !b.value.amount.is_zero()).count(),
            published.iter().filter(|(_, a)| !a.is_zero()).count(),
            "{file}: nonzero budgets"
        );
        assert_eq!(
            sums(
                held.iter()
                    .map(|b| (b.value.currency.code(), b.value.amount))
            ),
            sums(published.iter().map(|(c, a)| (c.as_str(), *a))),
            "{file}: sums by currency"
        );
        assert!(
            found
                .data
                .contributions
                .iter()
                .all(|c| !matches!(c.value, ContributionValue::Estimated { .. })),
            "{file}: no budget is a pledge"
        );
        let report = found.data.validate();
        assert!(report.is_clean(), "{file}: {report}");
        all_held.extend(
            held.iter()
                .map(|b| (b.value.currency.code(), b.value.amount)),
        );
        all_published.extend(published);
    }
    // The figures the README gives.
    let total = sums(all_held.into_iter());
    assert_eq!(
        total,
        sums(all_published.iter().map(|(c, a)| (c.as_str(), *a)))
    );
    assert_eq!(all_published.len(), 2235);
    assert_eq!(
        total,
        BTreeMap::from([
            ("CAD".to_owned(), dec("428339836")),
            ("CZK".to_owned(), dec("11988743.28")),
            ("EUR".to_owned(), dec("685530675.50")),
            ("GBP".to_owned(), dec("773095490.018433700040")),
            // Zero budgets are held, in their currency.
            ("MNT".to_owned(), dec("0")),
            ("USD".to_owned(), dec("826694225.3800111175")),
        ])
    );
}

/// An activity the funder reports itself: its budgets used to be skipped
/// ("the activity's funder reports it"), the case of every donor's file.
const FUNDER_REPORTS: &str = r#"<iati-activities version="2.03">
 <iati-activity default-currency="SEK">
  <iati-identifier>SE-0-SE-6-5402021001</iati-identifier>
  <reporting-org ref="XM-DAC-10-1" type="10"><narrative>Sweden</narrative></reporting-org>
  <title><narrative>Civil society in Cambodia</narrative></title>
  <participating-org ref="XM-DAC-10-1" role="1" type="10"><narrative>Sweden</narrative></participating-org>
  <participating-org role="4" type="21"><narrative>Forum Syd</narrative></participating-org>
  <activity-status code="2"/>
  <activity-date iso-date="2019-01-01" type="2"/>
  <budget type="1" status="2">
   <period-start iso-date="2019-01-01"/>
   <period-end iso-date="2019-12-31"/>
   <value value-date="2019-01-01">12500000</value>
  </budget>
  <budget>
   <period-start iso-date="2020-01-01"/>
   <period-end iso-date="2020-12-31"/>
   <value currency="EUR" value-date="2020-01-15">1175000.125</value>
  </budget>
  <transaction>
   <transaction-type code="2"/>
   <transaction-date iso-date="2019-01-01"/>
   <value value-date="2019-01-01">25000000</value>
   <receiver-org><narrative>Forum Syd</narrative></receiver-org>
  </transaction>
 </iati-activity>
</iati-activities>
"#;

#[test]
fn a_budget_the_funder_reports_is_held() {
    let found = import(FUNDER_REPORTS);
    assert_eq!(found.warnings, Vec::new());
    let project = &found.data.projects[0];
    assert_eq!(
        project.budgets,
        [
            Budget {
                kind: BudgetKind::Original,
                status: BudgetStatus::Committed,
                period: Period::between(day("2019-01-01"), day("2019-12-31")),
                value: money("12500000", "SEK"),
                value_date: Some(day("2019-01-01")),
            },
            // No @type, no @status: original and indicative, as IATI assumes;
            // the amount as precise as written.
            Budget {
                kind: BudgetKind::Original,
                status: BudgetStatus::Indicative,
                period: Period::between(day("2020-01-01"), day("2020-12-31")),
                value: money("1175000.125", "EUR"),
                value_date: Some(day("2020-01-15")),
            },
        ]
    );
    // The commitment is the one contribution: the budgets plan it, and a
    // rollup counts it once.
    assert_eq!(found.data.contributions.len(), 1);
    let totals = rollup(&found.data, &[Dimension::Donor], None).expect("rolls up");
    assert_eq!(
        totals
            .rows
            .iter()
            .map(|r| (r.currency.map(|c| c.code()), r.pledged))
            .collect::<Vec<_>>(),
        [(Some("SEK"), Some(dec("25000000")))]
    );
}

#[test]
fn a_budget_of_an_activity_with_several_funders_is_held() {
    let file = r#"<iati-activity default-currency="USD">
  <iati-identifier>XM-DAC-41114-PROJECT-00012345</iati-identifier>
  <reporting-org ref="XM-DAC-41114" type="40"><narrative>UNDP</narrative></reporting-org>
  <title><narrative>Resilient livelihoods</narrative></title>
  <participating-org ref="GB-GOV-1" role="1" type="10"><narrative>FCDO</narrative></participating-org>
  <participating-org ref="XM-DAC-3-1" role="1" type="10"><narrative>Belgium</narrative></participating-org>
  <participating-org ref="XM-DAC-41114" role="2" type="40"><narrative>UNDP</narrative></participating-org>
  <activity-date iso-date="2021-01-01" type="2"/>
  <budget type="2" status="1">
   <period-start iso-date="2021-01-01"/>
   <period-end iso-date="2021-12-31"/>
   <value value-date="2021-01-01">0</value>
  </budget>
  <budget type="1" status="1">
   <period-start iso-date="2021-01-01"/>
   <period-end iso-date="2021-12-31"/>
   <value value-date="2021-01-01">300000</value>
  </budget>
 </iati-activity>
"#;
    let found = import(file);
    assert_eq!(found.warnings, Vec::new());
    let budgets = &found.data.projects[0].budgets;
    assert_eq!(
        budgets
            .iter()
            .map(|b| (b.kind, b.value))
            .collect::<Vec<_>>(),
        [
            // A revision to zero is a figure, not a placeholder to drop.
            (BudgetKind::Revised, money("0", "USD")),
            (BudgetKind::Original, money("300000", "USD")),
        ]
    );
    assert!(found.data.contributions.is_empty());
    assert!(found.data.validate().is_empty());
}

/// What cannot be held is a warning at the budget's XPath; a code IATI
/// does not have is replaced by IATI's default, and said so.
#[test]
fn what_a_budget_lacks_is_reported_by_xpath() {
    let budget = |attributes: &str, inner: &str| format!("<budget{attributes}>{inner}</budget>");
    let period = r#"<period-start iso-date="2020-01-01"/><period-end iso-date="2020-12-31"/>"#;
    let budgets = [
        budget("", period),
        budget(
            "",
            &format!("{period}<value value-date=\"2020-01-01\"></value>"),
        ),
        budget(
            "",
            &format!("{period}<value value-date=\"2020-01-01\">1,000</value>"),
        ),
        budget(
            "",
            &format!("{period}<value currency=\"XYZ\" value-date=\"2020-01-01\">5</value>"),
        ),
        budget(
            "",
            r#"<period-start iso-date="2020-01-01"/><value value-date="2020-01-01">5</value>"#,
        ),
        budget(
            "",
            r#"<period-start iso-date="2020-13-01"/><period-end iso-date="2020-12-31"/><value value-date="2020-01-01">5</value>"#,
        ),
        budget(
            "",
            r#"<period-start iso-date="2021-01-01"/><period-end iso-date="2020-12-31"/><value value-date="2020-01-01">5</value>"#,
        ),
        budget(
            r#" type="3" status="Committed""#,
            &format!("{period}<value value-date=\"someday\">7</value>"),
        ),
    ];
    let file = format!(
        r#"<iati-activities version="2.03"><iati-activity default-currency="USD">
  <iati-identifier>XM-DAC-47066-B1</iati-identifier>
  <reporting-org ref="XM-DAC-47066" type="40"><narrative>IOM</narrative></reporting-org>
  <title><narrative>Budgets as they come</narrative></title>
  {}
 </iati-activity>
 <iati-activity>
  <iati-identifier>XM-DAC-47066-B2</iati-identifier>
  <reporting-org ref="XM-DAC-47066" type="40"><narrative>IOM</narrative></reporting-org>
  <title><narrative>No default currency</narrative></title>
  {}
 </iati-activity></iati-activities>"#,
        budgets.join("\n  "),
        budget(
            "",
            &format!("{period}<value value-date=\"2020-01-01\">5</value>")
        ),
    );
    let found = import(&file);
    let at = "/iati-activities/iati-activity[1]/budget";
    let warnings: Vec<(String, Code)> = found
        .warnings
        .iter()
        .map(|w| (w.path.to_string(), w.code))
        .collect();
    assert_eq!(
        warnings,
        [
            (format!("{at}[1]/value"), Code::IatiMissingElement),
            (format!("{at}[2]/value"), Code::IatiMissingElement),
            (format!("{at}[3]/value"), Code::IatiInvalidValue),
            (format!("{at}[4]/value/@currency"), Code::IatiUnknownCode),
            (format!("{at}[5]/period-end"), Code::IatiMissingElement),
            (
                format!("{at}[6]/period-start/@iso-date"),
                Code::IatiInvalidValue
            ),
            (format!("{at}[7]"), Code::IatiInvalidValue),
            (format!("{at}[8]/value/@value-date"), Code::IatiInvalidValue),
            (format!("{at}[8]/@type"), Code::IatiUnknownCode),
            (format!("{at}[8]/@status"), Code::IatiUnknownCode),
            (
                "/iati-activities/iati-activity[2]/budget[1]/value/@currency".to_owned(),
                Code::IatiMissingCurrency
            ),
        ]
    );
    // The last of the first activity's is held, as IATI's defaults have it.
    assert_eq!(
        found.data.projects[0].budgets,
        [Budget::new(
            Period::between(day("2020-01-01"), day("2020-12-31")),
            money("7", "USD")
        )]
    );
    assert!(found.data.projects[1].budgets.is_empty());
}

/// Written in the schema's place (after the sectors, before the
/// transactions) with every attribute, and read back equal, file by file.
#[test]
fn budgets_read_back_equal_from_an_export() {
    for file in FILES {
        let first = import(&text(file));
        let xml = iati::write(&first.data, None).expect("writes");
        let second = import(&xml);
        let budgets = |data: &Dataset| -> BTreeMap<String, Vec<Budget>> {
            data.projects
                .iter()
                .map(|p| {
                    (
                        p.iati_identifier.clone().unwrap_or_default(),
                        p.budgets.clone(),
                    )
                })
                .collect()
        };
        assert_eq!(budgets(&second.data), budgets(&first.data), "{file}");
    }
    let xml = iati::write(&import(FUNDER_REPORTS).data, None).expect("writes");
    let budget = xml.find("<budget").expect("a budget");
    assert!(xml.find("<sector").is_none_or(|s| s < budget));
    assert!(budget < xml.find("<transaction").expect("a transaction"));
    assert!(xml.contains(
        "  <budget type=\"1\" status=\"1\">\n   <period-start iso-date=\"2020-01-01\"/>\n   \
         <period-end iso-date=\"2020-12-31\"/>\n   <value currency=\"EUR\" \
         value-date=\"2020-01-15\">1175000.125</value>\n  </budget>\n"
    ));
}

/// A budget known to a month or a year, or without a value date, is
/// written with days (the period's start for the value date); read back
/// into the store it came from, it is as stored. A budget without both ends
/// of its period cannot be written, and the export says which.
#[test]
fn stored_budgets_survive_their_export_read_back_into_the_store() {
    let mut store = Store::in_memory().expect("store");
    let read = iati::read_str(&text("corpus/dportal_19.xml"), &Dataset::new()).expect("reads");
    store.import(read.data, "import").expect("stores");
    let mut data = store.dataset().expect("dataset");
    assert_eq!(held_budgets(&data).len(), 503);
    let mut yearly = Budget::new(
        Period::between(day("2030"), day("2030")),
        money("-5", "GBP"),
    );
    yearly.kind = BudgetKind::Revised;
    data.projects[0].budgets.push(yearly);
    store
        .upsert(data.projects[0].clone(), "edit")
        .expect("stores");
    let before = store.dataset().expect("dataset");
    let xml = iati::write(&before, None).expect("writes");
    assert!(xml.contains(
        "<budget type=\"2\" status=\"1\">\n   <period-start iso-date=\"2030-01-01\"/>\n   \
         <period-end iso-date=\"2030-12-31\"/>\n   <value currency=\"GBP\" \
         value-date=\"2030-01-01\">-5</value>"
    ));
    let known = known(&store, &[Format::Iati]).expect("known");
    let again = iati::read_str(&xml, &known).expect("reads");
    let applied = store.import(again.data, "again").expect("stores");
    assert_eq!(
        (applied.inserted, applied.updated, applied.deleted),
        (0, 0, 0)
    );
    assert!(store.dataset().expect("dataset") == before);
    // Into a fresh store, the same budgets, now known to the day.
    let fresh = import(&xml);
    let project = fresh
        .data
        .projects
        .iter()
        .find(|p| p.id == before.projects[0].id)
        .expect("project");
    let last = project.budgets.last().expect("budget");
    assert_eq!(
        last.period,
        Period::between(day("2030-01-01"), day("2030-12-31"))
    );
    assert_eq!(last.value_date, Some(day("2030-01-01")));

    let mut broken = before.clone();
    broken.projects[0].budgets[0].period.end = None;
    let err = iati::write(&broken, None).expect_err("refused");
    assert!(
        err.to_string().contains("budgets[0]") && err.to_string().contains("period-end"),
        "{err}"
    );
}

/// The store keeps budgets like every other field: in its history, and
/// in a data set as of a moment.
#[test]
fn budgets_are_in_the_history_of_their_project() {
    let mut store = Store::in_memory().expect("store");
    let found = import(FUNDER_REPORTS);
    store.import(found.data.clone(), "import").expect("stores");
    let mut project = found.data.projects[0].clone();
    project.budgets[1].kind = BudgetKind::Revised;
    project.budgets[1].value = money("1000000", "EUR");
    store.upsert(project.clone(), "revision").expect("stores");
    let history = store.history::<Project>(project.id).expect("history");
    assert_eq!(history.len(), 2);
    let before = history[1].before.as_ref().expect("before");
    let after = history[1].after.as_ref().expect("after");
    assert_eq!(before.budgets[1].value, money("1175000.125", "EUR"));
    assert_eq!(after.budgets[1].kind, BudgetKind::Revised);
    let stored = store
        .get::<Project>(project.id)
        .expect("get")
        .expect("found");
    assert_eq!(stored.budgets, project.budgets);
}
