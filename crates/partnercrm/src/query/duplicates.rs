//! Candidate duplicates among organisations and people, scored.
//!
//! Sources mix languages and spellings ("Weltbank", "World Bank"), and a
//! person's name can change while their role stays ("Susan Yaeger-Szoke",
//! later "Susan Boeve", Head of International Recruitment at Maple Leaf).
//! Each candidate pair has a score from 0 to 1 and the reasons for it; a
//! person decides. Pairs are found through shared name trigrams, so large
//! data sets are not compared pair by pair.
//!
//! ```
//! use partnercrm::query::duplicates::candidates;
//! # let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/data/iom_partnerships.json");
//! let data = partnercrm::io::json::read(path)?;
//! let best = &candidates(&data, 0.5)[0];
//! assert!(best.reasons.iter().any(|r| r == "same title at the same organisation"));
//! # Ok::<(), partnercrm::Error>(())
//! ```

use std::collections::{HashMap, HashSet};

use serde::Serialize;
use uuid::Uuid;

use crate::model::record::fold;
use crate::model::{Dataset, Organisation, Person, RecordKind};

/// Two records that may describe the same thing.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Candidate {
    /// Organisation or person.
    pub kind: RecordKind,
    /// One record's id.
    pub a: Uuid,
    /// Its name.
    pub a_name: String,
    /// The other record's id.
    pub b: Uuid,
    /// Its name.
    pub b_name: String,
    /// How likely they are one: 0 to 1.
    pub score: f64,
    /// Why, e.g. "same identifier", "same title at the same organisation".
    pub reasons: Vec<String>,
}

fn trigrams(text: &str) -> HashSet<String> {
    let padded: Vec<char> = format!("  {} ", fold(text)).chars().collect();
    padded.windows(3).map(|w| w.iter().collect()).collect()
}

fn jaccard(a: &HashSet<String>, b: &HashSet<String>) -> f64 {
    let shared = a.intersection(b).count();
    if shared == 0 {
        0.0
    } else {
        shared as f64 / (a.len() + b.len() - shared) as f64
    }
}

/// Pairs of positions whose names share enough trigrams to be worth scoring.
fn similar_pairs(names: &[HashSet<String>]) -> HashSet<(usize, usize)> {
    // Trigrams shared by very many names ("ion", " un") say little and cost much.
    const COMMON: usize = 200;
    let mut postings: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, grams) in names.iter().enumerate() {
        for gram in grams {
            postings.entry(gram.as_str()).or_default().push(i);
        }
    }
    let mut pairs = HashSet::new();
    for list in postings.values().filter(|l| l.len() <= COMMON) {
        pair_up(list, &mut pairs);
    }
    pairs
}

/// Adds every pair of positions in `list` to `pairs`, smaller first.
fn pair_up(list: &[usize], pairs: &mut HashSet<(usize, usize)>) {
    for (k, &a) in list.iter().enumerate() {
        for &b in &list[k + 1..] {
            pairs.insert((a.min(b), a.max(b)));
        }
    }
}

fn organisation_names(org: &Organisation) -> HashSet<String> {
    org.names().map(fold).filter(|n| !n.is_empty()).collect()
}

/// Scored candidate pairs of organisations and people at or above `min_score`,
/// best first.
pub fn candidates(data: &Dataset, min_score: f64) -> Vec<Candidate> {
    let mut out = organisations(&data.organisations);
    out.extend(people(&data.people));
    out.retain(|c| c.score >= min_score);
    out.sort_by(|x, y| {
        y.score
            .total_cmp(&x.score)
            .then_with(|| x.a_name.cmp(&y.a_name))
    });
    out
}

fn organisations(orgs: &[Organisation]) -> Vec<Candidate> {
    let grams: Vec<HashSet<String>> = orgs.iter().map(|o| trigrams(&o.name)).collect();
    let mut pairs = similar_pairs(&grams);
    // Exact matches on any name or identifier, however common their trigrams.
    let mut by_key: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, org) in orgs.iter().enumerate() {
        for key in organisation_names(org)
            .into_iter()
            .chain(org.identifiers.iter().map(|id| format!("id:{}", id.value)))
        {
            by_key.entry(key).or_default().push(i);
        }
    }
    for list in by_key.values() {
        pair_up(list, &mut pairs);
    }
    let mut out = Vec::new();
    for (i, j) in pairs {
        let (a, b) = (&orgs[i], &orgs[j]);
        // An office and its parent are related, not the same.
        if a.parent == Some(b.id) || b.parent == Some(a.id) || a.id == b.id {
            continue;
        }
        let mut score: f64 = 0.0;
        let mut reasons = Vec::new();
        if a.identifiers
            .iter()
            .any(|x| b.identifiers.iter().any(|y| x.value == y.value))
        {
            score = score.max(1.0);
            reasons.push("same identifier".to_owned());
        }
        let (names_a, names_b) = (organisation_names(a), organisation_names(b));
        let acronyms_match = a
            .acronym
            .as_ref()
            .zip(b.acronym.as_ref())
            .is_some_and(|(x, y)| fold(x) == fold(y));
        if acronyms_match {
            score = score.max(0.8);
            reasons.push("same acronym".to_owned());
        } else if !names_a.is_disjoint(&names_b) {
            score = score.max(0.95);
            reasons.push("same name or alias".to_owned());
        }
        let similarity = jaccard(&grams[i], &grams[j]);
        if similarity >= 0.5 {
            score = score.max(0.9 * similarity);
            reasons.push(format!("similar names ({similarity:.2})"));
        }
        if score > 0.0 {
            out.push(Candidate {
                kind: RecordKind::Organisation,
                a: *a.id.as_uuid(),
                a_name: a.name.clone(),
                b: *b.id.as_uuid(),
                b_name: b.name.clone(),
                score,
                reasons,
            });
        }
    }
    out
}

fn people(people: &[Person]) -> Vec<Candidate> {
    let live: Vec<&Person> = people.iter().filter(|p| !p.erased).collect();
    let grams: Vec<HashSet<String>> = live.iter().map(|p| trigrams(&p.name)).collect();
    let mut pairs = similar_pairs(&grams);
    // The same title at the same organisation pairs people whatever their names.
    let mut by_role: HashMap<(Uuid, String), Vec<usize>> = HashMap::new();
    for (i, person) in live.iter().enumerate() {
        for affiliation in &person.affiliations {
            if let Some(title) = &affiliation.title {
                by_role
                    .entry((*affiliation.organisation.as_uuid(), fold(title)))
                    .or_default()
                    .push(i);
            }
        }
    }
    for list in by_role.values() {
        pair_up(list, &mut pairs);
    }
    let mut out = Vec::new();
    for (i, j) in pairs {
        let (a, b) = (live[i], live[j]);
        let mut score = 0.0;
        let mut reasons = Vec::new();
        if fold(&a.name) == fold(&b.name) {
            score += 0.95;
            reasons.push("same name".to_owned());
        } else {
            let similarity = jaccard(&grams[i], &grams[j]);
            score += 0.4 * similarity;
            if similarity >= 0.3 {
                reasons.push(format!("similar names ({similarity:.2})"));
            }
            let first = |p: &Person| fold(&p.name).split(' ').next().map(str::to_owned);
            if first(a).is_some() && first(a) == first(b) {
                score += 0.2;
                reasons.push("same first name".to_owned());
            }
        }
        let same_role = a.affiliations.iter().any(|x| {
            b.affiliations.iter().any(|y| {
                x.organisation == y.organisation
                    && x.title
                        .as_deref()
                        .map(fold)
                        .is_some_and(|t| Some(t) == y.title.as_deref().map(fold))
            })
        });
        if same_role {
            score += 0.6;
            reasons.push("same title at the same organisation".to_owned());
        }
        if score > 0.0 {
            out.push(Candidate {
                kind: RecordKind::Person,
                a: *a.id.as_uuid(),
                a_name: a.name.clone(),
                b: *b.id.as_uuid(),
                b_name: b.name.clone(),
                score: f64::min(score, 1.0),
                reasons,
            });
        }
    }
    out
}
