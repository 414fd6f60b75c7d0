//! Every published amount is held or accounted for: each shared activities
//! file, read here with an XML reading of its own, sums every transaction
//! value by what it becomes and its currency as published; imported into a
//! fresh store the way users import, what the store holds plus what the
//! reader reports as skipped (with its amount) is that sum, exactly.

use std::collections::BTreeMap;

use partnercrm::io::iati::{self, Import, Skipped};
use partnercrm::io::{Format, known};
use partnercrm::model::*;
use partnercrm::store::Store;
use partnercrm::validate::Code;
use quick_xml::events::{BytesStart, Event};
use rust_decimal::Decimal;

mod shared_iati;
use shared_iati::{FILES, text};

/// What a published transaction becomes: `cash` (types 1, 3, 4), `pledge`
/// (2, 11, 12, 13), or its type code when it is no contribution (5 to 10,
/// or a code in no list), or `no type`.
fn class(code: Option<&str>) -> String {
    let Some(code) = code else {
        return "no type".to_owned();
    };
    // IATI 1.x letter codes, by the official 1.x → 2.x correspondence.
    let code = match code.to_ascii_uppercase().as_str() {
        "IF" => "1".to_owned(),
        "C" => "2".to_owned(),
        "D" => "3".to_owned(),
        "E" => "4".to_owned(),
        "IR" => "5".to_owned(),
        "LR" => "6".to_owned(),
        "R" => "7".to_owned(),
        "QP" => "8".to_owned(),
        "QS" => "9".to_owned(),
        "CG" => "10".to_owned(),
        _ => code.to_owned(),
    };
    match code.as_str() {
        "1" | "3" | "4" => "cash".to_owned(),
        "2" | "11" | "12" | "13" => "pledge".to_owned(),
        other => format!("type {other}"),
    }
}

/// One `transaction` as published.
#[derive(Debug, Default)]
struct Published {
    /// Its XPath, as the reader's warnings name it.
    path: String,
    /// Its `transaction-type/@code`, if any.
    code: Option<String>,
    /// Its `value`'s `@currency`, else the activity's `@default-currency`.
    currency: Option<String>,
    /// Its `value`'s text, if it has a value.
    value: Option<String>,
}

impl Published {
    /// What it becomes, its currency and amount: `None` when it has no
    /// readable value or no currency, so no amount to account for.
    fn amount(&self) -> Option<(String, Currency, Decimal)> {
        let amount = partnercrm::model::exact::parse(self.value.as_deref()?.trim()).ok()?;
        let currency = Currency::from_code(self.currency.as_deref()?).ok()?;
        Some((class(self.code.as_deref()), currency, amount))
    }
}

fn attribute(element: &BytesStart<'_>, name: &str) -> Option<String> {
    element
        .attributes()
        .flatten()
        .find(|a| a.key.as_ref() == name.as_bytes())
        .and_then(|a| a.unescape_value().ok())
        .map(|v| v.into_owned())
}

/// Every transaction of an activities file, read with quick-xml's event
/// reader directly, apart from partnercrm's own reading.
fn published(text: &str) -> Vec<Published> {
    let mut reader = quick_xml::Reader::from_str(text);
    // Open elements: name, XPath, and how many children of each name seen.
    let mut open: Vec<(String, String, BTreeMap<String, usize>)> = Vec::new();
    let mut default_currency: Option<String> = None;
    let mut out: Vec<Published> = Vec::new();
    let mut current: Option<Published> = None;
    // Whether the value being read is the transaction's first.
    let mut in_value = false;
    let mut seen_value = false;
    let mut seen_type = false;
    loop {
        let event = reader.read_event().expect("well-formed XML");
        let (element, empty) = match &event {
            Event::Start(e) => (Some(e.clone()), false),
            Event::Empty(e) => (Some(e.clone()), true),
            Event::End(_) => {
                let (name, _, _) = open.pop().expect("balanced");
                if name == "transaction" {
                    out.extend(current.take());
                } else if name == "value" {
                    in_value = false;
                }
                continue;
            }
            Event::Text(t) => {
                if in_value && let Some(tx) = current.as_mut() {
                    let text = t.decode().expect("text").into_owned();
                    tx.value.get_or_insert_with(String::new).push_str(&text);
                }
                continue;
            }
            Event::GeneralRef(r) => {
                if in_value && let Some(tx) = current.as_mut() {
                    let name = r.decode().expect("reference").into_owned();
                    let text = quick_xml::escape::unescape(&format!("&{name};"))
                        .expect("entity")
                        .into_owned();
                    tx.value.get_or_insert_with(String::new).push_str(&text);
                }
                continue;
            }
            Event::Eof => break,
            _ => continue,
        };
        let Some(element) = element else { continue };
        let name = String::from_utf8_lossy(element.name().as_ref()).into_owned();
        let path = match open.last_mut() {
            None => format!("/{name}"),
            Some((_, parent, counts)) => {
                let n = counts.entry(name.clone()).or_default();
                *n += 1;
                format!("{parent}/{name}[{n}]")
            }
        };
        // The reader names a bare root activity `/iati-activity`.
        let parent = open.last().map(|(n, _, _)| n.as_str());
        if name == "iati-activity" && matches!(parent, None | Some("iati-activities")) {
            default_currency = attribute(&element, "default-currency");
        }
        if name == "transaction" && parent == Some("iati-activity") {
            current = Some(Published {
                path: path.clone(),
                currency: default_currency.clone(),
                ..Published::default()
            });
            seen_value = false;
            seen_type = false;
        }
        if parent == Some("transaction")
            && let Some(tx) = current.as_mut()
        {
            if name == "transaction-type" && !seen_type {
                seen_type = true;
                tx.code = attribute(&element, "code");
            }
            if name == "value" && !seen_value {
                seen_value = true;
                if let Some(currency) = attribute(&element, "currency") {
                    tx.currency = Some(currency);
                }
                tx.value = Some(String::new());
                in_value = !empty;
            }
        }
        if empty {
            if name == "transaction" {
                out.extend(current.take());
            }
        } else {
            open.push((name, path, BTreeMap::new()));
        }
    }
    out
}

/// Totals by what a transaction becomes and its currency.
type Sums = BTreeMap<(String, Currency), Decimal>;

fn add(sums: &mut Sums, class: &str, currency: Currency, amount: Decimal) {
    let sum = sums.entry((class.to_owned(), currency)).or_default();
    *sum = partnercrm::model::exact::add(*sum, amount).expect("a sum partnercrm can hold");
}

/// What the store holds of transactions: actual cash and pledges, signed,
/// and payments on pledges (written as transactions of their own).
fn held(data: &Dataset) -> Sums {
    let mut sums = Sums::new();
    for c in &data.contributions {
        // Budgets are estimated pledges; they are accounted for by the
        // budgets' own check (see `budgets` below), not as transactions.
        let ContributionValue::Actual { money } = c.value else {
            continue;
        };
        add(&mut sums, c.kind.label(), money.currency, money.amount);
        for payment in &c.payments {
            add(
                &mut sums,
                "cash",
                payment.amount.currency,
                payment.amount.amount,
            );
        }
    }
    sums
}

/// `file` imported into a fresh store as users import it.
fn import(file: &str) -> (Store, Import) {
    let mut store = Store::open(":memory:").expect("store");
    let known = known(&store, &[Format::Iati]).expect("known");
    let found = iati::read_str(&text(file), &known).expect(file);
    store
        .apply(found.clone().batch(), "test", "import")
        .unwrap_or_else(|e| panic!("{file}: refused: {e}"));
    (store, found)
}

/// Why an amount was skipped: the words of the warning its code names, on
/// the element or an ancestor.
fn cause(found: &Import, skipped: &Skipped) -> String {
    let warning = found.warnings.iter().find(|w| {
        let path = w.path.to_string();
        w.code == skipped.code
            && (path.starts_with(&skipped.path) || skipped.path.starts_with(&path))
    });
    let message = warning.map_or("", |w| w.message.as_str());
    let why = if message.contains("is not a contribution") {
        "type 5 to 10"
    } else if message.contains("TransactionType") {
        "a type in no list"
    } else if message.contains("no type") {
        "no type"
    } else if message.contains("transfer within one organisation") {
        "transfer within one organisation"
    } else if message.contains("no reporting organisation") {
        "no reporting organisation"
    } else {
        message
    };
    why.to_owned()
}

/// What one file publishes, holds and skips.
struct Accounts {
    published: Sums,
    held: Sums,
    skipped: Sums,
    /// Transactions with a non-zero amount, zero ones, and ones with none.
    nonzero: usize,
    zero: usize,
    unstated: usize,
    /// Contributions and payments held from transactions.
    held_records: usize,
    found: Import,
}

fn account(file: &str) -> (Store, Accounts) {
    let text = text(file);
    let (store, found) = import(file);
    let transactions = published(&text);
    let mut accounts = Accounts {
        published: Sums::new(),
        held: held(&store.dataset().expect("dataset")),
        skipped: Sums::new(),
        nonzero: 0,
        zero: 0,
        unstated: 0,
        held_records: 0,
        found: Import::default(),
    };
    for tx in &transactions {
        match tx.amount() {
            Some((class, currency, amount)) => {
                add(&mut accounts.published, &class, currency, amount);
                if amount.is_zero() {
                    accounts.zero += 1;
                } else {
                    accounts.nonzero += 1;
                }
            }
            None => accounts.unstated += 1,
        }
    }
    let by_path: BTreeMap<&str, &Published> =
        transactions.iter().map(|t| (t.path.as_str(), t)).collect();
    let mut seen = std::collections::BTreeSet::new();
    for skipped in &found.skipped {
        assert!(
            seen.insert(skipped.path.as_str()),
            "{file}: {} is accounted for twice",
            skipped.path
        );
        let tx = by_path
            .get(skipped.path.as_str())
            .unwrap_or_else(|| panic!("{file}: {} is no published transaction", skipped.path));
        let (class, currency, amount) = tx
            .amount()
            .unwrap_or_else(|| panic!("{file}: {} states no amount", skipped.path));
        assert_eq!(
            (currency, amount),
            (skipped.money.currency, skipped.money.amount),
            "{file}: {} is skipped with another amount than it publishes",
            skipped.path
        );
        assert_ne!(
            cause(&found, skipped),
            "",
            "{file}: {skipped:?} has no warning"
        );
        add(&mut accounts.skipped, &class, currency, amount);
    }
    let data = store.dataset().expect("dataset");
    accounts.held_records = data
        .contributions
        .iter()
        .filter(|c| matches!(c.value, ContributionValue::Actual { .. }))
        .map(|c| 1 + c.payments.len())
        .sum();
    accounts.found = found;
    (store, accounts)
}

/// Totals without the zero ones: a currency whose values are all zero
/// holds nothing and skips nothing.
fn nonzero(sums: &Sums) -> Sums {
    sums.iter()
        .filter(|(_, v)| !v.is_zero())
        .map(|(k, v)| (k.clone(), *v))
        .collect()
}

/// Budgets, which are no contributions: what the store holds of them is
/// what the file's reading holds, budget for budget and to the last decimal
/// per currency, and none is skipped. `tests/iati_budgets.rs` shows, with
/// an XML reading of its own, that the reading holds every published
/// budget exactly.
fn account_budgets(file: &str, store: &Store, found: &Import) {
    let by_currency = |projects: &[Project]| {
        let mut sums: BTreeMap<Currency, (usize, Decimal)> = BTreeMap::new();
        for budget in projects.iter().flat_map(|p| &p.budgets) {
            let entry = sums.entry(budget.value.currency).or_default();
            entry.0 += 1;
            entry.1 += budget.value.amount;
        }
        sums
    };
    let stored = store.dataset().expect("dataset");
    assert_eq!(
        by_currency(&stored.projects),
        by_currency(&found.data.projects),
        "{file}: budgets stored against read"
    );
    assert!(
        found
            .warnings
            .iter()
            .all(|w| !w.path.to_string().contains("/budget[")),
        "{file}: no budget is skipped"
    );
}

/// The file imported into a fresh store holds, plus what its import skips
/// with a warning and the amount, exactly what it publishes, by what each
/// transaction becomes and currency; one record per transaction held, so
/// no amount is merged or counted twice; only zero values (and values with
/// no amount or currency to read) are skipped without an amount. Imported
/// again, nothing changes.
fn check(file: &str) {
    let (mut store, accounts) = account(file);
    let mut accounted = accounts.held.clone();
    for ((class, currency), amount) in &accounts.skipped {
        add(&mut accounted, class, *currency, *amount);
    }
    assert_eq!(
        nonzero(&accounted),
        nonzero(&accounts.published),
        "{file}: held plus skipped, against published"
    );
    assert_eq!(
        accounts.held_records + accounts.found.skipped.len(),
        accounts.nonzero,
        "{file}: records held plus amounts skipped, against transactions with an amount"
    );
    account_budgets(file, &store, &accounts.found);

    let known = known(&store, &[Format::Iati]).expect("known");
    let mut again = iati::read_str(&text(file), &known).expect(file);
    let applied = store.apply(again.batch(), "test", "again").expect(file);
    assert_eq!(
        (applied.inserted, applied.updated, applied.deleted),
        (0, 0, 0),
        "{file}: imported again"
    );
}

macro_rules! files {
    ($($name:ident => $file:literal,)*) => {
        $(
            #[test]
            fn $name() {
                check($file);
            }
        )*
        /// Every file of [`FILES`] has its test above.
        #[test]
        fn every_shared_file_is_accounted_for() {
            assert_eq!([$($file),*], FILES);
        }
    };
}

// `samples/organisation-standard-example-annotated.xml` is an IATI
// organisation file: it publishes no transaction.
files! {
    corpus_dportal_10 => "corpus/dportal_10.xml",
    corpus_dportal_111 => "corpus/dportal_111.xml",
    corpus_dportal_118 => "corpus/dportal_118.xml",
    corpus_dportal_134 => "corpus/dportal_134.xml",
    corpus_dportal_19 => "corpus/dportal_19.xml",
    corpus_dportal_21 => "corpus/dportal_21.xml",
    corpus_dportal_26 => "corpus/dportal_26.xml",
    corpus_dportal_45 => "corpus/dportal_45.xml",
    corpus_dportal_58 => "corpus/dportal_58.xml",
    corpus_dportal_68 => "corpus/dportal_68.xml",
    corpus_dportal_74 => "corpus/dportal_74.xml",
    corpus_dportal_8 => "corpus/dportal_8.xml",
    corpus_dportal_88 => "corpus/dportal_88.xml",
    sample_activity_01 => "samples/activity-01.xml",
    sample_activity_standard_example => "samples/activity-standard-example-annotated.xml",
    sample_maec_indonesia => "samples/MAEC_IATI_INDONESIA.xml",
    sample_dportal_115 => "samples/dportal_115.xml",
    sample_dportal_119 => "samples/dportal_119.xml",
}

/// The figures of the report: cash and pledges held as a share of what is
/// published, by currency; what is skipped, by cause; and the fallbacks.
/// `cargo test --test iati_accounting -- --ignored --nocapture` prints them.
#[test]
#[ignore = "prints the figures; the assertions are in the tests above"]
fn measure() {
    let mut published = Sums::new();
    let mut held = Sums::new();
    let mut causes: BTreeMap<String, (usize, Sums)> = BTreeMap::new();
    let (mut zero, mut unstated) = (0, 0);
    let mut fallbacks: BTreeMap<Code, usize> = BTreeMap::new();
    for file in FILES {
        let (_, accounts) = account(file);
        for ((class, currency), amount) in &accounts.published {
            add(&mut published, class, *currency, *amount);
        }
        for ((class, currency), amount) in &accounts.held {
            add(&mut held, class, *currency, *amount);
        }
        let paths: BTreeMap<String, Published> = published_by_path(file);
        for skipped in &accounts.found.skipped {
            let class = paths
                .get(&skipped.path)
                .and_then(|tx| tx.amount())
                .map_or_else(String::new, |(class, _, _)| class);
            let entry = causes.entry(cause(&accounts.found, skipped)).or_default();
            entry.0 += 1;
            add(
                &mut entry.1,
                &class,
                skipped.money.currency,
                skipped.money.amount,
            );
        }
        zero += accounts.zero;
        unstated += accounts.unstated;
        for w in &accounts.found.warnings {
            if matches!(
                w.code,
                Code::IatiCounterpartyFromRole | Code::IatiCounterpartyNotStated
            ) {
                *fallbacks.entry(w.code).or_default() += 1;
            }
        }
    }
    println!("| what | currency | published | held | held share |");
    println!("|---|---|---:|---:|---:|");
    for ((class, currency), amount) in &published {
        let kept = held
            .get(&(class.clone(), *currency))
            .copied()
            .unwrap_or_default();
        let share = if amount.is_zero() {
            "-".to_owned()
        } else {
            format!("{:.1}%", kept / amount * Decimal::ONE_HUNDRED)
        };
        println!("| {class} | {currency} | {amount} | {kept} | {share} |");
    }
    println!();
    println!("| skipped because | transactions | amounts |");
    println!("|---|---:|---|");
    for (why, (n, sums)) in &causes {
        let amounts: Vec<String> = sums
            .iter()
            .map(|((class, currency), a)| format!("{class} {currency} {a}"))
            .collect();
        println!("| {why} | {n} | {} |", amounts.join("; "));
    }
    println!("| zero | {zero} | |");
    println!("| no amount or currency to read | {unstated} | |");
    println!();
    for (code, n) in &fallbacks {
        println!("{code}: {n} transactions");
    }
}

fn published_by_path(file: &str) -> BTreeMap<String, Published> {
    published(&text(file))
        .into_iter()
        .map(|t| (t.path.clone(), t))
        .collect()
}

// --- The cases the corpus showed, each once, by itself.

/// An activity of `reporting` (XM-DAC-47066, IOM) with participating
/// organisations `(role, ref, name)` and `transactions`, in USD.
fn activity(identifier: &str, partners: &[(u8, &str, &str)], transactions: &str) -> String {
    let partners: String = partners
        .iter()
        .map(|(role, r, name)| {
            format!(
                "  <participating-org role=\"{role}\" ref=\"{r}\" type=\"10\"><narrative>{name}</narrative></participating-org>\n"
            )
        })
        .collect();
    format!(
        r#"<iati-activities version="2.03">
 <iati-activity default-currency="USD">
  <iati-identifier>{identifier}</iati-identifier>
  <reporting-org ref="XM-DAC-47066" type="40"><narrative>IOM</narrative></reporting-org>
  <title><narrative>A test activity</narrative></title>
  <description type="1"><narrative>What it does</narrative></description>
{partners}  <activity-status code="2"/>
  <activity-date iso-date="2020-01-01" type="2"/>
{transactions}
 </iati-activity>
</iati-activities>"#
    )
}

fn transaction(code: u8, value: &str, ends: &str) -> String {
    format!(
        "  <transaction><transaction-type code=\"{code}\"/><transaction-date iso-date=\"2020-03-01\"/><value>{value}</value>{ends}</transaction>\n"
    )
}

fn read(text: &str) -> Import {
    iati::read_str(text, &Dataset::new()).expect("reads")
}

fn warnings_with(found: &Import, code: Code) -> Vec<(String, String)> {
    found
        .warnings
        .iter()
        .filter(|w| w.code == code)
        .map(|w| (w.path.to_string(), w.message.clone()))
        .collect()
}

/// Imported into a fresh store; again, changing nothing; exported and read
/// back, equal; the export read back into the store, changing nothing.
fn round_trip(text: &str) -> Store {
    let mut store = Store::open(":memory:").expect("store");
    let first = read(text);
    store.import(first.data.clone(), "import").expect("stores");
    for again in [
        text.to_owned(),
        iati::write(&first.data, None).expect("writes"),
    ] {
        let known = known(&store, &[Format::Iati]).expect("known");
        let found = iati::read_str(&again, &known).expect("reads");
        let applied = store.import(found.data, "again").expect("stores");
        assert_eq!(
            (applied.inserted, applied.updated, applied.deleted),
            (0, 0, 0)
        );
    }
    let written = iati::write(&first.data, None).expect("writes");
    assert_eq!(read(&written).data, first.data, "read back from its export");
    store
}

const IMPLEMENTER: (u8, &str, &str) = (4, "XM-DAC-41114", "UNDP");
const FUNDER: (u8, &str, &str) = (1, "XM-DAC-701-2", "Japan");

#[test]
fn outgoing_money_without_a_receiver_goes_to_the_one_implementing_organisation() {
    let text = activity(
        "XM-DAC-47066-OUT",
        &[FUNDER, IMPLEMENTER],
        &[transaction(2, "1000", ""), transaction(3, "400", "")].concat(),
    );
    let found = read(&text);
    let iom = found
        .data
        .organisation_by_identifier("XM-DAC-47066")
        .expect("IOM");
    let undp = found
        .data
        .organisation_by_identifier("XM-DAC-41114")
        .expect("UNDP");
    let given: Vec<_> = found
        .data
        .contributions
        .iter()
        .map(|c| {
            (
                c.kind,
                c.donor,
                c.recipient,
                c.value.money().map(|m| m.to_string()),
            )
        })
        .collect();
    assert_eq!(
        given,
        [
            (
                ContributionKind::Pledge,
                iom.id,
                undp.id,
                Some("USD 1000".to_owned())
            ),
            (
                ContributionKind::Cash,
                iom.id,
                undp.id,
                Some("USD 400".to_owned())
            ),
        ]
    );
    let at = "/iati-activities/iati-activity[1]";
    let fallbacks = warnings_with(&found, Code::IatiCounterpartyFromRole);
    assert_eq!(
        fallbacks
            .iter()
            .map(|(p, _)| p.as_str())
            .collect::<Vec<_>>(),
        [
            format!("{at}/transaction[1]"),
            format!("{at}/transaction[2]")
        ]
    );
    assert!(fallbacks[0].1.contains("\"UNDP\""), "{}", fallbacks[0].1);
    assert!(found.skipped.is_empty());
    round_trip(&text);
}

#[test]
fn incoming_money_without_a_provider_comes_from_the_one_funding_organisation() {
    let text = activity("XM-DAC-47066-IN", &[FUNDER], &transaction(1, "250", ""));
    let found = read(&text);
    let japan = found
        .data
        .organisation_by_identifier("XM-DAC-701-2")
        .expect("Japan");
    let iom = found
        .data
        .organisation_by_identifier("XM-DAC-47066")
        .expect("IOM");
    let gift = &found.data.contributions[0];
    assert_eq!((gift.donor, gift.recipient), (japan.id, iom.id));
    assert_eq!(
        warnings_with(&found, Code::IatiCounterpartyFromRole).len(),
        1
    );
    round_trip(&text);
}

#[test]
fn without_one_organisation_in_the_role_the_end_is_the_activitys_not_stated_organisation() {
    let second = (4, "XM-DAC-41122", "UNICEF");
    // Two implementers: no receiver follows; no funder: no provider does;
    // IOM implementing its own activity is no receiver of its own money.
    let text = [
        activity(
            "XM-DAC-47066-TWO",
            &[IMPLEMENTER, second],
            &[
                transaction(3, "100", ""),
                transaction(4, "-20", ""),
                transaction(1, "70", ""),
            ]
            .concat(),
        ),
        activity(
            "XM-DAC-47066-SELF",
            &[(4, "XM-DAC-47066", "IOM")],
            &transaction(4, "5", ""),
        ),
    ]
    .map(|a| {
        a.replace("<iati-activities version=\"2.03\">", "")
            .replace("</iati-activities>", "")
    })
    .concat();
    let text = format!("<iati-activities version=\"2.03\">{text}</iati-activities>");
    let found = read(&text);
    let named = |name: &str| {
        found
            .data
            .organisation_named(name)
            .unwrap_or_else(|| panic!("no {name}"))
    };
    let receiver = named("Receiver not stated in XM-DAC-47066-TWO");
    let provider = named("Provider not stated in XM-DAC-47066-TWO");
    let own = named("Receiver not stated in XM-DAC-47066-SELF");
    assert_eq!(receiver.not_stated(), Some(TransactionEnd::Receiver));
    assert_eq!(provider.not_stated(), Some(TransactionEnd::Provider));
    assert_eq!(
        receiver.identifiers,
        [Identifier::not_stated(
            TransactionEnd::Receiver,
            "XM-DAC-47066-TWO"
        )]
    );
    let iom = named("IOM");
    let ends: Vec<_> = found
        .data
        .contributions
        .iter()
        .map(|c| (c.donor, c.recipient))
        .collect();
    // One organisation per activity and end, whatever the transactions.
    assert_eq!(
        ends,
        [
            (iom.id, receiver.id),
            (iom.id, receiver.id),
            (provider.id, iom.id),
            (iom.id, own.id)
        ]
    );
    assert_eq!(found.data.organisations.len(), 6);
    assert_eq!(
        warnings_with(&found, Code::IatiCounterpartyNotStated).len(),
        4
    );
    // An export leaves the ends out again, and reads back the same.
    let written = iati::write(&found.data, None).expect("writes");
    assert!(!written.contains("not stated"), "{written}");
    assert_eq!(written.matches("<receiver-org").count(), 1, "{written}");
    assert_eq!(written.matches("<provider-org").count(), 3, "{written}");
    round_trip(&text);
}

#[test]
fn a_transfer_within_one_organisation_is_skipped_with_its_amount() {
    let iom = "<provider-org ref=\"XM-DAC-47066\"/><receiver-org ref=\"XM-DAC-47066\"/>";
    let text = activity("XM-DAC-47066-SAME", &[], &transaction(1, "12.5", iom));
    let found = read(&text);
    assert!(found.data.contributions.is_empty());
    let [skipped] = found.skipped.as_slice() else {
        panic!("{:?}", found.skipped);
    };
    assert_eq!(
        (
            skipped.path.as_str(),
            skipped.money.to_string(),
            skipped.code
        ),
        (
            "/iati-activities/iati-activity[1]/transaction[1]",
            "USD 12.5".to_owned(),
            Code::IatiUnsupported
        )
    );
    let [(_, message)] = warnings_with(&found, Code::IatiUnsupported)
        .try_into()
        .expect("one");
    assert!(message.ends_with("its USD 12.5 is skipped"), "{message}");
}

#[test]
fn amounts_keep_the_publishers_precision_everywhere() {
    // Sida converts from kronor and writes ten decimals of a dollar:
    // 199593.9043348597 USD, disbursed to the one implementing partner.
    let (store, accounts) = account("corpus/dportal_45.xml");
    assert!(accounts.found.skipped.is_empty());
    let data = store.dataset().expect("dataset");
    let precise = Money::parse("199593.9043348597", "USD").expect("money");
    let (row, held) = data
        .contributions
        .iter()
        .enumerate()
        .find(|(_, c)| c.value.money() == Some(&precise))
        .expect("the amount is held as published");
    assert_eq!(
        held.value.money().map(|m| m.amount.to_string()).as_deref(),
        Some("199593.9043348597")
    );
    // Arrow, CSV, JSON and IATI give it back to the last decimal.
    let table = partnercrm::query::tables::table(&data, "contributions").expect("table");
    let column = table.column_by_name("amount").expect("amount");
    let arrow_schema::DataType::Decimal128(38, scale) = *column.data_type() else {
        panic!("{:?}", column.data_type());
    };
    assert!(scale >= 10, "{scale}");
    let cells = column
        .as_any()
        .downcast_ref::<arrow_array::Decimal128Array>()
        .expect("decimal");
    let cell = partnercrm::model::exact::parse(&cells.value_as_string(row)).expect("cell");
    assert_eq!(cell, precise.amount);
    let csv = partnercrm::io::csv::write_table(&table).expect("csv");
    let csv_cell = format!(",{},", cells.value_as_string(row));
    assert!(csv.contains(&csv_cell), "the CSV cell {csv_cell}");
    let json = partnercrm::io::json::to_string(&data).expect("json");
    assert!(json.contains("\"199593.9043348597\""), "the JSON amount");
    let project = held.project.expect("project");
    let xml = iati::write(&data, Some(&[project])).expect("iati");
    assert!(xml.contains(">199593.9043348597</value>"), "the IATI value");
    let rolled = partnercrm::query::rollup::rollup(
        &Dataset {
            contributions: vec![held.clone()],
            ..data.clone()
        },
        &[],
        None,
    )
    .expect("rolls up");
    assert_eq!(rolled.rows[0].received, Some(precise.amount));
}

#[test]
fn negative_transactions_are_reversals_that_net_against_their_kind() {
    let receiver = "<receiver-org ref=\"XM-DAC-41114\"><narrative>UNDP</narrative></receiver-org>";
    let text = activity(
        "XM-DAC-47066-REV",
        &[(2, "XM-DAC-47066", "IOM")],
        &[
            transaction(2, "1000", receiver),
            transaction(2, "-200", receiver),
            transaction(3, "500", receiver),
            transaction(3, "-50.25", receiver),
        ]
        .concat(),
    );
    let found = read(&text);
    let amounts: Vec<String> = found
        .data
        .contributions
        .iter()
        .map(|c| c.value.money().map(|m| m.to_string()).unwrap_or_default())
        .collect();
    assert_eq!(amounts, ["USD 1000", "USD -200", "USD 500", "USD -50.25"]);
    assert!(found.data.contributions[1].is_reversal());
    assert!(found.warnings.is_empty(), "{:?}", found.warnings);
    let store = round_trip(&text);
    let totals = partnercrm::query::rollup::rollup(
        &store.dataset().expect("dataset"),
        &[partnercrm::query::rollup::Dimension::Kind],
        None,
    )
    .expect("rolls up");
    let net: Vec<(String, Option<Decimal>, Option<Decimal>)> = totals
        .rows
        .iter()
        .map(|r| (r.key[0].to_string(), r.pledged, r.received))
        .collect();
    assert_eq!(
        net,
        [
            (
                "cash".to_owned(),
                Some(Decimal::ZERO),
                Some(Decimal::from_str_exact("449.75").expect("dec"))
            ),
            (
                "pledge".to_owned(),
                Some(Decimal::from(800)),
                Some(Decimal::ZERO)
            ),
        ]
    );
    // The export writes the reversal as published.
    let written = iati::write(&found.data, None).expect("writes");
    assert!(written.contains(">-200</value>") && written.contains(">-50.25</value>"));
}

#[test]
fn every_reversal_a_file_publishes_is_held() {
    // USAID publishes 17 negative values; none is dropped.
    let file = "corpus/dportal_68.xml";
    let (store, _) = account(file);
    let published: Vec<Decimal> = published(&text(file))
        .iter()
        .filter_map(|tx| tx.amount())
        .map(|(_, _, amount)| amount)
        .filter(|a| a.is_sign_negative() && !a.is_zero())
        .collect();
    let held: Vec<Decimal> = store
        .dataset()
        .expect("dataset")
        .contributions
        .iter()
        .filter(|c| c.is_reversal())
        .filter_map(|c| c.value.money().map(|m| m.amount))
        .collect();
    assert_eq!(published.len(), 17);
    assert_eq!(held.len(), published.len());
    assert_eq!(
        held.iter().sum::<Decimal>(),
        published.iter().sum::<Decimal>()
    );
}
