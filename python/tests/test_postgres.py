"""The store in PostgreSQL, from Python: `pc.Store("postgresql://...")`, the same
behaviour as the SQLite file, offices managed by the administrator, and a refused
write raised as `PermissionDeniedError`, a `PartnerCrmError`.

Each test gets a database of its own on `$PARTNERCRM_TEST_POSTGRES` (`make test`
starts a throwaway server). Without one the tests are skipped, except under CI,
where they fail.
"""

from __future__ import annotations

import datetime
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

import partnercrm as pc

SERVER = os.environ.get("PARTNERCRM_TEST_POSTGRES", "")


def with_user(url: str, user: str, database: str) -> str:
    """`url` as another user (password: its name), in another database."""
    scheme, rest = url.split("://", 1)
    rest, _, query = rest.partition("?")
    authority = rest.split("/", 1)[0]
    host = authority.rsplit("@", 1)[-1]
    return f"{scheme}://{user}:{user}@{host}/{database}" + (f"?{query}" if query else "")


@dataclass
class Scratch:
    name: str
    url: str

    def user(self, suffix: str) -> str:
        role = f"{self.name}_{suffix}"
        with psycopg.connect(SERVER, autocommit=True) as admin:
            admin.execute(f"CREATE ROLE {role} LOGIN PASSWORD '{role}'")
        return role

    def login(self, role: str) -> str:
        return with_user(SERVER, role, self.name)


@pytest.fixture()
def scratch() -> Iterator[Scratch]:
    if not SERVER:
        if os.environ.get("CI") in ("true", "1"):
            pytest.fail("CI is set and PARTNERCRM_TEST_POSTGRES is not: the PostgreSQL tests must run")
        pytest.skip("no PostgreSQL server: run `make test`, or set PARTNERCRM_TEST_POSTGRES")
    name = f"pcrm_py_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(SERVER, autocommit=True) as admin:
        admin.execute(f"CREATE ROLE {name} LOGIN CREATEROLE PASSWORD '{name}'")
        admin.execute(f"CREATE DATABASE {name} OWNER {name}")
    try:
        yield Scratch(name, with_user(SERVER, name, name))
    finally:
        with psycopg.connect(SERVER, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            roles = admin.execute(
                "SELECT rolname FROM pg_roles WHERE rolname = %s OR starts_with(rolname, %s) OR starts_with(rolname, %s)",
                (name, name + "_", name + ":"),
            ).fetchall()
            for (role,) in roles:
                admin.execute(f'DROP ROLE IF EXISTS "{role}"')


def test_a_postgresql_store_behaves_as_the_file_does(scratch: Scratch, seed: pc.Dataset, tmp_path: Path) -> None:
    store = pc.Store(scratch.url)
    assert store.path.startswith("postgresql://") and f":{scratch.name}@" not in store.path, "no password shown"
    before = datetime.datetime.now(datetime.timezone.utc)
    applied = store.import_dataset(seed, actor="test")
    assert applied["inserted"] == len(seed)
    assert store.dataset() == seed
    again = store.import_dataset(seed)
    assert (again["inserted"], again["updated"], again["revision"]) == (0, 0, None)
    assert store.dataset(as_of=before) == pc.Dataset()
    iom = store.find(pc.Organisation, "IOM")[0]
    store.add(iom.replace(website="https://www.iom.int/"), actor="analyst")
    history = store.history(iom)
    assert [c["action"] for c in history] == ["created", "updated"]
    assert history[1]["actor"] == "analyst"
    # The same rollup as the file's.
    file = pc.Store(tmp_path / "same.db")
    file.import_dataset(store.dataset())
    assert store.rollup(["donor", "year"]).to_arrow().equals(file.rollup(["donor", "year"]).to_arrow())
    backup = tmp_path / "backup.db"
    store.backup(backup)
    assert pc.Store(backup).dataset() == store.dataset()


def test_offices_from_python(scratch: Scratch, seed: pc.Dataset) -> None:
    admin = pc.Store(scratch.url)
    admin.import_dataset(seed)
    office = admin.create_office("colombia")
    assert office["editor_role"] == f"{scratch.name}:colombia:editor"
    ana, cleo = scratch.user("ana"), scratch.user("cleo")
    admin.grant("colombia", ana, "editor")
    admin.grant("colombia", cleo, "reader")
    listed = {o["name"]: o for o in admin.offices()}
    assert list(listed) == ["headquarters", "colombia"]
    assert (listed["colombia"]["editors"], listed["colombia"]["readers"]) == ([ana], [cleo])

    colombia = pc.Store(scratch.login(ana), office="colombia")
    assert colombia.all(pc.Contribution) == [], "the seed is headquarters'"
    chevron = colombia.find(pc.Organisation, "Chevron Corporation")[0]
    iom = colombia.find(pc.Organisation, "IOM")[0]
    gift = pc.Contribution(
        kind="cash", donor=chevron, recipient=iom, date="2024",
        value={"basis": "actual", "amount": "12.50", "currency": "USD"},
    )
    colombia.add(gift, actor="ana")
    assert colombia.office_of(gift) == "colombia"
    assert colombia.office_of(chevron) is None, "organisations are shared"
    assert [c.id for c in colombia.all(pc.Contribution)] == [gift.id]
    assert len(admin.all(pc.Contribution)) == len(seed.records(pc.Contribution)) + 1

    theirs = admin.all(pc.Contribution)[0]
    with pytest.raises(pc.PermissionDeniedError) as info:
        colombia.delete(theirs)
    assert isinstance(info.value, pc.PartnerCrmError)
    reader = pc.Store(scratch.login(cleo))
    assert [c.id for c in reader.all(pc.Contribution)] == [gift.id]
    with pytest.raises(pc.PermissionDeniedError):
        reader.add(gift.replace(description="a reader's edit"))
    with pytest.raises(pc.PermissionDeniedError):
        colombia.create_office("peru")
    assert colombia.move_record(chevron, "colombia") is not None
    assert reader.office_of(chevron) == "colombia"


def test_offices_need_a_shared_store() -> None:
    with pytest.raises(pc.StorageError, match="offices are for stores shared by a team"):
        pc.Store.in_memory().create_office("colombia")
