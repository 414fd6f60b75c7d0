"""Every public call of the package, found by introspection, with valid arguments for each.

`calls()` lists every constructor, method, classmethod and property of the classes in
`partnercrm.__all__` (getters, `to_dict` and the dunders we define included) and every
public function. `Env.valid(call)` gives arguments that call accepts; a new public method
without them fails the tests that use this module (test_panics.py,
test_fuzz_boundary.py) until they are added to `VALID` below.
"""

from __future__ import annotations

import inspect
import io
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import partnercrm as pc

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "examples" / "data" / "iom_partnerships.json"
IATI = ROOT.parent / "shared" / "iati" / "samples" / "activity-01.xml"

RECORDS = [pc.Organisation, pc.Person, pc.Agreement, pc.Contribution, pc.Project, pc.Indicator, pc.Group, pc.Note]

# Dunders the binding defines (the rest are Python's own). `__eq__` of records and
# problems is pyo3's derived comparison of two Rust values; Dataset's is ours.
DUNDERS = {"__repr__", "__len__", "__reduce__", "__arrow_c_schema__", "__arrow_c_stream__", "__call__"}
OWN_EQ = {"Dataset"}
# The frozen value classes of partnercrm.values: dataclasses, not binding code.
VALUE_CLASSES = {name for name in pc.__all__ if getattr(getattr(pc, name), "__module__", "") == "partnercrm.values"}


@dataclass(frozen=True)
class Call:
    """One public call: `owner.name`, of a kind, with its parameters."""

    owner: str
    name: str
    kind: str  # "constructor", "method", "classmethod", "property" or "function"
    params: tuple[inspect.Parameter, ...]

    @property
    def id(self) -> str:
        return f"{self.owner}.{self.name}" if self.owner else self.name

    @property
    def python_only(self) -> bool:
        """Written in Python (partnercrm.progress, partnercrm.network, partnercrm.values), not in the binding."""
        return self.owner == "Step" or self.owner == "" or self.owner in VALUE_CLASSES


def _params(target: Any) -> tuple[inspect.Parameter, ...]:
    try:
        signature = inspect.signature(target)
    except (TypeError, ValueError):
        return ()
    return tuple(p for p in signature.parameters.values() if p.name not in ("self", "cls"))


def calls() -> list[Call]:
    found: list[Call] = []
    for name in pc.__all__:
        obj = getattr(pc, name)
        if not inspect.isclass(obj):
            if callable(obj):
                found.append(Call("", name, "function", _params(obj)))
            continue  # constants: CSV_KINDS, TABLES, __version__
        if issubclass(obj, BaseException):
            continue  # Python's own exception classes, with no code of ours
        if getattr(obj, "__text_signature__", None) is not None or "__init__" in vars(obj):
            # A class without one (Table) is made only by the calls that return it.
            found.append(Call(name, "__new__", "constructor", _params(obj)))
        for attr, value in sorted(vars(obj).items()):
            public = not attr.startswith("_") or attr == "_repr_html_"
            if not (public or attr in DUNDERS or (attr == "__eq__" and name in OWN_EQ)):
                continue
            kind = type(value).__name__
            if kind in ("getset_descriptor", "property"):
                found.append(Call(name, attr, "property", ()))
            elif kind == "classmethod_descriptor":
                found.append(Call(name, attr, "classmethod", _params(getattr(obj, attr))))
            elif callable(value):
                found.append(Call(name, attr, "method", _params(getattr(obj, attr))))
            # else a class attribute such as `fields`: data, not a call
    return found


class Env:
    """What the calls need: a data set, a seeded store, records, files to read and a place to write."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.data = pc.Dataset.read_json(SEED)
        self.store = pc.Store.in_memory()
        self.store.import_dataset(self.data, actor="test")
        self.records: dict[str, Any] = {cls.__name__: self.data.records(cls)[0] for cls in RECORDS}
        self.person = self.data.records(pc.Person)[0]
        self.org = self.records["Organisation"]
        self.group = self.records["Group"]
        self.project = self.records["Project"]
        self.table = self.data.table("contributions")
        self.rates = pc.RateTable.from_csv("t", "USD", RATES)
        self.problem = pc.Problem("p", ["p", 0], "c", "m", "warning")
        self.organisations_csv = tmp / "organisations.csv"
        self.data.table("organisations").to_csv(self.organisations_csv)
        self.organisations_xlsx = tmp / "organisations.xlsx"
        self.data.kind_table("organisations").to_excel(self.organisations_xlsx)
        self.rates_csv = tmp / "rates.csv"
        self.rates_csv.write_text(RATES)
        self.imf_csv = tmp / "imf.csv"
        self.imf_csv.write_text(IMF_RATES)
        self.iati_text = IATI.read_text(encoding="utf-8")
        self.seed_text = SEED.read_text(encoding="utf-8")
        self._written = 0

    def out(self, suffix: str) -> Path:
        """A fresh file to write."""
        self._written += 1
        return self.tmp / f"out-{self._written}{suffix}"

    def receiver(self, call: Call) -> Any:
        """The object a method or property is called on."""
        if call.owner in self.records:
            return self.records[call.owner]
        return {
            "Dataset": self.data,
            "Store": self.store,
            "Table": self.table,
            "RateTable": self.rates,
            "Problem": self.problem,
            "Step": pc.Step("read", 0, None),
        }[call.owner]

    def valid(self, call: Call) -> tuple[list[Any], dict[str, Any]]:
        """Arguments `call` accepts: positional (for `*args`) and keyword."""
        args: list[Any] = []
        kwargs: dict[str, Any] = {}
        for param in call.params:
            key = f"{call.id}.{param.name}"
            if param.kind is param.VAR_KEYWORD:
                kwargs.update(self._fields(call))
            elif param.kind is param.VAR_POSITIONAL:
                args.extend(self._pick(key, param.name))
            else:
                kwargs[param.name] = self._pick(key, param.name)
        return args, kwargs

    def _fields(self, call: Call) -> dict[str, Any]:
        if call.name == "replace":
            return {"description": "edited"}
        record = self.records[call.owner].to_dict()
        record.pop("id")
        return dict(record)

    def _pick(self, key: str, name: str) -> Any:
        for lookup in (key, name):
            if lookup in VALID:
                return VALID[lookup](self)
        raise KeyError(f"public_api.VALID has no valid value for {key}: add one")

    def invoke(self, call: Call, args: list[Any], kwargs: dict[str, Any]) -> Any:
        """Makes the call; a receiver is made before, so that only the call itself runs."""
        owner = getattr(pc, call.owner) if call.owner else None
        if call.kind == "function":
            return getattr(pc, call.name)(*args, **kwargs)
        if call.kind == "constructor":
            return owner(*args, **kwargs)
        if call.kind == "classmethod":
            return getattr(owner, call.name)(*args, **kwargs)
        receiver = self.receiver(call)
        return self.invoke_on(receiver, call, args, kwargs)

    @staticmethod
    def invoke_on(receiver: Any, call: Call, args: list[Any], kwargs: dict[str, Any]) -> Any:
        if call.kind == "property":
            return getattr(receiver, call.name)
        if call.name.startswith("__"):
            # Slot wrappers (`__eq__`) take their arguments by position only.
            return getattr(receiver, call.name)(*args, *kwargs.values())
        return getattr(receiver, call.name)(*args, **kwargs)


RATES = "currency,date,rate\nEUR,2008-01,1.47\nCHF,2000,0.9\n"
IMF_RATES = (
    "Date,Rate,Currency,Frequency,Source,Country code,Country\n"
    "2008-12-31,0.68,EUR,A,IMF,U2,Euro Area (EA)\n2000-12-31,1.69,CHF,A,IMF,CH,Switzerland\n"
)

Value = Callable[[Env], Any]

# Valid arguments, by `Owner.method.parameter` or, failing that, by parameter name.
VALID: dict[str, Value] = {
    # Store
    "Store.__new__.path": lambda e: e.out(".db"),
    "Store.__new__.busy_timeout": lambda e: 1.5,
    "actor": lambda e: "fuzz",
    "summary": lambda e: "fuzz",
    "records": lambda e: list(e.records.values()),
    "Store.delete.records": lambda e: [e.records["Note"]],
    "Store.apply.upserts": lambda e: [e.org],
    "Store.apply.deletes": lambda e: [],
    "dataset": lambda e: e.data,
    "Store.import_json.path": lambda e: SEED,
    "Store.import_csv.path": lambda e: e.organisations_csv,
    "Store.import_iati.path": lambda e: IATI,
    "Store.backup.path": lambda e: e.out(".db"),
    "kind": lambda e: pc.Organisation,
    "Store.import_csv.kind": lambda e: "organisations",
    "Store.import_excel.path": lambda e: e.organisations_xlsx,
    "Dataset.import_excel.path": lambda e: e.organisations_xlsx,
    "Store.import_excel.kind": lambda e: "organisations",
    "Dataset.import_excel.kind": lambda e: "organisations",
    "Store.kind_table.kind": lambda e: "organisations",
    "Dataset.kind_table.kind": lambda e: "organisations",
    "sheet": lambda e: "organisations",
    "locale": lambda e: "en",
    "decimal": lambda e: ".",
    "thousands": lambda e: ",",
    "date_format": lambda e: "%d/%m/%Y",
    "delimiter": lambda e: ",",
    "encoding": lambda e: "utf-8",
    "constants": lambda e: {},
    "values": lambda e: {"kind": {"NGO": "ngo_cso"}},
    "ignore": lambda e: [],
    "excel": lambda e: True,
    "Table.to_excel.path": lambda e: e.out(".xlsx"),
    "Dataset.import_csv.kind": lambda e: "organisations",
    "Dataset.agreements_by.kind": lambda e: "mou",
    "mapping": lambda e: {"name": "name"},
    "progress": lambda e: None,
    "undated": lambda e: "row",
    "placement": lambda e: "spread",
    "types_mapper": lambda e: None,
    "categories": lambda e: True,
    "id": lambda e: e.org.id,
    "name": lambda e: "IOM",
    "Store.table.name": lambda e: "contributions",
    "Dataset.table.name": lambda e: "organisations",
    "value": lambda e: "XM-DAC-47066",
    "Dataset.__eq__.value": lambda e: pc.Dataset(),
    "as_of": lambda e: "2030-01-01T00:00:00Z",
    "group_by": lambda e: ["donor", "year"],
    "rates": lambda e: e.rates,
    "record": lambda e: e.org,
    "person": lambda e: e.person,
    "keep": lambda e: e.org,
    "remove": lambda e: e.records["Organisation"],
    "revision": lambda e: 1,
    # Offices: valid arguments, which an SQLite store refuses (StorageError).
    "Store.__new__.office": lambda e: None,
    "office": lambda e: "colombia",
    "role": lambda e: "ana",
    "access": lambda e: "reader",
    "Store.create_office.name": lambda e: "colombia",
    # Dataset
    "Dataset.read_json.path": lambda e: SEED,
    "Dataset.read_iati.path": lambda e: IATI,
    "Dataset.import_csv.path": lambda e: e.organisations_csv,
    "Dataset.write_json.path": lambda e: e.out(".json"),
    "Dataset.write_iati.path": lambda e: e.out(".xml"),
    "Dataset.from_json.text": lambda e: e.seed_text,
    "Dataset.from_iati.text": lambda e: e.iati_text,
    "known": lambda e: e.store,
    "projects": lambda e: [e.project],
    "project": lambda e: e.project,
    "contributions": lambda e: 10,
    "seed": lambda e: 3,
    "on": lambda e: "2009-06-01",
    "days": lambda e: 365,
    "party": lambda e: e.org,
    "group": lambda e: e.group,
    "organisation": lambda e: e.org,
    "min_score": lambda e: 0.6,
    # Records
    "text": lambda e: e.org.to_json(),
    # Problem
    "Problem.__new__.path": lambda e: "organisations[0].name",
    "location": lambda e: ["organisations", 0, "name"],
    "code": lambda e: "text.empty",
    "message": lambda e: "empty",
    "severity": lambda e: "error",
    # RateTable
    "RateTable.__new__.name": lambda e: "t",
    "RateTable.from_csv.name": lambda e: "t",
    "RateTable.read_csv.name": lambda e: "t",
    "target": lambda e: "USD",
    "date": lambda e: "2008-01",
    "RateTable.from_csv.text": lambda e: RATES,
    "RateTable.read_csv.path": lambda e: e.rates_csv,
    "RateTable.from_imf.text": lambda e: IMF_RATES,
    "RateTable.read_imf.path": lambda e: e.imf_csv,
    "RateTable.from_imf.name": lambda e: "t",
    "RateTable.read_imf.name": lambda e: "t",
    "missing_year": lambda e: "latest_earlier",
    "currency_code": lambda e: "GBP",
    "rate": lambda e: Decimal("1.9"),
    # Table
    "Table.to_csv.path": lambda e: e.out(".csv"),
    "requested_schema": lambda e: None,
    # Python helpers
    "stream": lambda e: io.StringIO(),
    "rows": lambda e: 10,
}

# Record classes' `from_json` read their own kind's text.
for _cls in RECORDS:
    VALID[f"{_cls.__name__}.from_json.text"] = lambda e, n=_cls.__name__: e.records[n].to_json()
