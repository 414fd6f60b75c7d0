//! CSV import and export: every bad cell reported, nothing half-imported,
//! the same file twice changes nothing, formulas neutralised.

use std::collections::HashMap;

use partnercrm::Error;
use partnercrm::io::csv::{
    CsvKind, CsvOptions, MAX_CELL_BYTES, MAX_COLUMNS, read, read_contributions, read_organisations,
    write_table,
};
use partnercrm::io::json;
use partnercrm::model::*;
use partnercrm::query::tables::table;
use partnercrm::store::{Batch, Store};
use partnercrm::validate::Code;

const SEED: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../examples/data/iom_partnerships.json"
);

fn seed() -> Dataset {
    json::read(SEED).expect("seed")
}

fn options(file: &str) -> CsvOptions {
    CsvOptions {
        file: file.to_owned(),
        ..CsvOptions::default()
    }
}

const GIFTS: &str = "donor,recipient,kind,amount,currency,received_on,project
Chevron,IOM Angola,cash,850000,USD,2004,Community Revitalization Program
XM-DAC-47066,IOM Pakistan,cash,1000.50,CHF,2010-03-02,
UBS,IOM Indonesia,in_kind,,,2006,
UBS,IOM Indonesia,in_kind,,,2006,
";

#[test]
fn the_documented_columns_import_as_is_with_stable_ids() {
    let data = seed();
    let gifts = read_contributions(GIFTS, &options("gifts.csv"), &data, None).expect("imports");
    assert_eq!(gifts.len(), 4);
    assert_eq!(
        gifts[0].donor,
        data.organisation_named("Chevron").expect("Chevron").id
    );
    assert_eq!(
        gifts[0].value,
        ContributionValue::actual(Money::parse("850000", "USD").expect("money"))
    );
    assert_eq!(
        gifts[1].donor,
        data.organisation_named("IOM").expect("IOM").id,
        "found by its IATI org-id"
    );
    assert_eq!(gifts[2].value, ContributionValue::Unknown);
    assert_ne!(gifts[2].id, gifts[3].id, "two identical rows are two gifts");
    let again = read_contributions(GIFTS, &options("renamed.csv"), &data, None).expect("imports");
    assert_eq!(gifts, again, "the same rows give the same ids");
}

#[test]
fn importing_the_same_file_twice_into_a_store_changes_nothing() {
    let mut store = Store::in_memory().expect("store");
    store.import(seed(), "test").expect("seed");
    let known = store.dataset().expect("reads");
    let gifts = read_contributions(GIFTS, &options("gifts.csv"), &known, None).expect("reads");
    let batch = || {
        Batch::upsert_all(Dataset {
            contributions: gifts.clone(),
            ..Dataset::default()
        })
    };
    assert_eq!(
        store
            .apply(batch(), "test", "csv")
            .expect("imports")
            .inserted,
        4
    );
    let second = store.apply(batch(), "test", "csv again").expect("imports");
    assert_eq!(
        (second.inserted, second.unchanged, second.revision),
        (0, 4, None)
    );
}

#[test]
fn every_bad_cell_is_reported_with_file_line_and_column() {
    let text = "donor,recipient,kind,amount,currency,received_on,project
Nobody Inc,IOM Angola,cash,10,USD,2004,
Chevron,IOM Angola,gift,ten,USD,2004-13,
Chevron,IOM Angola,cash,10,XYZ,2004,No such project
Chevron,IOM Angola
";
    let err = read_contributions(text, &options("bad.csv"), &seed(), None).expect_err("bad rows");
    let Error::Invalid(report) = err else {
        panic!("expected problems")
    };
    let found: Vec<(String, Code)> = report
        .problems()
        .iter()
        .map(|p| (p.path.to_string(), p.code))
        .collect();
    assert_eq!(
        found,
        [
            ("bad.csv[2].donor".to_owned(), Code::CsvUnknownReference),
            ("bad.csv[3].kind".to_owned(), Code::CsvInvalidValue),
            ("bad.csv[3].amount".to_owned(), Code::CsvInvalidValue),
            ("bad.csv[3].received_on".to_owned(), Code::CsvInvalidValue),
            ("bad.csv[4].currency".to_owned(), Code::CsvInvalidValue),
            ("bad.csv[4].project".to_owned(), Code::CsvUnknownReference),
            ("bad.csv[5].*".to_owned(), Code::CsvMalformedRow),
        ]
    );
}

#[test]
fn headers_can_be_mapped_and_missing_columns_are_named() {
    let text = "Geber,Empfänger,Art\nChevron,IOM Angola,cash\n";
    let err = read_contributions(text, &options("de.csv"), &seed(), None).expect_err("unmapped");
    let Error::Invalid(report) = err else {
        panic!("expected problems")
    };
    // Each required column is missing, and each unmapped one unknown.
    let codes: Vec<(String, Code)> = report
        .problems()
        .iter()
        .map(|p| (p.path.to_string(), p.code))
        .collect();
    assert_eq!(
        codes,
        [
            ("de.csv[1].geber".to_owned(), Code::CsvUnknownColumn),
            ("de.csv[1].empfänger".to_owned(), Code::CsvUnknownColumn),
            ("de.csv[1].art".to_owned(), Code::CsvUnknownColumn),
            ("de.csv[1].donor".to_owned(), Code::CsvMissingColumn),
            ("de.csv[1].recipient".to_owned(), Code::CsvMissingColumn),
            ("de.csv[1].kind".to_owned(), Code::CsvMissingColumn),
        ]
    );
    let mapping = [
        ("Geber", "donor"),
        ("Empfänger", "recipient"),
        ("Art", "kind"),
    ]
    .into_iter()
    .map(|(a, b)| (a.to_owned(), b.to_owned()))
    .collect();
    let mapped = CsvOptions {
        file: "de.csv".into(),
        mapping,
        ..CsvOptions::default()
    };
    assert_eq!(
        read_contributions(text, &mapped, &seed(), None)
            .expect("mapped")
            .len(),
        1
    );
}

#[test]
fn ambiguous_names_are_refused() {
    let mut data = seed();
    let mut twin = Organisation::new("Chevron Asia", OrganisationKind::PrivateCompany);
    twin.aliases.push("Chevron".into());
    data.organisations.push(twin);
    let err = read_contributions(
        "donor,recipient,kind\nChevron,IOM Angola,cash\n",
        &options("x.csv"),
        &data,
        None,
    )
    .expect_err("two");
    let Error::Invalid(report) = err else {
        panic!("expected problems")
    };
    assert_eq!(report.problems()[0].code, Code::CsvAmbiguousReference);
}

#[test]
fn organisations_import_with_parents_and_keep_known_ids() {
    let data = seed();
    let text = "name,kind,acronym,aliases,country,parent,iati_org_id
Oxfam GB,ngo_cso,,Oxfam Great Britain;Oxfam,GB,,GB-CHC-202918
Oxfam GB Kenya,country_office,,,KE,Oxfam GB,
World Bank,igo,,,,,
";
    let orgs = read_organisations(text, &options("orgs.csv"), &data, None).expect("imports");
    assert_eq!(orgs[1].parent, Some(orgs[0].id));
    assert_eq!(
        orgs[2].id,
        data.organisation_named("World Bank").expect("known").id,
        "known by its natural key"
    );
    assert_eq!(
        read_organisations(text, &options("orgs.csv"), &data, None).expect("again"),
        orgs
    );
}

#[test]
fn progress_is_reported() {
    let mut seen = Vec::new();
    let mut report = |rows: usize| seen.push(rows);
    read_contributions(GIFTS, &options("gifts.csv"), &seed(), Some(&mut report)).expect("imports");
    assert_eq!(seen.last(), Some(&4));
}

#[test]
fn exports_neutralise_formulas_and_round_trip_values() {
    let mut data = seed();
    data.organisations[0].description = Some("=HYPERLINK(\"http://evil\")".into());
    data.organisations[1].description = Some("@SUM(A1)".into());
    let csv = write_table(&table(&data, "organisations").expect("table")).expect("writes");
    assert!(csv.contains("'=HYPERLINK"), "{csv}");
    assert!(csv.contains("'@SUM(A1)"));
    assert!(!csv.contains(",=HYPERLINK"));
    let amounts = write_table(&table(&seed(), "contributions").expect("table")).expect("writes");
    assert!(amounts.contains("850000.0000"));
}

/// A store holding the seed data set, and what its CSV files may name.
fn seeded_store() -> Store {
    let mut store = Store::in_memory().expect("store");
    store.import(seed(), "test").expect("seed imports");
    store
}

/// Imports one file of `kind` into `store`, as the bindings and the CLI do.
fn import(store: &mut Store, kind: CsvKind, file: &str, text: &str) -> partnercrm::Result<usize> {
    let known = partnercrm::io::known(store, &[partnercrm::io::Format::Csv(kind)])?;
    let new = read(kind, text, &options(file), &known)?;
    let applied = store.apply(Batch::upsert_all(new), "test", file)?;
    Ok(applied.inserted + applied.updated)
}

const PROJECTS: &str = "title,acronym,countries,sectors,start,end,status,lead_office,parent,funding,implementing,themes
Safe Migration Awareness,SMA,UA;PL,15190,2024-01,2025-12,implementation,IOM Ukraine,,World Bank;Government of Italy,IOM Ukraine,counter-trafficking;labour migration
SMA phase II,,UA,,2026,,pipeline,,Safe Migration Awareness,,,
";

#[test]
fn projects_import_with_partners_parents_and_codes() {
    let mut store = seeded_store();
    assert_eq!(
        import(&mut store, CsvKind::Projects, "projects.csv", PROJECTS).expect("imports"),
        2
    );
    let sma = store
        .find_by_name::<Project>("SMA")
        .expect("find")
        .remove(0);
    assert_eq!(sma.countries.len(), 2);
    assert_eq!(sma.sectors[0].to_string(), "15190");
    assert_eq!(sma.period.start, PartialDate::month(2024, 1));
    assert_eq!(sma.status, Some(ProjectStatus::Implementation));
    assert_eq!(sma.themes, ["counter-trafficking", "labour migration"]);
    let funders: Vec<_> = sma
        .partners
        .iter()
        .filter(|p| p.role == ProjectRole::Funding)
        .collect();
    assert_eq!(funders.len(), 2);
    let phase_two = store
        .find_by_name::<Project>("SMA phase II")
        .expect("find")
        .remove(0);
    assert_eq!(
        phase_two.parent,
        Some(sma.id),
        "names a project earlier in the file"
    );
    assert_eq!(
        import(&mut store, CsvKind::Projects, "projects.csv", PROJECTS).expect("again"),
        0,
        "the same file twice changes nothing"
    );
}

#[test]
fn agreements_people_indicators_groups_memberships_and_notes_import() {
    let mut store = seeded_store();
    import(&mut store, CsvKind::Projects, "projects.csv", PROJECTS).expect("projects");
    let files = [
        (
            CsvKind::Agreements,
            "agreements.csv",
            "title,kind,parties,signed,start,end,status,projects
SMA cooperation,mou,IOM Ukraine=signatory|implementer;World Bank=signatory|donor,2024-01-15,2024-02,2026-01,active,SMA
",
        ),
        (
            CsvKind::People,
            "people.csv",
            "name,organisation,title,from,email
Olena Petrenko,IOM Ukraine,Project officer,2024-01,olena@example.org
",
        ),
        (
            CsvKind::Indicators,
            "indicators.csv",
            "project,indicator,unit,observation,value,qualifier,from,to,comment
SMA,People reached,people,baseline,0,,2023,2023,
SMA,People reached,people,target,600000,,2024,2025,
SMA,People reached,people,actual,612000,more_than,2024,2025,survey
",
        ),
        (
            CsvKind::Groups,
            "groups.csv",
            "name,kind,acronym,parent,from,purpose
Working Group on Safe Migration,working_group,WGSM,Geneva Migration Group,2024,Share what works
",
        ),
        (
            CsvKind::Notes,
            "notes.csv",
            "kind,text,date,organisations,people,projects
quote,\"We reached more people than we planned.\",2025-06,IOM Ukraine,Olena Petrenko,SMA
",
        ),
    ];
    for (kind, file, text) in files {
        assert!(
            import(&mut store, kind, file, text).expect(file) > 0,
            "{file}"
        );
    }
    let memberships = "group,organisation,role,from,to
WGSM,IOM Ukraine,chair,2024,2025
WGSM,World Bank,member,2024,
WGSM,IOM Ukraine,member,2024,
";
    import(&mut store, CsvKind::Memberships, "seats.csv", memberships).expect("seats");

    let agreement = store
        .find_by_name::<Agreement>("SMA cooperation")
        .expect("find")
        .remove(0);
    assert_eq!(agreement.parties.len(), 2);
    assert_eq!(
        agreement.parties[1].roles,
        [PartyRole::Signatory, PartyRole::Donor]
    );
    assert_eq!(agreement.projects.len(), 1);
    let person = store
        .find_by_name::<Person>("Olena Petrenko")
        .expect("find")
        .remove(0);
    assert_eq!(
        person.affiliations[0].title.as_deref(),
        Some("Project officer")
    );
    let indicators = store.all::<Indicator>().expect("all");
    let reached = indicators
        .iter()
        .find(|i| i.title == "People reached")
        .expect("built");
    assert_eq!(
        reached.baseline.as_ref().map(|b| b.value),
        Some(Some(0.into()))
    );
    assert_eq!(reached.targets[0].value, Some(600_000.into()));
    assert_eq!(reached.actuals[0].qualifier, Qualifier::MoreThan);
    let group = store.find_by_name::<Group>("WGSM").expect("find").remove(0);
    assert!(group.parent.is_some());
    assert_eq!(group.memberships.len(), 2);
    assert_eq!(group.chairs.len(), 1);
    let notes = store.all::<Note>().expect("all");
    let quote = notes
        .iter()
        .find(|n| n.text.starts_with("We reached"))
        .expect("quote");
    assert_eq!(quote.links.people, [person.id]);

    // Every file again: nothing changes, memberships included.
    for (kind, file, text) in files {
        assert_eq!(
            import(&mut store, kind, file, text).expect(file),
            0,
            "{file}"
        );
    }
    assert_eq!(
        import(&mut store, CsvKind::Memberships, "seats.csv", memberships).expect("again"),
        0
    );
}

#[test]
fn bad_rows_of_every_kind_are_all_reported() {
    let store = seeded_store();
    let every_kind: Vec<partnercrm::io::Format> =
        CsvKind::ALL.map(partnercrm::io::Format::Csv).to_vec();
    let known = partnercrm::io::known(&store, &every_kind).expect("known");
    let cases = [
        (
            CsvKind::Projects,
            "title,countries,status,parent\nA,XX,running,Nowhere\n",
            3,
        ),
        (
            CsvKind::Agreements,
            "title,kind,parties\nB,treaty,Nobody=boss\n",
            3,
        ),
        (
            CsvKind::Indicators,
            "project,indicator,unit,observation,value\nPraesidium,X,people,guess,ten\n",
            2,
        ),
        (
            CsvKind::Memberships,
            "group,organisation,role\nGeneva Migration Group,Nobody,king\n",
            2,
        ),
        (CsvKind::Notes, "kind,text,date\nrumour,,someday\n", 3),
        (CsvKind::People, "name,organisation,from\n,Nobody,soon\n", 3),
    ];
    for (kind, text, expected) in cases {
        let err = read(kind, text, &options("bad.csv"), &known).expect_err(kind.as_str());
        let Error::Invalid(report) = err else {
            panic!("{kind}: expected problems, got {err}")
        };
        assert_eq!(report.problems().len(), expected, "{kind}: {report}");
        assert!(
            report
                .problems()
                .iter()
                .all(|p| p.path.to_string().starts_with("bad.csv[2].")),
            "{kind}: {report}"
        );
    }
}

#[test]
fn an_indicator_whose_rows_disagree_is_refused() {
    let text = "project,indicator,unit,observation,value
Praesidium,People assisted,people,target,100
Praesidium,People assisted,households,actual,90
Praesidium,People assisted,people,baseline,1
Praesidium,People assisted,people,baseline,2
";
    let err = read(CsvKind::Indicators, text, &options("i.csv"), &seed()).expect_err("disagrees");
    let Error::Invalid(report) = err else {
        panic!("{err}")
    };
    let paths: Vec<_> = report
        .problems()
        .iter()
        .map(|p| p.path.to_string())
        .collect();
    assert_eq!(paths, ["i.csv[3].unit", "i.csv[5].observation"]);
}

#[test]
fn the_kind_of_a_file_is_inferred_from_its_header_when_only_one_fits() {
    let infer = |h: &str| CsvKind::from_columns(&h.split(',').collect::<Vec<_>>());
    assert_eq!(
        infer("donor,recipient,kind,amount"),
        Some(CsvKind::Contributions)
    );
    assert_eq!(infer("group,organisation,role"), Some(CsvKind::Memberships));
    assert_eq!(
        infer("project,indicator,unit,observation,value"),
        Some(CsvKind::Indicators)
    );
    assert_eq!(infer("title,kind,parties"), Some(CsvKind::Agreements));
    assert_eq!(infer("kind,text"), Some(CsvKind::Notes));
    assert_eq!(infer("Title,countries"), Some(CsvKind::Projects));
    assert_eq!(infer("name,organisation,email"), Some(CsvKind::People));
    assert_eq!(infer("name,kind,iati_org_id"), Some(CsvKind::Organisations));
    assert_eq!(infer("name,kind,purpose"), Some(CsvKind::Groups));
    assert_eq!(infer("amount,currency"), None);
    let mapped = CsvOptions {
        file: "de.csv".into(),
        mapping: HashMap::from([("Geber".to_owned(), "donor".to_owned())]),
        ..CsvOptions::default()
    };
    let inferred = CsvKind::infer(" Geber ,Recipient,kind\n", &mapped).expect("header");
    assert_eq!(inferred, Some(CsvKind::Contributions), "after the mapping");
    for kind in CsvKind::ALL {
        assert_eq!(kind.as_str().parse::<CsvKind>().expect("parses"), kind);
        // A file with just the required columns and no rows reads; one
        // without any of them is refused for that column alone.
        let required = kind.required_columns();
        let known = Dataset::new();
        read(
            kind,
            &(required.join(",") + "\n"),
            &options("r.csv"),
            &known,
        )
        .expect("reads");
        for missing in required {
            let rest: Vec<_> = required.iter().filter(|c| *c != missing).copied().collect();
            let text = rest.join(",") + ",other\n";
            let Err(Error::Invalid(report)) = read(kind, &text, &options("r.csv"), &known) else {
                panic!("{kind} without {missing} was read")
            };
            let codes: Vec<(String, Code)> = report
                .problems()
                .iter()
                .map(|p| (p.path.to_string(), p.code))
                .collect();
            assert_eq!(
                codes,
                [
                    ("r.csv[1].other".to_owned(), Code::CsvUnknownColumn),
                    (format!("r.csv[1].{missing}"), Code::CsvMissingColumn)
                ],
                "{kind}"
            );
        }
    }
}

#[test]
fn a_large_file_read_in_parallel_locates_problems_like_a_small_one() {
    // Quoted line breaks in descriptions, and bad rows scattered through
    // chunks: every problem keeps its true line.
    let mut text = String::from("donor,recipient,kind,amount,currency,received_on,description\n");
    let mut line = 2;
    let mut bad_lines = Vec::new();
    for i in 0..40_000 {
        if i % 9_999 == 0 {
            text.push_str("Chevron,IOM Angola,cash,1,USD,2004-13,\"bad\nmonth\"\n");
            bad_lines.push(line);
            line += 2;
        } else {
            text.push_str("Chevron,IOM Angola,cash,1,USD,2004,\"two\nlines, \"\"quoted\"\"\"\n");
            line += 2;
        }
    }
    assert!(text.len() > 1 << 20, "large enough to be read in parallel");
    let err = read_contributions(&text, &options("big.csv"), &seed(), None).expect_err("bad rows");
    let Error::Invalid(report) = err else {
        panic!("{err}")
    };
    let lines: Vec<String> = report
        .problems()
        .iter()
        .map(|p| p.path.to_string())
        .collect();
    let expected: Vec<String> = bad_lines
        .iter()
        .map(|l| format!("big.csv[{l}].received_on"))
        .collect();
    assert_eq!(lines, expected);

    let good = text.replace("2004-13", "2004-12");
    let mut seen = Vec::new();
    let gifts = read_contributions(
        &good,
        &options("big.csv"),
        &seed(),
        Some(&mut |n| seen.push(n)),
    )
    .expect("reads");
    assert_eq!(gifts.len(), 40_000);
    assert_eq!(seen.last(), Some(&40_000));
    assert!(seen.windows(2).all(|w| w[0] < w[1]), "progress only grows");
    assert_eq!(
        gifts[1].description.as_deref(),
        Some("two\nlines, \"quoted\"")
    );
    let ids: std::collections::HashSet<_> = gifts.iter().map(|g| g.id).collect();
    assert_eq!(ids.len(), gifts.len(), "identical rows get distinct ids");
    let again = read_contributions(&good, &options("big.csv"), &seed(), None).expect("again");
    assert_eq!(again, gifts, "the same file gives the same records");
}

#[test]
fn oversized_cells_and_headers_are_refused() {
    let long = "x".repeat(MAX_CELL_BYTES + 1);
    let text = format!("donor,recipient,kind,description\nChevron,IOM Angola,cash,{long}\n");
    let err = read_contributions(&text, &options("long.csv"), &seed(), None).expect_err("too long");
    let Error::Invalid(report) = err else {
        panic!("{err}")
    };
    assert_eq!(report.problems()[0].code, Code::CsvLimit);
    assert_eq!(
        report.problems()[0].path.to_string(),
        "long.csv[2].description"
    );

    let header = (0..=MAX_COLUMNS)
        .map(|i| format!("c{i}"))
        .collect::<Vec<_>>()
        .join(",");
    let err = read(CsvKind::Notes, &header, &options("wide.csv"), &seed()).expect_err("too wide");
    assert!(matches!(err, Error::Limit { .. }), "{err}");
}

/// Where an unclosed quote was found: the error's line and column.
fn unclosed_quote(result: partnercrm::Result<Dataset>) -> (usize, usize) {
    match result {
        Err(Error::Csv {
            line,
            column,
            message,
        }) => {
            assert!(message.contains("never closed"), "{message}");
            (line, column)
        }
        other => panic!("expected an unclosed quote, got {other:?}"),
    }
}

#[test]
fn a_quote_the_file_ends_inside_is_refused_where_it_opens() {
    let data = seed();
    let read_as = |kind: CsvKind, text: &str| read(kind, text, &options("open.csv"), &data);
    // In the last cell: the csv crate alone reads `"ngo_cso\n` as ngo_cso.
    assert_eq!(
        unclosed_quote(read_as(
            CsvKind::Organisations,
            "name,kind\nA,ngo_cso\nB,\"ngo_cso\n"
        )),
        (3, 3)
    );
    // Earlier, it swallows every line after it into one cell.
    let text = "donor,recipient,kind,description\nChevron,IOM Angola,cash,\"one\n\
                UBS,IOM Indonesia,in_kind,two\nUBS,IOM Indonesia,in_kind,three\n";
    assert_eq!(
        unclosed_quote(read_as(CsvKind::Contributions, text)),
        (2, 25)
    );
    // In the header, and after a byte-order mark, which is not a column.
    assert_eq!(
        unclosed_quote(read_as(CsvKind::Projects, "\u{feff}\"title\nA\n")),
        (1, 1)
    );
    assert_eq!(
        CsvKind::infer("name,\"kind\nA,ngo_cso\n", &options("open.csv")).map_err(|e| e.to_string()),
        Err(
            "invalid CSV at line 1, column 6: this quote opens a cell that is never closed: \
             the file ends inside it (a quote inside a quoted cell is written twice, \"\")"
                .to_owned()
        )
    );
    // Every kind refuses it.
    for kind in CsvKind::ALL {
        let mut text = kind.required_columns().join(",");
        text.push_str("\n\"x");
        assert_eq!(unclosed_quote(read_as(kind, &text)), (2, 1), "{kind}");
    }
    // Closed quotes, escaped ones, and a quote inside a cell are fine.
    let fine = "name,kind,description\n\"A, \"\"B\"\"\",ngo_cso,\"x\ny\"\nC\"D,ngo_cso,\"\"\n";
    let read = read_as(CsvKind::Organisations, fine).expect("reads");
    assert_eq!(read.organisations[0].name, "A, \"B\"");
    assert_eq!(read.organisations[1].name, "C\"D");
}

#[test]
fn a_large_file_read_in_parallel_refuses_a_quote_it_ends_inside() {
    let header = "donor,recipient,kind,amount,currency,received_on,description\n";
    let row = "Chevron,IOM Angola,cash,1,USD,2004,\"two\nlines, \"\"quoted\"\"\"\n";
    let rows = 30_000;
    let mut text = String::from(header);
    for _ in 0..rows {
        text.push_str(row);
    }
    assert!(text.len() > 1 << 20, "large enough to be read in parallel");
    let data = seed();
    let read_big = |text: &str| {
        read_contributions(text, &options("big.csv"), &data, None).map(|contributions| {
            let mut data = Dataset::new();
            data.contributions = contributions;
            data
        })
    };
    assert_eq!(read_big(&text).expect("reads").contributions.len(), rows);
    // The last row opens a quote and the file ends: line 2 + 2 × 30,000.
    let mut open_at_end = text.clone();
    open_at_end.push_str("Chevron,IOM Angola,cash,1,USD,2004,\"never closed\n");
    assert_eq!(unclosed_quote(read_big(&open_at_end)), (2 + 2 * rows, 36));
    // Opened in the first rows: no chunk can end after it.
    let lines_before = 1 + 2 * 100;
    let split = header.len() + 100 * row.len();
    let open_early = format!(
        "{}Chevron,IOM Angola,cash,1,USD,2004,\"never closed\n{}",
        &text[..split],
        &text[split..].replace('"', "")
    );
    assert_eq!(
        unclosed_quote(read_big(&open_early)),
        (lines_before + 1, 36)
    );
}
