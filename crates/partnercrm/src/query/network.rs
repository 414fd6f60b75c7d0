//! The partner network: organisations linked by the agreements, projects
//! and contributions they share, with a weight per kind of link.
//!
//! Links are undirected and counted once per shared record: two parties to
//! one agreement share one agreement link, a donor and a recipient share one
//! contribution link per contribution.
//!
//! ```
//! use partnercrm::query::network;
//! # let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/data/iom_partnerships.json");
//! let data = partnercrm::io::json::read(path)?;
//! let maple = data.organisation_named("Maple Leaf Foods").unwrap().id;
//! let shared: usize = network::edges(&data).iter().filter(|e| e.source == maple || e.target == maple).map(|e| e.agreements).sum();
//! assert_eq!(shared, 5, "three agreements with IOM, one with each of two governments");
//! assert!(network::graphml(&data).contains("<graphml"));
//! # Ok::<(), partnercrm::Error>(())
//! ```

use std::collections::BTreeMap;
use std::fmt::Write;

use serde::Serialize;

use crate::model::{Dataset, Named, OrganisationId};

/// One link between two organisations.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Edge {
    /// One end (the smaller id, so each pair appears once).
    pub source: OrganisationId,
    /// The other end.
    pub target: OrganisationId,
    /// Agreements both are party to.
    pub agreements: usize,
    /// Projects both take part in (as lead office or partner).
    pub projects: usize,
    /// Contributions from one to the other, either way.
    pub contributions: usize,
}

impl Edge {
    /// All shared records together.
    pub fn weight(&self) -> usize {
        self.agreements + self.projects + self.contributions
    }
}

fn pair(a: OrganisationId, b: OrganisationId) -> (OrganisationId, OrganisationId) {
    if a <= b { (a, b) } else { (b, a) }
}

/// Every link, sorted by its two ends.
pub fn edges(data: &Dataset) -> Vec<Edge> {
    let mut links: BTreeMap<(OrganisationId, OrganisationId), Edge> = BTreeMap::new();
    let mut link = |a: OrganisationId, b: OrganisationId, bump: &dyn Fn(&mut Edge)| {
        if a != b {
            let (source, target) = pair(a, b);
            bump(links.entry((source, target)).or_insert_with(|| Edge {
                source,
                target,
                agreements: 0,
                projects: 0,
                contributions: 0,
            }));
        }
    };
    let each_pair = |members: &[OrganisationId],
                     link: &mut dyn FnMut(OrganisationId, OrganisationId)| {
        for (i, a) in members.iter().enumerate() {
            for b in &members[i + 1..] {
                link(*a, *b);
            }
        }
    };
    for agreement in &data.agreements {
        let mut parties: Vec<OrganisationId> =
            agreement.parties.iter().map(|p| p.organisation).collect();
        parties.sort();
        parties.dedup();
        each_pair(&parties, &mut |a, b| link(a, b, &|e| e.agreements += 1));
    }
    for project in &data.projects {
        let mut members: Vec<OrganisationId> = project
            .lead_office
            .into_iter()
            .chain(project.partners.iter().map(|p| p.organisation))
            .collect();
        members.sort();
        members.dedup();
        each_pair(&members, &mut |a, b| link(a, b, &|e| e.projects += 1));
    }
    for contribution in &data.contributions {
        link(contribution.donor, contribution.recipient, &|e| {
            e.contributions += 1
        });
    }
    links.into_values().collect()
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The network as GraphML, for Gephi, yEd, Cytoscape or networkx: every
/// organisation a node (name, acronym, kind, country), every link an edge
/// with its counts and weight.
pub fn graphml(data: &Dataset) -> String {
    let mut out = String::from(concat!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n",
        "<graphml xmlns=\"http://graphml.graphdrawing.org/xmlns\">\n",
        "  <key id=\"name\" for=\"node\" attr.name=\"name\" attr.type=\"string\"/>\n",
        "  <key id=\"acronym\" for=\"node\" attr.name=\"acronym\" attr.type=\"string\"/>\n",
        "  <key id=\"kind\" for=\"node\" attr.name=\"kind\" attr.type=\"string\"/>\n",
        "  <key id=\"country\" for=\"node\" attr.name=\"country\" attr.type=\"string\"/>\n",
        "  <key id=\"agreements\" for=\"edge\" attr.name=\"agreements\" attr.type=\"int\"/>\n",
        "  <key id=\"projects\" for=\"edge\" attr.name=\"projects\" attr.type=\"int\"/>\n",
        "  <key id=\"contributions\" for=\"edge\" attr.name=\"contributions\" attr.type=\"int\"/>\n",
        "  <key id=\"weight\" for=\"edge\" attr.name=\"weight\" attr.type=\"int\"/>\n",
        "  <graph id=\"partners\" edgedefault=\"undirected\">\n",
    ));
    for org in &data.organisations {
        let _ = write!(
            out,
            "    <node id=\"{}\"><data key=\"name\">{}</data>",
            org.id,
            escape(&org.name)
        );
        if let Some(acronym) = &org.acronym {
            let _ = write!(out, "<data key=\"acronym\">{}</data>", escape(acronym));
        }
        let _ = write!(out, "<data key=\"kind\">{}</data>", org.kind.as_str());
        if let Some(country) = org.country {
            let _ = write!(out, "<data key=\"country\">{}</data>", country.as_str());
        }
        out.push_str("</node>\n");
    }
    for edge in edges(data) {
        let _ = writeln!(
            out,
            "    <edge source=\"{}\" target=\"{}\"><data key=\"agreements\">{}</data><data key=\"projects\">{}</data><data key=\"contributions\">{}</data><data key=\"weight\">{}</data></edge>",
            edge.source,
            edge.target,
            edge.agreements,
            edge.projects,
            edge.contributions,
            edge.weight()
        );
    }
    out.push_str("  </graph>\n</graphml>\n");
    out
}
