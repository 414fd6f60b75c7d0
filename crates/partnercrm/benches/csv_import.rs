//! The core of the CSV import benchmark, without Python: parse and resolve
//! generated contributions, then validate the data set they join.
//!
//! ```sh
//! cargo bench -p partnercrm --bench csv_import            # 1,000,000 rows
//! cargo bench -p partnercrm --bench csv_import -- 200000
//! ```

use std::time::Instant;

use partnercrm::io::csv::{CsvOptions, read_contributions};
use partnercrm::model::{ContributionKind, Dataset};
use partnercrm::synthetic::{Spec, generate};

fn main() {
    let size: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.replace('_', "").parse().ok())
        .unwrap_or(1_000_000);
    let mut data = generate(&Spec::new(size));
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer
        .write_record([
            "donor",
            "recipient",
            "kind",
            "amount",
            "currency",
            "received_on",
            "project",
        ])
        .expect("header");
    let names: std::collections::HashMap<_, _> = data
        .organisations
        .iter()
        .map(|o| (o.id, o.name.clone()))
        .collect();
    let titles: std::collections::HashMap<_, _> = data
        .projects
        .iter()
        .map(|p| (p.id, p.title.clone()))
        .collect();
    for c in data
        .contributions
        .iter()
        .filter(|c| c.kind != ContributionKind::Pledge)
    {
        let name = |id| names.get(&id).cloned().unwrap_or_default();
        let money = c.value.money();
        writer
            .write_record([
                name(c.donor),
                name(c.recipient),
                partnercrm::model::Named::as_str(&c.kind).to_owned(),
                money.map(|m| m.amount.to_string()).unwrap_or_default(),
                money
                    .map(|m| m.currency.code().to_owned())
                    .unwrap_or_default(),
                c.date.map(|d| d.to_string()).unwrap_or_default(),
                c.project
                    .and_then(|p| titles.get(&p).cloned())
                    .unwrap_or_default(),
            ])
            .expect("row");
    }
    let text = String::from_utf8(writer.into_inner().expect("flush")).expect("utf-8");
    data.contributions.clear();
    let known = Dataset {
        organisations: data.organisations.clone(),
        projects: data.projects.clone(),
        ..Dataset::default()
    };
    // The amounts are written at their own scale: `184.007` is a reading
    // no locale can tell from 184,007 written the German way, so the file
    // names its locale, as a user must for such a file.
    let options = CsvOptions {
        file: "contributions.csv".into(),
        locale: partnercrm::io::csv::Locale::preset("en").expect("en"),
        ..CsvOptions::default()
    };
    // The floor: the csv crate alone reading every record.
    let floor = Instant::now();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let mut record = csv::StringRecord::new();
    let mut fields = 0;
    while reader.read_record(&mut record).expect("reads") {
        fields += record.len();
    }
    println!(
        "csv crate alone: {:.3} s for {fields} fields",
        floor.elapsed().as_secs_f64()
    );
    let started = Instant::now();
    let rows = read_contributions(&text, &options, &known, None).expect("reads");
    let parsed = started.elapsed();
    let n = rows.len();
    let mut all = known;
    all.contributions = rows;
    let report = all.validate();
    println!(
        "csv import of {n} rows ({} MB): parse and resolve {:.3} s, validate {:.3} s, errors {}",
        text.len() / 1_000_000,
        parsed.as_secs_f64(),
        (started.elapsed() - parsed).as_secs_f64(),
        report.errors().count()
    );
}
