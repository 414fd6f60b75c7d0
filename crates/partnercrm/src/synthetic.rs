//! Deterministic synthetic partnership data, sized by a number of
//! contributions, for tests and benchmarks.
//!
//! The same [`Spec`] always gives the same [`Dataset`], ids included, on every
//! platform and with every dependency version: the random stream is a small
//! SplitMix64 kept here rather than `rand` (whose streams change between
//! releases), and the only floating-point operations used are the basic IEEE
//! ones (`+ - * /`, `sqrt`, `round`, `floor`), which are correctly rounded
//! everywhere; `exp`, `ln` and `powf` come from the platform's libm and are not.
//!
//! The shape imitates a real partnership register:
//!
//! - one parent organisation (IOM, `XM-DAC-47066`) with country offices in
//!   distinct countries, and donors of mixed kinds, about one organisation per
//!   50 contributions;
//! - about one project per 100 contributions, each led by a country office, a
//!   few belonging to a programme whose period contains theirs;
//! - contributions skewed as funding is: the donor is drawn Zipf-like by rank
//!   (weight `rank^-1.125`), so a few large donors give most of the money, and
//!   amounts are log-normal-ish around a median that falls with rank (as
//!   `rank^-0.25`) and is higher for governments than for NGOs.
//!
//! The result validates without errors; the only warnings are
//! `contribution.amount_unknown`, for the ~2% of contributions whose amount is
//! left unknown on purpose.
//!
//! ```
//! use partnercrm::synthetic::{Spec, generate};
//!
//! let data = generate(&Spec::new(500));
//! assert_eq!(data.contributions.len(), 500);
//! assert_eq!(data, generate(&Spec::new(500)));
//! assert_eq!(data.validate().errors().count(), 0);
//! ```

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::model::{
    Contribution, ContributionId, ContributionKind, ContributionValue, CountryCode, Currency,
    Dataset, Identifier, Money, Organisation, OrganisationId, OrganisationKind, PartialDate,
    Payment, Period, Project, ProjectId, ProjectPartner, ProjectRole, ProjectStatus, SectorCode,
};

/// The most contributions a [`Spec`] asks for: some 50 GB of records, well
/// past any benchmark. A larger number is a mistake, refused rather than left
/// to exhaust memory.
pub const MAX_CONTRIBUTIONS: usize = 100_000_000;

/// What to generate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Spec {
    /// How many contributions; organisations and projects scale with it.
    pub contributions: usize,
    /// Selects the random stream: each seed gives a different, equally valid data set.
    pub seed: u64,
}

impl Spec {
    /// `contributions` contributions from seed 0.
    pub const fn new(contributions: usize) -> Self {
        Self {
            contributions,
            seed: 0,
        }
    }

    /// `contributions` contributions from `seed`, refused over [`MAX_CONTRIBUTIONS`].
    pub fn checked(contributions: usize, seed: u64) -> crate::Result<Self> {
        if contributions > MAX_CONTRIBUTIONS {
            return Err(crate::Error::Limit {
                what: "synthetic data set",
                limit: format!("{MAX_CONTRIBUTIONS} contributions"),
            });
        }
        Ok(Self {
            contributions,
            seed,
        })
    }
}

/// Generates the data set `spec` describes. See the [module docs](self) for its shape.
pub fn generate(spec: &Spec) -> Dataset {
    let cal = Calendar::new();
    let mut ids = IdGen::new(spec.seed);
    let org_count = (spec.contributions / 50).max(30);
    let project_count = (spec.contributions / 100).max(10);

    let orgs = organisations(&mut Rng::stream(spec.seed, 1), &mut ids, org_count);
    let (projects, metas) = projects(
        &mut Rng::stream(spec.seed, 2),
        &mut ids,
        &cal,
        &orgs,
        project_count,
    );
    let contributions = contributions(
        &mut Rng::stream(spec.seed, 3),
        &mut ids,
        &cal,
        &orgs,
        &metas,
        spec.contributions,
    );

    Dataset {
        title: Some(format!(
            "Synthetic partnerships ({} contributions, seed {})",
            spec.contributions, spec.seed
        )),
        source: Some("partnercrm::synthetic".to_owned()),
        organisations: orgs.records,
        contributions,
        projects,
        ..Dataset::new()
    }
}

// ---------------------------------------------------------------- randomness

/// SplitMix64: tiny, fast, and its output is fixed by its definition, so the
/// data cannot change under us the way a library's generator can.
#[derive(Clone, Debug)]
struct Rng(u64);

impl Rng {
    /// An independent stream per purpose, so that changing how one kind of
    /// record is generated does not reshuffle the others.
    fn stream(seed: u64, purpose: u64) -> Self {
        let mut mixer = Rng(seed ^ purpose.wrapping_mul(0xD1B5_4A32_D192_ED03));
        Rng(mixer.next_u64())
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`) by multiply-shift; the bias, under 2^-40
    /// for our sizes, does not matter for synthetic data.
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// An index into a collection of `len > 0` items.
    fn index(&mut self, len: usize) -> usize {
        self.below(len as u64) as usize
    }

    /// Whether an event of probability `percent`% happens.
    fn percent(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// Uniform in `[0, 1)` with 53 bits.
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Approximately standard normal: Irwin–Hall sum of four uniforms from
    /// one draw, bounded at ±3.46, which is all a log-normal-ish amount needs
    /// and avoids libm's `ln`/`cos`.
    fn normalish(&mut self) -> f64 {
        let x = self.next_u64();
        let sum: u64 = (0..4).map(|i| (x >> (16 * i)) & 0xFFFF).sum();
        // Mean 2, variance 4/12 for four U(0,1); rescale to mean 0, variance 1.
        (sum as f64 / 65536.0 - 2.0) * 3.0_f64.sqrt()
    }

    /// Fisher–Yates shuffle.
    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.index(i + 1));
        }
    }
}

/// `e^x` from basic operations only, so results are the same on every
/// platform: a Taylor series on `x / 1024`, squared ten times. Relative
/// error is about 1e-11 for `|x| < 5`, plenty for synthetic amounts.
fn exp(x: f64) -> f64 {
    let t = x / 1024.0;
    let mut y = 1.0 + t * (1.0 + t * (0.5 + t * (1.0 / 6.0 + t * (1.0 / 24.0))));
    for _ in 0..10 {
        y *= y;
    }
    y
}

/// Picks a donor rank with probability proportional to `rank^-1.125`.
struct Zipf {
    cumulative: Vec<f64>,
}

impl Zipf {
    fn new(len: usize) -> Self {
        let mut total = 0.0;
        let cumulative = (1..=len)
            .map(|rank| {
                let r = rank as f64;
                // r^1.125 = r * r^(1/8); three square roots are exact, unlike powf.
                total += 1.0 / (r * r.sqrt().sqrt().sqrt());
                total
            })
            .collect();
        Self { cumulative }
    }

    fn sample(&self, rng: &mut Rng) -> usize {
        let total = self.cumulative.last().copied().unwrap_or(0.0);
        let target = rng.unit() * total;
        self.cumulative
            .partition_point(|&c| c <= target)
            .min(self.cumulative.len() - 1)
    }
}

// ----------------------------------------------------------------------- ids

/// Millisecond timestamp of the first id, 2020-01-01T00:00:00Z: fixed so ids
/// never depend on the clock.
const EPOCH_MS: u64 = 1_577_836_800_000;

/// UUID v7 ids whose timestamps count up one millisecond per record, so
/// they are unique within a data set and sort in creation order as real v7
/// ids do; the random bits come from the seed.
struct IdGen {
    rng: Rng,
    millis: u64,
}

impl IdGen {
    fn new(seed: u64) -> Self {
        Self {
            rng: Rng::stream(seed, 0),
            millis: EPOCH_MS,
        }
    }

    fn next(&mut self) -> Uuid {
        let millis = self.millis;
        self.millis += 1;
        let rand_a = self.rng.next_u64();
        let rand_b = self.rng.next_u64();
        let mut bytes = [0u8; 16];
        bytes[..6].copy_from_slice(&millis.to_be_bytes()[2..]);
        bytes[6..8].copy_from_slice(&(0x7000 | (rand_a as u16 & 0x0FFF)).to_be_bytes());
        let variant_and_rand_b = (rand_b & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000;
        bytes[8..].copy_from_slice(&variant_and_rand_b.to_be_bytes());
        Uuid::from_bytes(bytes)
    }
}

// --------------------------------------------------------------------- dates

/// The days contributions fall on, as days from the common era, so that
/// drawing a date is integer arithmetic.
struct Calendar {
    first: i32,
    last: i32,
}

impl Calendar {
    fn new() -> Self {
        let day = |y, m, d| {
            NaiveDate::from_ymd_opt(y, m, d)
                .expect("a fixed, real calendar date")
                .num_days_from_ce()
        };
        Self {
            first: day(2000, 1, 1),
            last: day(2025, 12, 31),
        }
    }

    fn date(&self, day: i32) -> NaiveDate {
        NaiveDate::from_num_days_from_ce_opt(day.clamp(self.first, self.last))
            .expect("days between 2000 and 2025 exist")
    }

    fn day_of(date: NaiveDate) -> i32 {
        date.num_days_from_ce()
    }

    /// `day` at day precision mostly, sometimes only its month or year, as
    /// sources often give.
    fn partial(&self, day: i32, rng: &mut Rng) -> PartialDate {
        let date = self.date(day);
        match rng.below(100) {
            0..85 => PartialDate::Day(date),
            85..95 => PartialDate::Month {
                year: date.year(),
                month: date.month(),
            },
            _ => PartialDate::Year(date.year()),
        }
    }
}

// ------------------------------------------------------------- organisations

/// Countries that are real, inhabited, current countries: the codelist also
/// keeps withdrawn codes and uninhabited territories.
fn real_countries() -> Vec<CountryCode> {
    const NOT_REAL: [&str; 8] = ["AN", "AQ", "BV", "GS", "HM", "IO", "TF", "UM"];
    CountryCode::all()
        .filter(|c| !NOT_REAL.contains(&c.as_str()))
        .collect()
}

/// The codelist's name without its trailing "(the)": "Netherlands (the)" reads
/// as "Netherlands", and needs "the" before it in "Government of the …".
fn short_name(country: CountryCode) -> (&'static str, bool) {
    let name = country.name();
    match name.strip_suffix(" (the)") {
        Some(short) => (short, true),
        None => (name, false),
    }
}

/// The biggest donor governments, in roughly the order they fund, so the
/// top ranks of the Zipf draw look like a real donor list.
const MAJOR_DONORS: [&str; 22] = [
    "US", "DE", "GB", "JP", "SE", "NO", "CA", "AU", "NL", "CH", "DK", "FI", "FR", "IT", "ES", "IE",
    "BE", "AT", "KW", "KR", "NZ", "LU",
];

/// The kinds of the top-ranked donors: mostly governments, as in real
/// funding, with a large UN fund, foundations and a company among them.
const TOP_KINDS: [OrganisationKind; 16] = {
    use OrganisationKind::*;
    [
        Government,
        Government,
        Government,
        Government,
        Government,
        UnAgency,
        Government,
        Foundation,
        Government,
        Government,
        Government,
        PrivateCompany,
        Government,
        Government,
        Foundation,
        Government,
    ]
};

const UN_AGENCIES: [(&str, &str); 17] = [
    ("Central Emergency Response Fund", "CERF"),
    ("United Nations Development Programme", "UNDP"),
    ("United Nations High Commissioner for Refugees", "UNHCR"),
    ("United Nations Children's Fund", "UNICEF"),
    ("World Food Programme", "WFP"),
    ("World Health Organization", "WHO"),
    ("United Nations Population Fund", "UNFPA"),
    ("International Labour Organization", "ILO"),
    ("United Nations Office for Project Services", "UNOPS"),
    (
        "Office for the Coordination of Humanitarian Affairs",
        "OCHA",
    ),
    ("United Nations Office on Drugs and Crime", "UNODC"),
    (
        "Food and Agriculture Organization of the United Nations",
        "FAO",
    ),
    ("United Nations Environment Programme", "UNEP"),
    ("United Nations Human Settlements Programme", "UN-Habitat"),
    (
        "United Nations Educational, Scientific and Cultural Organization",
        "UNESCO",
    ),
    ("Joint United Nations Programme on HIV/AIDS", "UNAIDS"),
    ("United Nations Peacebuilding Fund", "PBF"),
];

/// Word lists for made-up names: "{first} {second}", plus a number once the
/// pairs run out. The second lists are disjoint across kinds and no first
/// word starts a second entry, so names never collide, across kinds either.
const FOUNDATION_NAMES: (&[&str], &[&str]) = (
    &[
        "Okafor",
        "Lindqvist",
        "Haddad",
        "Moreau",
        "Tanaka",
        "Whitfield",
        "Castellanos",
        "Novak",
        "Abernathy",
        "Mensah",
        "Rosenthal",
        "Kowalski",
        "Ferreira",
        "Nakamura",
        "Osei",
        "Delacroix",
        "Brennan",
        "Sorensen",
        "Vasquez",
        "Achterberg",
        "Iyer",
        "Halvorsen",
        "Quartey",
        "Lombardi",
    ],
    &[
        "Foundation",
        "Family Foundation",
        "Charitable Trust",
        "Philanthropies",
        "Fund for Migrants",
    ],
);

const COMPANY_NAMES: (&[&str], &[&str]) = (
    &[
        "Northwind",
        "Meridian",
        "Atlas",
        "Bluepeak",
        "Corvid",
        "Halcyon",
        "Ironbridge",
        "Juniper",
        "Keystone",
        "Lumen",
        "Marlow",
        "Nordhavn",
        "Orion",
        "Pinnacle",
        "Quayside",
        "Redwater",
        "Solace",
        "Tidewater",
        "Umbra",
        "Vantage",
        "Westmark",
        "Xylo",
        "Yellowfin",
        "Zenith",
    ],
    &[
        "Holdings",
        "Group",
        "Energy plc",
        "Logistics Ltd",
        "Telecom",
        "Pharmaceuticals",
        "Shipping Inc.",
        "Bank",
        "Mining Corporation",
        "Airlines",
    ],
);

const NGO_NAMES: (&[&str], &[&str]) = (
    &[
        "Hope",
        "Bridges",
        "Harbour",
        "Lantern",
        "Compass",
        "Shelter",
        "Horizon",
        "Kinship",
        "Safe Passage",
        "Open Door",
        "Common Ground",
        "Wayfarer",
        "Haven",
        "Crossroads",
        "New Roots",
        "Solidarity",
    ],
    &[
        "for Refugees",
        "Relief International",
        "Aid Network",
        "Rescue Committee",
        "Migrant Rights Alliance",
        "Development Trust",
        "Without Borders",
    ],
);

fn made_up_name((firsts, seconds): (&[&str], &[&str]), serial: usize) -> String {
    let first = firsts[serial % firsts.len()];
    let second = seconds[(serial / firsts.len()) % seconds.len()];
    match serial / (firsts.len() * seconds.len()) {
        0 => format!("{first} {second}"),
        round => format!("{first} {second} {}", round + 1),
    }
}

/// The organisations and what contributions need to know about them.
struct Orgs {
    records: Vec<Organisation>,
    parent: OrganisationId,
    offices: Vec<(OrganisationId, CountryCode)>,
    donors: Vec<Donor>,
}

/// A donor, by Zipf rank (its position in `Orgs::donors`).
struct Donor {
    id: OrganisationId,
    /// Median USD of one cash contribution: falls with rank and kind.
    median_usd: f64,
    /// The currency a government usually gives in, if one of [`CURRENCIES`].
    home_currency: Option<usize>,
}

fn organisations(rng: &mut Rng, ids: &mut IdGen, count: usize) -> Orgs {
    let countries = real_countries();
    let mut records = Vec::with_capacity(count);

    let mut iom = Organisation::new(
        "International Organization for Migration",
        OrganisationKind::UnAgency,
    );
    iom.id = OrganisationId::from_uuid(ids.next());
    iom.acronym = Some("IOM".to_owned());
    iom.country = "CH".parse().ok();
    iom.identifiers.push(Identifier::iati("XM-DAC-47066"));
    iom.website = Some("https://www.iom.int".to_owned());
    let parent = iom.id;
    records.push(iom);

    // IOM has ~170 country offices; below that, one office per six organisations.
    let office_count = (count / 6).clamp(5, 150);
    let mut office_countries = countries.clone();
    rng.shuffle(&mut office_countries);
    let mut offices = Vec::with_capacity(office_count);
    for &country in &office_countries[..office_count] {
        let mut office = Organisation::new(
            format!("IOM {}", short_name(country).0),
            OrganisationKind::CountryOffice,
        );
        office.id = OrganisationId::from_uuid(ids.next());
        office.country = Some(country);
        office.parent = Some(parent);
        offices.push((office.id, country));
        records.push(office);
    }

    // Major donor governments come first, then the rest of the world at random.
    let majors: Vec<CountryCode> = MAJOR_DONORS.iter().filter_map(|c| c.parse().ok()).collect();
    let mut governments: Vec<CountryCode> = countries
        .iter()
        .copied()
        .filter(|c| !majors.contains(c))
        .collect();
    rng.shuffle(&mut governments);
    governments.splice(0..0, majors.iter().copied());
    let mut governments = governments.into_iter();
    let mut un_agencies = UN_AGENCIES.iter();
    let (mut foundations, mut companies, mut ngos) = (0, 0, 0);

    let donor_count = count - records.len();
    let mut donors = Vec::with_capacity(donor_count);
    for rank in 1..=donor_count {
        let wanted = match TOP_KINDS.get(rank - 1) {
            Some(&kind) => kind,
            None => match rng.below(100) {
                0..15 => OrganisationKind::Government,
                15..20 => OrganisationKind::UnAgency,
                20..40 => OrganisationKind::Foundation,
                40..70 => OrganisationKind::PrivateCompany,
                _ => OrganisationKind::NgoCso,
            },
        };
        // Governments and UN agencies run out; fall back to the open-ended kinds.
        let mut org = match wanted {
            OrganisationKind::Government => governments.next().map(|country| {
                let (name, the) = short_name(country);
                let the = if the { "the " } else { "" };
                let mut org = Organisation::new(
                    format!("Government of {the}{name}"),
                    OrganisationKind::Government,
                );
                org.country = Some(country);
                org
            }),
            OrganisationKind::UnAgency => un_agencies.next().map(|&(name, acronym)| {
                let mut org = Organisation::new(name, OrganisationKind::UnAgency);
                org.acronym = Some(acronym.to_owned());
                org
            }),
            _ => None,
        }
        .unwrap_or_else(|| {
            let company = match wanted {
                OrganisationKind::PrivateCompany => true,
                OrganisationKind::Foundation | OrganisationKind::NgoCso => false,
                _ => rank % 2 == 0,
            };
            let (names, kind, serial) = match wanted {
                OrganisationKind::Foundation => (
                    FOUNDATION_NAMES,
                    OrganisationKind::Foundation,
                    &mut foundations,
                ),
                _ if company => (
                    COMPANY_NAMES,
                    OrganisationKind::PrivateCompany,
                    &mut companies,
                ),
                _ => (NGO_NAMES, OrganisationKind::NgoCso, &mut ngos),
            };
            let org = Organisation::new(made_up_name(names, *serial), kind);
            *serial += 1;
            org
        });
        org.id = OrganisationId::from_uuid(ids.next());
        if org.country.is_none() && org.kind != OrganisationKind::UnAgency {
            org.country = Some(if rng.percent(70) {
                majors[rng.index(majors.len())]
            } else {
                countries[rng.index(countries.len())]
            });
        }

        let kind_factor = match org.kind {
            OrganisationKind::Government => 1.0,
            OrganisationKind::UnAgency => 0.7,
            OrganisationKind::Foundation => 0.5,
            OrganisationKind::PrivateCompany => 0.3,
            _ => 0.15,
        };
        let home_currency = match org.kind {
            OrganisationKind::Government => org.country.and_then(home_currency),
            _ => None,
        };
        donors.push(Donor {
            id: org.id,
            // rank^-1/4 on top of the Zipf draw's rank^-1.125 gives shares of
            // money near rank^-1.4: the top donor about a third, as in UN funding.
            median_usd: 200_000.0 * kind_factor / (rank as f64).sqrt().sqrt(),
            home_currency,
        });
        records.push(org);
    }

    Orgs {
        records,
        parent,
        offices,
        donors,
    }
}

// ------------------------------------------------------------------ projects

/// What contributions need to know about a project.
struct ProjectMeta {
    id: ProjectId,
    /// Index into `Orgs::offices`.
    lead: usize,
    /// Index of the programme it belongs to, if any.
    programme: Option<usize>,
    first_day: i32,
    last_day: i32,
}

const THEMES: [(&str, &str); 10] = [
    ("Counter-trafficking", "15190"),
    ("Migration health", "12220"),
    ("Assisted voluntary return and reintegration", "15190"),
    ("Labour mobility", "16020"),
    ("Emergency shelter", "72010"),
    ("Displacement tracking", "72050"),
    ("Border management", "15110"),
    ("Climate migration resilience", "74020"),
    ("Diaspora engagement", "15190"),
    ("Reconstruction and recovery", "73010"),
];

fn projects(
    rng: &mut Rng,
    ids: &mut IdGen,
    cal: &Calendar,
    orgs: &Orgs,
    count: usize,
) -> (Vec<Project>, Vec<ProjectMeta>) {
    let mut projects: Vec<Project> = Vec::with_capacity(count);
    let mut metas: Vec<ProjectMeta> = Vec::with_capacity(count);
    // Programmes start by 2023 so that they have time to run.
    let latest_start = cal.last - 2 * 365;
    for serial in 1..=count {
        let lead = rng.index(orgs.offices.len());
        let (office, country) = orgs.offices[lead];
        let (theme, sector) = THEMES[rng.index(THEMES.len())];
        let mut project = Project::new(format!(
            "{theme} in {} (P{serial:05})",
            short_name(country).0
        ));
        project.id = ProjectId::from_uuid(ids.next());
        project.countries.push(country);
        if rng.percent(20) {
            let (_, other) = orgs.offices[rng.index(orgs.offices.len())];
            if other != country {
                project.countries.push(other);
            }
        }
        project.themes.push(theme.to_lowercase());
        project.sectors.extend(sector.parse::<SectorCode>().ok());
        project.lead_office = Some(office);
        project.partners.push(ProjectPartner {
            organisation: orgs.parent,
            role: ProjectRole::Accountable,
            period: Period::OPEN,
        });
        project.partners.push(ProjectPartner {
            organisation: office,
            role: ProjectRole::Implementing,
            period: Period::OPEN,
        });

        // A few projects belong to an earlier programme; programmes have no
        // parent themselves, so there are no cycles.
        let programme = if serial > 3 && rng.percent(10) {
            let candidate = rng.index(metas.len());
            Some(metas[candidate].programme.unwrap_or(candidate))
        } else {
            None
        };
        let (first_day, last_day) = match programme {
            Some(p) => {
                // Day-precise and inside the programme's days, so certainly within it.
                let outer = &metas[p];
                let span = outer.last_day - outer.first_day;
                let start = outer.first_day + rng.below(span as u64 / 2 + 1) as i32;
                let end = start + rng.below((outer.last_day - start) as u64 + 1) as i32;
                project.parent = Some(outer.id);
                project.period = Period::between(
                    PartialDate::Day(cal.date(start)),
                    PartialDate::Day(cal.date(end)),
                );
                (start, end)
            }
            None => {
                let start = cal.first + rng.below((latest_start - cal.first) as u64) as i32;
                let end = (start + 180 + rng.below(6 * 365) as i32).min(cal.last);
                let (start, end) = match rng.below(10) {
                    0..7 => (
                        PartialDate::Day(cal.date(start)),
                        PartialDate::Day(cal.date(end)),
                    ),
                    7..9 => {
                        let (s, e) = (cal.date(start), cal.date(end));
                        (
                            PartialDate::Month {
                                year: s.year(),
                                month: s.month(),
                            },
                            PartialDate::Month {
                                year: e.year(),
                                month: e.month(),
                            },
                        )
                    }
                    _ => (
                        PartialDate::Year(cal.date(start).year()),
                        PartialDate::Year(cal.date(end).year()),
                    ),
                };
                project.period = Period::between(start, end);
                (
                    Calendar::day_of(start.earliest()),
                    Calendar::day_of(end.latest()),
                )
            }
        };
        project.status = Some(if last_day < cal.last - 365 {
            ProjectStatus::Closed
        } else {
            ProjectStatus::Implementation
        });
        metas.push(ProjectMeta {
            id: project.id,
            lead,
            programme,
            first_day,
            last_day,
        });
        projects.push(project);
    }
    (projects, metas)
}

// ------------------------------------------------------------- contributions

/// Currencies as (code, share per mille, units per USD at a fixed rate).
/// USD dominates as in UN funding; KWD covers three-decimal amounts.
const CURRENCIES: [(&str, u64, f64); 10] = [
    ("USD", 560, 1.0),
    ("EUR", 150, 0.9),
    ("GBP", 70, 0.78),
    ("CHF", 50, 0.88),
    ("JPY", 40, 150.0),
    ("CAD", 35, 1.36),
    ("SEK", 30, 10.5),
    ("NOK", 30, 10.7),
    ("AUD", 25, 1.52),
    ("KWD", 10, 0.307),
];

/// The index in [`CURRENCIES`] of the currency a government gives in.
fn home_currency(country: CountryCode) -> Option<usize> {
    let code = match country.as_str() {
        "US" => "USD",
        "GB" => "GBP",
        "CH" => "CHF",
        "JP" => "JPY",
        "CA" => "CAD",
        "SE" => "SEK",
        "NO" => "NOK",
        "AU" => "AUD",
        "KW" => "KWD",
        "DE" | "FR" | "NL" | "IT" | "ES" | "IE" | "BE" | "AT" | "FI" | "LU" | "PT" | "GR" => "EUR",
        _ => return None,
    };
    CURRENCIES.iter().position(|c| c.0 == code)
}

/// A currency with what amounts need: its minor unit and rate.
struct Cur {
    currency: Currency,
    digits: u32,
    per_usd: f64,
}

fn currencies() -> Vec<Cur> {
    CURRENCIES
        .iter()
        .map(|&(code, _, per_usd)| {
            let currency = Currency::from_code(code).expect("a fixed ISO 4217 code");
            Cur {
                currency,
                digits: currency.minor_unit_digits().unwrap_or(0),
                per_usd,
            }
        })
        .collect()
}

/// An amount as `mantissa / 10^scale` with `scale` at most the currency's
/// minor unit: half are round thousands, some whole units, some to the cent.
fn amount(rng: &mut Rng, median_usd: f64, cur: &Cur) -> (i64, u32) {
    // Median × 10^(0.45 z): log-normal-ish, a factor of ~2.8 per standard deviation.
    let usd = median_usd * exp(0.45 * std::f64::consts::LN_10 * rng.normalish());
    let local = usd * cur.per_usd;
    let (mantissa, scale) = match rng.below(10) {
        0..5 if local >= 10_000.0 => (((local / 1000.0).round() * 1000.0) as i64, 0),
        0..8 => (local.round() as i64, 0),
        _ => {
            let minor = 10_i64.pow(cur.digits) as f64;
            ((local * minor).round() as i64, cur.digits)
        }
    };
    (mantissa.max(1), scale)
}

fn contributions(
    rng: &mut Rng,
    ids: &mut IdGen,
    cal: &Calendar,
    orgs: &Orgs,
    projects: &[ProjectMeta],
    count: usize,
) -> Vec<Contribution> {
    let currencies = currencies();
    let zipf = Zipf::new(orgs.donors.len());
    let mut out = Vec::with_capacity(count);
    for _ in 0..count {
        let id = ContributionId::from_uuid(ids.next());
        let donor = &orgs.donors[zipf.sample(rng)];
        let (kind, kind_factor) = match rng.below(100) {
            0..75 => (ContributionKind::Cash, 1.0),
            75..83 => (ContributionKind::InKind, 0.3),
            83..88 => (ContributionKind::Services, 0.15),
            _ => (ContributionKind::Pledge, 1.5),
        };

        let project = rng
            .percent(85)
            .then(|| &projects[rng.index(projects.len())]);
        let recipient = match project {
            Some(p) if rng.percent(70) => orgs.offices[p.lead].0,
            _ if rng.percent(25) => orgs.parent,
            _ => orgs.offices[rng.index(orgs.offices.len())].0,
        };

        // Earmarked gifts fall within their project's days.
        let (first, last) = project.map_or((cal.first, cal.last), |p| (p.first_day, p.last_day));
        let day = first + rng.below((last - first) as u64 + 1) as i32;
        let (date, period) = if rng.percent(3) {
            // Some sources give only a span, e.g. "2004 to 2005".
            let year = cal.date(day).year();
            let span = Period::between(
                PartialDate::Year(year),
                PartialDate::Year((year + 1).min(2025)),
            );
            (None, span)
        } else {
            (Some(cal.partial(day, rng)), Period::OPEN)
        };

        let mut payments = Vec::new();
        let value = if rng.below(1000) < 20 {
            ContributionValue::Unknown
        } else {
            let cur = match donor.home_currency {
                Some(home) if rng.percent(70) => &currencies[home],
                _ => {
                    let mut pick = rng.below(1000);
                    let at = CURRENCIES
                        .iter()
                        .position(|c| {
                            let hit = pick < c.1;
                            pick = pick.saturating_sub(c.1);
                            hit
                        })
                        .unwrap_or(0);
                    &currencies[at]
                }
            };
            let (mantissa, scale) = amount(rng, donor.median_usd * kind_factor, cur);
            let money = Money::new(Decimal::new(mantissa, scale), cur.currency);
            if kind == ContributionKind::Pledge {
                let pledged_on = date
                    .or(period.start)
                    .map_or(first, |d| Calendar::day_of(d.earliest()));
                payments = pledge_payments(rng, cal, mantissa, scale, cur.currency, pledged_on);
            }
            match kind {
                ContributionKind::InKind => ContributionValue::Estimated { money },
                ContributionKind::Services if rng.percent(60) => {
                    ContributionValue::Estimated { money }
                }
                _ => ContributionValue::Actual { money },
            }
        };

        out.push(Contribution {
            id,
            kind,
            donor: donor.id,
            recipient,
            value,
            date,
            period,
            project: project.map(|p| p.id),
            agreement: None,
            description: None,
            payments,
            allocations: Vec::new(),
        });
    }
    out
}

/// Zero to three payments in the pledge's currency and scale, dated on or
/// after the pledge, together paying part or all of it, never more.
fn pledge_payments(
    rng: &mut Rng,
    cal: &Calendar,
    pledged: i64,
    scale: u32,
    currency: Currency,
    pledged_on: i32,
) -> Vec<Payment> {
    let paid = if rng.percent(50) {
        pledged
    } else {
        pledged / 100 * (25 + rng.below(75) as i64) + pledged % 100
    };
    let count = (rng.below(4) as i64).min(paid);
    let mut payments = Vec::with_capacity(count as usize);
    let mut remaining = paid;
    let mut day = pledged_on;
    for i in 0..count {
        let left = count - i;
        let part = if left == 1 {
            remaining
        } else {
            // Around an even share, leaving at least one unit for each later payment.
            let share = remaining / left;
            (share / 2 + rng.below(share as u64 + 1) as i64).clamp(1, remaining - (left - 1))
        };
        remaining -= part;
        day = (day + rng.below(365) as i32).min(cal.last.max(pledged_on));
        payments.push(Payment {
            date: PartialDate::Day(cal.date(day)),
            amount: Money::new(Decimal::new(part, scale), currency),
        });
    }
    payments
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn synthetic_rng_stream_is_fixed() {
        // SplitMix64's published first outputs for seed 0: the stream must never change.
        let mut rng = Rng(0);
        assert_eq!(rng.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(rng.next_u64(), 0x6E78_9E6A_A1B9_65F4);
        assert!((0..1000).all(|_| rng.below(7) < 7));
        assert!((0..1000).all(|_| (0.0..1.0).contains(&rng.unit())));
        assert!((0..1000).all(|_| rng.normalish().abs() <= 3.47));
    }

    #[test]
    fn synthetic_exp_is_accurate() {
        for x in [
            -4.0,
            -1.0,
            -0.3,
            0.0,
            0.5,
            1.0,
            std::f64::consts::LN_10,
            4.0,
        ] {
            let relative = (exp(x) - x.exp()).abs() / x.exp();
            assert!(relative < 1e-9, "exp({x}) off by {relative}");
        }
    }

    #[test]
    fn synthetic_ids_are_v7_and_increasing() {
        let mut ids = IdGen::new(7);
        let a = ids.next();
        let b = ids.next();
        assert_eq!(a.get_version_num(), 7);
        assert_eq!(a.get_variant(), uuid::Variant::RFC4122);
        assert!(a < b);
        let (millis, _) = a.get_timestamp().map(|t| t.to_unix()).unwrap_or_default();
        assert_eq!(millis, EPOCH_MS / 1000);
    }

    #[test]
    fn synthetic_zipf_favours_low_ranks() {
        let zipf = Zipf::new(100);
        let mut rng = Rng::stream(1, 1);
        let mut counts = [0usize; 100];
        for _ in 0..10_000 {
            counts[zipf.sample(&mut rng)] += 1;
        }
        assert!(counts[0] > counts[9] * 5);
        assert!(counts[..10].iter().sum::<usize>() > 5_000);
    }

    #[test]
    fn synthetic_names_are_unique() {
        let mut names: Vec<String> = (0..5_000)
            .flat_map(|i| {
                [FOUNDATION_NAMES, COMPANY_NAMES, NGO_NAMES]
                    .map(|n| made_up_name(n, i).to_lowercase())
            })
            .collect();
        let before = names.len();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), before);
    }
}
