"""The one schema against the stubs, the value classes and the core's own output.

The compiled module's schema decides how every field crosses (by its type,
never its key's name); these tests fail when the stubs, `partnercrm.values`
or the record classes disagree with it."""

import ast
import dataclasses
from pathlib import Path
from typing import Any

import pytest

import partnercrm as pc
from partnercrm import _partnercrm, values

STUBS = Path(pc.__file__).with_name("_partnercrm.pyi")
SCHEMA = {name: (is_value, fields) for name, is_value, fields in _partnercrm._schema()}
RECORDS = [name for name, (is_value, _) in SCHEMA.items() if not is_value]
VALUES = [name for name, (is_value, _) in SCHEMA.items() if is_value]


def stub_classes() -> dict[str, ast.ClassDef]:
    tree = ast.parse(STUBS.read_text())
    return {node.name: node for node in tree.body if isinstance(node, ast.ClassDef)}


def test_every_record_and_value_class_is_in_the_schema() -> None:
    assert RECORDS == ["Organisation", "Person", "Agreement", "Contribution", "Project", "Indicator", "Group", "Note"]
    assert set(VALUES) >= {
        "Money", "Period", "Party", "Membership", "ChairTerm", "Identifier", "Affiliation",
        "Observation", "Payment", "Allocation", "Links",
    }
    assert set(VALUES) == {c.__name__ for c in vars(values).values() if dataclasses.is_dataclass(c)}


@pytest.mark.parametrize("name", RECORDS)
def test_record_stubs_agree_with_the_schema(name: str) -> None:
    _, fields = SCHEMA[name]
    stub = stub_classes()[name]
    properties = {
        node.name: ast.unparse(node.returns)
        for node in stub.body
        if isinstance(node, ast.FunctionDef) and node.returns is not None
        and any(isinstance(d, ast.Name) and d.id == "property" for d in node.decorator_list)
    }
    assert properties == {f: out for f, out, _, _, _ in fields}
    new = next(n for n in stub.body if isinstance(n, ast.FunctionDef) and n.name == "__new__")
    defaults = dict(zip([a.arg for a in new.args.kwonlyargs], new.args.kw_defaults, strict=True))
    parameters = {a.arg: (ast.unparse(a.annotation), defaults[a.arg] is None) for a in new.args.kwonlyargs if a.annotation}
    assert parameters == {f: (given, required) for f, _, given, required, _ in fields}


@pytest.mark.parametrize("name", RECORDS)
def test_record_classes_have_a_getter_for_every_schema_field(name: str) -> None:
    cls = getattr(pc, name)
    _, fields = SCHEMA[name]
    assert cls.fields == [f for f, *_ in fields]
    getters = {k for k, v in vars(cls).items() if type(v).__name__ == "getset_descriptor"}
    assert getters == set(cls.fields)


@pytest.mark.parametrize("name", VALUES)
def test_value_classes_agree_with_the_schema(name: str) -> None:
    _, fields = SCHEMA[name]
    cls = getattr(values, name)
    got = []
    for field in dataclasses.fields(cls):
        required = field.default is dataclasses.MISSING
        got.append((field.name, field.type, required))
        if not required and field.default is not None and isinstance(field.default, str):
            assert (field.name, field.default) in [(f, d) for f, _, _, _, d in fields]
    assert got == [(f, out, required) for f, out, _, required, _ in fields]
    assert getattr(pc, name) is cls


def _all_records(data: pc.Dataset) -> list[Any]:
    kinds = [pc.Organisation, pc.Person, pc.Agreement, pc.Contribution, pc.Project, pc.Indicator, pc.Group, pc.Note]
    return [r for kind in kinds for r in data.records(kind)]


def test_every_getter_and_to_dict_on_the_seed_and_a_synthetic_set(seed: pc.Dataset) -> None:
    for data in (seed, pc.Dataset.synthetic(300, seed=7)):
        for record in _all_records(data):
            for name in type(record).fields:
                getattr(record, name)
            assert type(record).from_json(record.to_json()) == record
            # Each value the getters give goes back in and makes the same record.
            rebuilt = record.replace(**{name: getattr(record, name) for name in type(record).fields})
            assert rebuilt == record, record
            # And the plain dict of to_dict() does too.
            assert type(record)(**record.to_dict()) == record
