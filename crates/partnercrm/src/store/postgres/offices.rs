//! Offices: PostgreSQL roles, and the rows that name them.
//!
//! Each office has two roles, `DATABASE:OFFICE:reader` and
//! `DATABASE:OFFICE:editor` (the editor role is a member of the reader
//! role), and users are granted one of them. Every reader role is a member
//! of `DATABASE:reader`, which may read the store's tables; every editor
//! role of `DATABASE:editor`, which may write them. What rows a role sees
//! and changes is then the policies' business (see [`schema`](super::schema)):
//! an office's records to its roles, every office's to headquarters'.
//!
//! Only the store's administrator, the owner of its schema, manages
//! offices; it needs CREATEROLE to make their roles.

use postgres::GenericClient;

use super::schema::{self, HEADQUARTERS};
use super::{PostgresBackend, fail};
use crate::model::{RecordKind, RecordRef};
use crate::store::{Access, Office};
use crate::{Error, Result};

/// An identifier for SQL: quoted, so that role names may hold `:`.
fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// What each group role may do to each table: readers read all; editors
/// write what the store writes, and delete only what it deletes.
const EDITOR_GRANTS: &[(&str, &str)] = &[
    (
        "INSERT, UPDATE, DELETE",
        "organisations, people, agreements, projects, indicators, groups, notes, contributions, refs, names",
    ),
    ("INSERT, UPDATE", "history, revisions, meta, merges"),
];

impl PostgresBackend {
    /// Runs `work` in a transaction that holds the store's write lock, as
    /// its administrator, and commits it.
    fn administer<T>(
        &self,
        work: impl FnOnce(&mut postgres::Transaction<'_>, &str) -> Result<T>,
    ) -> Result<T> {
        let location = self.location.clone();
        let mut conn = self.conn.borrow_mut();
        let result = (|| {
            let mut tx = conn.client.transaction()?;
            tx.execute("SELECT pg_advisory_xact_lock($1)", &[&super::WRITE_LOCK])?;
            let row = tx.query_one(
                "SELECT partnercrm.is_admin(), current_database()::text, \
                 (SELECT pg_get_userbyid(nspowner)::text FROM pg_namespace WHERE nspname = 'partnercrm')",
                &[],
            )?;
            let (admin, database, owner): (bool, String, String) =
                (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?);
            if !admin {
                return Err(Error::Permission {
                    location: location.clone(),
                    message: format!(
                        "only the store's administrator ({owner}, the owner of its schema) manages offices"
                    ),
                });
            }
            let value = work(&mut tx, &database)?;
            tx.commit()?;
            Ok(value)
        })();
        result.map_err(|e| match e {
            Error::Postgres(e) => fail(e, &location, None),
            other => other,
        })
    }

    pub(super) fn list_offices(&self) -> Result<Vec<Office>> {
        let location = self.location.clone();
        let mut conn = self.conn.borrow_mut();
        list(&mut conn.client).map_err(|e| match e {
            Error::Postgres(e) => fail(e, &location, None),
            other => other,
        })
    }

    pub(super) fn make_office(&self, name: &str) -> Result<Office> {
        check_name(name)?;
        self.administer(|tx, database| {
            let (groups_reader, groups_editor) = ensure_groups(tx, database)?;
            ensure_office_roles(tx, database, HEADQUARTERS, &groups_reader, &groups_editor)?;
            if name != HEADQUARTERS {
                let exists = tx
                    .query_opt("SELECT 1 FROM partnercrm.offices WHERE name = $1", &[&name])?
                    .is_some();
                if exists {
                    return Err(Error::Conflict {
                        message: format!("office {name} exists already"),
                    });
                }
                tx.execute(
                    "INSERT INTO partnercrm.offices (name) VALUES ($1)",
                    &[&name],
                )?;
                ensure_office_roles(tx, database, name, &groups_reader, &groups_editor)?;
            }
            Ok(())
        })?;
        self.list_offices()?
            .into_iter()
            .find(|o| o.name == name)
            .ok_or_else(|| Error::Conflict {
                message: format!("office {name} was made but cannot be read back"),
            })
    }

    pub(super) fn grant_office(&self, office: &str, role: &str, access: Access) -> Result<()> {
        self.administer(|tx, database| {
            let (groups_reader, groups_editor) = ensure_groups(tx, database)?;
            ensure_office_roles(tx, database, HEADQUARTERS, &groups_reader, &groups_editor)?;
            let (reader, editor) = office_roles(tx, office)?;
            check_role(tx, role)?;
            let granted = match access {
                Access::Reader => reader,
                Access::Editor => editor,
            };
            tx.batch_execute(&format!("GRANT {} TO {}", quoted(&granted), quoted(role)))?;
            Ok(())
        })
    }

    pub(super) fn revoke_office(&self, office: &str, role: &str) -> Result<()> {
        self.administer(|tx, _| {
            let (reader, editor) = office_roles(tx, office)?;
            check_role(tx, role)?;
            tx.batch_execute(&format!(
                "REVOKE {}, {} FROM {}",
                quoted(&editor),
                quoted(&reader),
                quoted(role)
            ))?;
            Ok(())
        })
    }

    pub(super) fn choose_office(&mut self, office: Option<&str>) -> Result<()> {
        let Some(name) = office else {
            self.office = None;
            return Ok(());
        };
        let row = {
            let mut conn = self.conn.borrow_mut();
            conn.client
                .query_one(
                    "SELECT EXISTS (SELECT 1 FROM partnercrm.offices WHERE name = $1),
                            $1 = ANY (partnercrm.writable_offices())",
                    &[&name],
                )
                .map_err(|e| fail(e, &self.location, None))?
        };
        let (exists, writes): (bool, bool) = (row.try_get(0)?, row.try_get(1)?);
        if !exists {
            return Err(no_such_office(name));
        }
        if !writes {
            return Err(Error::Permission {
                location: self.location.clone(),
                message: format!("this role is not an editor of office {name}"),
            });
        }
        self.office = Some(name.to_owned());
        Ok(())
    }
}

/// Every office with its roles and their members, headquarters first.
fn list(client: &mut impl GenericClient) -> Result<Vec<Office>> {
    let members =
        |client: &mut dyn FnMut(&str) -> Result<Vec<String>>, role: &Option<String>| match role {
            Some(role) => client(role),
            None => Ok(Vec::new()),
        };
    let rows = client.query(
        "SELECT name, reader_role, editor_role FROM partnercrm.offices
         ORDER BY name <> 'headquarters', name",
        &[],
    )?;
    let mut offices = Vec::new();
    for row in rows {
        let (name, reader_role, editor_role): (String, Option<String>, Option<String>) =
            (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?);
        let mut direct = |role: &str| -> Result<Vec<String>> {
            client
                .query(
                    "SELECT m.rolname::text FROM pg_auth_members a
                     JOIN pg_roles r ON r.oid = a.roleid JOIN pg_roles m ON m.oid = a.member
                     WHERE r.rolname = $1 ORDER BY m.rolname",
                    &[&role],
                )?
                .iter()
                .map(|r| Ok(r.try_get(0)?))
                .collect()
        };
        let mut readers = members(&mut direct, &reader_role)?;
        readers.retain(|r| Some(r) != editor_role.as_ref());
        let editors = members(&mut direct, &editor_role)?;
        offices.push(Office {
            name,
            reader_role,
            editor_role,
            readers,
            editors,
        });
    }
    Ok(offices)
}

fn check_name(name: &str) -> Result<()> {
    let valid = !name.is_empty()
        && name.len() <= 30
        && name.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
    if valid {
        Ok(())
    } else {
        Err(Error::Parse {
            what: "office name",
            input: name.to_owned(),
            reason: "use 1 to 30 lower-case letters, digits, '-' and '_', starting with a letter or digit"
                .to_owned(),
        })
    }
}

fn no_such_office(name: &str) -> Error {
    Error::Parse {
        what: "office",
        input: name.to_owned(),
        reason: "there is no such office; `partnercrm office list` lists them".to_owned(),
    }
}

fn role_exists(tx: &mut postgres::Transaction<'_>, role: &str) -> Result<bool> {
    Ok(tx
        .query_opt("SELECT 1 FROM pg_roles WHERE rolname = $1", &[&role])?
        .is_some())
}

fn check_role(tx: &mut postgres::Transaction<'_>, role: &str) -> Result<()> {
    if role_exists(tx, role)? {
        Ok(())
    } else {
        Err(Error::Parse {
            what: "role",
            input: role.to_owned(),
            reason: format!(
                "no PostgreSQL role has this name; make the user first, e.g. \
                 CREATE ROLE {} LOGIN PASSWORD '...'",
                quoted(role)
            ),
        })
    }
}

/// Makes `role` (without login) unless it exists, a member of `groups`.
fn ensure_role(tx: &mut postgres::Transaction<'_>, role: &str, groups: &[&str]) -> Result<()> {
    if role.len() > 63 {
        return Err(Error::Parse {
            what: "office name",
            input: role.to_owned(),
            reason: "the role it needs is longer than PostgreSQL's 63 bytes; choose a shorter office name"
                .to_owned(),
        });
    }
    if !role_exists(tx, role)? {
        tx.batch_execute(&format!("CREATE ROLE {} NOLOGIN", quoted(role)))?;
    }
    for group in groups {
        tx.batch_execute(&format!("GRANT {} TO {}", quoted(group), quoted(role)))?;
    }
    Ok(())
}

/// The store-wide reader and editor roles, with their table rights.
fn ensure_groups(tx: &mut postgres::Transaction<'_>, database: &str) -> Result<(String, String)> {
    let reader = format!("{database}:reader");
    let editor = format!("{database}:editor");
    ensure_role(tx, &reader, &[])?;
    ensure_role(tx, &editor, &[])?;
    tx.batch_execute(&format!(
        "GRANT USAGE ON SCHEMA {schema} TO {r}, {e};
         GRANT SELECT ON ALL TABLES IN SCHEMA {schema} TO {r};",
        schema = schema::SCHEMA,
        r = quoted(&reader),
        e = quoted(&editor),
    ))?;
    for (rights, tables) in EDITOR_GRANTS {
        let tables: Vec<String> = tables
            .split(", ")
            .map(|t| format!("{}.{t}", schema::SCHEMA))
            .collect();
        tx.batch_execute(&format!(
            "GRANT {rights} ON {} TO {}",
            tables.join(", "),
            quoted(&editor)
        ))?;
    }
    Ok((reader, editor))
}

/// An office's two roles, made if it has none yet.
fn ensure_office_roles(
    tx: &mut postgres::Transaction<'_>,
    database: &str,
    office: &str,
    groups_reader: &str,
    groups_editor: &str,
) -> Result<()> {
    let row = tx.query_one(
        "SELECT reader_role, editor_role FROM partnercrm.offices WHERE name = $1",
        &[&office],
    )?;
    let (reader, editor): (Option<String>, Option<String>) = (row.try_get(0)?, row.try_get(1)?);
    let reader = reader.unwrap_or_else(|| format!("{database}:{office}:reader"));
    let editor = editor.unwrap_or_else(|| format!("{database}:{office}:editor"));
    ensure_role(tx, &reader, &[groups_reader])?;
    ensure_role(tx, &editor, &[&reader, groups_editor])?;
    tx.execute(
        "UPDATE partnercrm.offices SET reader_role = $2, editor_role = $3 WHERE name = $1",
        &[&office, &reader, &editor],
    )?;
    Ok(())
}

/// An office's reader and editor roles.
fn office_roles(tx: &mut postgres::Transaction<'_>, office: &str) -> Result<(String, String)> {
    let row = tx
        .query_opt(
            "SELECT reader_role, editor_role FROM partnercrm.offices WHERE name = $1",
            &[&office],
        )?
        .ok_or_else(|| no_such_office(office))?;
    match (row.try_get(0)?, row.try_get(1)?) {
        (Some(reader), Some(editor)) => Ok((reader, editor)),
        _ => Err(Error::Conflict {
            message: format!(
                "office {office} has no roles yet; `partnercrm office create {office}` makes them"
            ),
        }),
    }
}

/// Whether a kind's records may be shared by every office.
pub(super) fn shareable(kind: RecordKind) -> bool {
    !schema::OFFICE_KINDS.contains(&kind)
}

/// The refusal to make an office-owned record shared.
pub(super) fn not_shareable(record: RecordRef) -> Error {
    Error::Parse {
        what: "office",
        input: record.to_string(),
        reason: format!(
            "a {} belongs to an office; only organisations and groups are shared",
            record.kind
        ),
    }
}
