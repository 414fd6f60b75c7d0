//! Running one test against each backend: `both_backends!(test, ...)` makes
//! `sqlite::test` and `postgres::test`, and inside them [`new_store`] opens
//! a fresh store of that backend (SQLite in memory, or a PostgreSQL database
//! of its own). Without a PostgreSQL server the `postgres` tests are skipped
//! (failed under CI), as [`pg::server`] says.

#![allow(dead_code)]

use std::cell::Cell;
use std::ops::{Deref, DerefMut};

use partnercrm::store::Store;

use super::pg;

/// Which backend [`new_store`] opens on this thread.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// SQLite, in memory.
    Sqlite,
    /// A PostgreSQL database of its own.
    Postgres,
}

thread_local! {
    static KIND: Cell<Kind> = const { Cell::new(Kind::Sqlite) };
}

/// A store, and the database that holds it (dropped after it).
pub struct Held {
    store: Store,
    _database: Option<pg::Scratch>,
}

impl Deref for Held {
    type Target = Store;
    fn deref(&self) -> &Store {
        &self.store
    }
}

impl DerefMut for Held {
    fn deref_mut(&mut self) -> &mut Store {
        &mut self.store
    }
}

/// A fresh, empty store of the backend this test runs against.
pub fn new_store() -> Held {
    match KIND.get() {
        Kind::Sqlite => Held {
            store: Store::in_memory().expect("opens"),
            _database: None,
        },
        Kind::Postgres => {
            let database = pg::Scratch::new().expect("a PostgreSQL server (checked before)");
            Held {
                store: Store::open(&database.url).expect("opens"),
                _database: Some(database),
            }
        }
    }
}

/// Runs `test` with [`new_store`] opening stores of `kind`; a PostgreSQL
/// test without a server is skipped (or fails under CI).
pub fn run(kind: Kind, test: fn()) {
    if kind == Kind::Postgres && pg::server().is_none() {
        return;
    }
    KIND.set(kind);
    test();
}

/// Makes a `sqlite` and a `postgres` test of each function named.
#[macro_export]
macro_rules! both_backends {
    ($($test:ident),* $(,)?) => {
        mod sqlite {
            $(#[test] fn $test() { super::backends::run(super::backends::Kind::Sqlite, super::$test) })*
        }
        mod postgres {
            $(#[test] fn $test() { super::backends::run(super::backends::Kind::Postgres, super::$test) })*
        }
    };
}
