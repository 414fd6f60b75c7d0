#!/usr/bin/env python3
"""Generate crates/partnercrm/src/model/codes/generated.rs from the IATI codelists.

The official IATI 2.03 codelist XML files are the single source of truth; this
script turns the handful the crate needs into sorted Rust tables so lookups are
a binary search with no parsing at runtime.

    python3 scripts/gen_codes.py                  # (re)write generated.rs
    python3 scripts/gen_codes.py --check          # exit 1 if generated.rs is stale
    python3 scripts/gen_codes.py --codelists DIR  # read the XML files from DIR

Standard library only (xml.etree), so it runs anywhere Python 3.11 does. If
`rustfmt` is on PATH the output is passed through it as a safety net, but the
emitter already writes rustfmt-stable code so the result does not depend on it.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import unicodedata
import xml.etree.ElementTree as ET
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CODELISTS = REPO_ROOT.parent / "shared" / "iati" / "codelists"
OUTPUT = REPO_ROOT / "crates" / "partnercrm" / "src" / "model" / "codes" / "generated.rs"

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
MAX_WIDTH = 100  # rustfmt default max_width
FN_CALL_WIDTH = 60  # rustfmt default fn_call_width, which also governs tuples
INDENT = "    "

FILES = (
    "Country.xml",
    "Currency.xml",
    "OrganisationRegistrationAgency.xml",
    "OrganisationType.xml",
    "Sector.xml",
    "ActivityDateType.xml",
    "ActivityStatus.xml",
    "IndicatorMeasure.xml",
    "OrganisationRole.xml",
    "TransactionType.xml",
    "OrganisationIdentifier.xml",
    "IATIOrganisationIdentifier.xml",
    "CRSChannelCode.xml",
    "BudgetType.xml",
    "BudgetStatus.xml",
)

# Small embedded codelists the IATI reader and writer name codes from, as
# (file, Rust table name, what one item is).
IATI_LISTS = (
    ("ActivityDateType.xml", "ACTIVITY_DATE_TYPES", "activity date type"),
    ("ActivityStatus.xml", "ACTIVITY_STATUSES", "activity status"),
    ("BudgetStatus.xml", "BUDGET_STATUSES", "budget status"),
    ("BudgetType.xml", "BUDGET_TYPES", "budget type"),
    ("IndicatorMeasure.xml", "INDICATOR_MEASURES", "indicator measure"),
    ("OrganisationRole.xml", "ORGANISATION_ROLES", "organisation role"),
    ("TransactionType.xml", "TRANSACTION_TYPES", "transaction type"),
)


class CodelistError(Exception):
    """The XML does not look like the codelist we expect."""


# --------------------------------------------------------------------------- reading


def collapse(text: str) -> str:
    # str.split() and Rust's split_whitespace agree on Unicode whitespace, which
    # lets the drift test normalise names the same way.
    return " ".join(text.split())


def english_name(item: ET.Element, default_lang: str, code: str, path: Path) -> str:
    # An un-tagged narrative inherits the codelist's xml:lang (always "en" in
    # practice); explicitly English narratives count too. Take the first.
    for narrative in item.findall("./name/narrative"):
        lang = narrative.get(XML_LANG, default_lang)
        if lang == "en":
            name = collapse("".join(narrative.itertext()))
            if name:
                return name
    raise CodelistError(f"{path.name}: item {code!r} has no English name/narrative")


def read_items(path: Path, code_pattern: str) -> list[tuple[str, str, bool]]:
    """Return (code, English name, active) for every codelist-item, sorted by code."""
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as err:
        raise CodelistError(f"cannot read {path}: {err}") from err
    if root.tag != "codelist":
        raise CodelistError(f"{path.name}: root element is <{root.tag}>, not <codelist>")
    default_lang = root.get(XML_LANG, "en")
    pattern = re.compile(code_pattern)
    rows: dict[str, tuple[str, str, bool]] = {}
    for item in root.findall("./codelist-items/codelist-item"):
        code = (item.findtext("code") or "").strip()
        if not pattern.fullmatch(code):
            raise CodelistError(
                f"{path.name}: code {code!r} does not match /{code_pattern}/"
            )
        if code in rows:
            raise CodelistError(f"{path.name}: duplicate code {code!r}")
        active = item.get("status") != "withdrawn"
        rows[code] = (code, english_name(item, default_lang, code, path), active)
    if not rows:
        raise CodelistError(f"{path.name}: no codelist-item elements found")
    # Byte order is what Rust's `str::cmp` (and so `binary_search`) uses.
    return sorted(rows.values(), key=lambda row: row[0].encode("utf-8"))


def read_categories(path: Path) -> set[str]:
    """The codes other items of a codelist name as their category."""
    root = ET.parse(path).getroot()
    return {
        (item.findtext("category") or "").strip()
        for item in root.findall("./codelist-items/codelist-item")
    } - {""}


def read_sources(codelists: Path) -> list[str]:
    """Provenance lines ("REPO commit SHA") from SOURCES.txt for the files we use.

    SOURCES.txt lists, per upstream repository, either the codelists taken from
    it or "the rest"; unknown formats are ignored rather than guessed at.
    """
    path = codelists / "SOURCES.txt"
    if not path.is_file():
        return []
    explicit: dict[str, str] = {}
    rest: str | None = None
    for line in path.read_text(encoding="utf-8").splitlines():
        origin, sep, names = line.partition(":")
        if not sep:
            continue
        origin = collapse(origin)
        if names.strip() == "the rest":
            rest = origin
        else:
            for name in names.split():
                explicit[name] = origin
    origins: list[str] = []
    for file in FILES:
        origin = explicit.get(file.removesuffix(".xml"), rest)
        if origin and origin not in origins:
            origins.append(origin)
    return origins


# --------------------------------------------------------------------------- writing


def rust_str(value: str) -> str:
    out = ['"']
    for ch in value:
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn"):
            # Invisible or unassigned characters are spelled out so they survive review.
            out.append(f"\\u{{{ord(ch):x}}}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def width(text: str) -> int:
    # rustfmt measures display width; East Asian wide characters count double.
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def tuple_entry(fields: list[str]) -> list[str]:
    """One slice element, laid out the way rustfmt would lay it out."""
    inner = ", ".join(fields)
    line = f"{INDENT}({inner}),"
    if width(inner) <= FN_CALL_WIDTH and width(line) <= MAX_WIDTH:
        return [line]
    return [f"{INDENT}("] + [f"{INDENT * 2}{field}," for field in fields] + [f"{INDENT}),"]


def packed_entries(fields: list[str]) -> list[str]:
    """Short literals packed several to a line, as rustfmt does for short arrays."""
    lines: list[str] = []
    current = INDENT
    for field in fields:
        piece = f"{field},"
        candidate = piece if current == INDENT else f" {piece}"
        if current != INDENT and width(current + candidate) > MAX_WIDTH:
            lines.append(current)
            current = INDENT + piece
        else:
            current += candidate
    if current != INDENT:
        lines.append(current)
    return lines


ARRAY_WIDTH = 60  # rustfmt default array_width: a shorter array stays on one line


def static(doc: list[str], name: str, ty: str, body: list[str]) -> list[str]:
    comments = [f"/// {line}".rstrip() for line in doc]
    # A short table of one-line entries is one line, as rustfmt writes it.
    items = [line.strip().removesuffix(",") for line in body]
    one_line = f"pub(crate) static {name}: {ty} = &[{', '.join(items)}];"
    if (
        all(line.startswith(f"{INDENT}(") and line.endswith("),") for line in body)
        and width(f"[{', '.join(items)}]") <= ARRAY_WIDTH
        and width(one_line) <= MAX_WIDTH
    ):
        return comments + [one_line, ""]
    return comments + [
        f"pub(crate) static {name}: {ty} = &[",
        *body,
        "];",
        "",
    ]


def render(codelists: Path) -> str:
    countries = read_items(codelists / "Country.xml", r"[A-Z]{2}")
    agencies = read_items(
        codelists / "OrganisationRegistrationAgency.xml", r"[A-Za-z0-9_]+(?:-[A-Za-z0-9_]+)+"
    )
    sectors = read_items(codelists / "Sector.xml", r"[0-9]{5}")
    org_types = read_items(codelists / "OrganisationType.xml", r"[0-9]{2}")
    currencies = read_items(codelists / "Currency.xml", r"[A-Z]{3}")
    retired = read_items(codelists / "OrganisationIdentifier.xml", r"[A-Z0-9]+(?:-[A-Z0-9]+)?")
    xi_iati = read_items(codelists / "IATIOrganisationIdentifier.xml", r"XI-IATI-[A-Za-z0-9_]+")
    channels = read_items(codelists / "CRSChannelCode.xml", r"[0-9]{5}")
    categories = read_categories(codelists / "CRSChannelCode.xml")

    header = [
        "//! Generated by scripts/gen_codes.py from the official IATI 2.03 codelists. Do not edit.",
        "//!",
        "//! Data: the IATI codelist XML files Country.xml, Currency.xml,",
        "//! OrganisationRegistrationAgency.xml, OrganisationType.xml, Sector.xml,",
        "//! ActivityDateType.xml, ActivityStatus.xml, IndicatorMeasure.xml,",
        "//! OrganisationRole.xml, TransactionType.xml, OrganisationIdentifier.xml,",
        "//! IATIOrganisationIdentifier.xml, CRSChannelCode.xml, BudgetType.xml and",
        "//! BudgetStatus.xml",
        "//! (shared/iati/codelists; see SOURCES.txt there for provenance).",
    ]
    origins = read_sources(codelists)
    if origins:
        header.append("//! Upstream:")
        header += [f"//! - {origin}" for origin in origins]
    header += [
        "//!",
        "//! Regenerate with `python3 scripts/gen_codes.py`. `tests/codelists.rs` re-reads",
        "//! the XML files and fails if these tables no longer match them.",
        "",
    ]

    def pair(rows: list[tuple[str, str, bool]]) -> list[str]:
        return [ln for code, name, _ in rows for ln in tuple_entry([rust_str(code), rust_str(name)])]

    body = [*header]
    body += static(
        [
            "Every Country.xml item as (ISO 3166-1 alpha-2 code, English name), sorted by",
            "code. Includes withdrawn codes, which may still appear in older data.",
        ],
        "COUNTRIES",
        "&[(&str, &str)]",
        pair(countries),
    )
    body += static(
        [
            "Every OrganisationRegistrationAgency.xml item as (code, English name, active),",
            "sorted by code; `active` is false for items with status=\"withdrawn\".",
        ],
        "REGISTRATION_AGENCIES",
        "&[(&str, &str, bool)]",
        [
            ln
            for code, name, active in agencies
            for ln in tuple_entry([rust_str(code), rust_str(name), "true" if active else "false"])
        ],
    )
    body += static(
        [
            "Every Sector.xml item as (OECD DAC 5-digit sector code, English name), sorted",
            "by code. Includes withdrawn codes, which may still appear in older data.",
        ],
        "SECTORS",
        "&[(&str, &str)]",
        pair(sectors),
    )
    body += static(
        ["Every OrganisationType.xml item as (code, English name), sorted by code."],
        "ORGANISATION_TYPES",
        "&[(&str, &str)]",
        pair(org_types),
    )
    body += static(
        [
            "Every Currency.xml code (ISO 4217), sorted. Includes codes IATI marks as",
            "withdrawn, which may still appear in older data.",
        ],
        "IATI_CURRENCIES",
        "&[&str]",
        packed_entries([rust_str(code) for code, _, _ in currencies]),
    )
    body += static(
        [
            "Every OrganisationIdentifier.xml item as (code, English name), sorted by code:",
            "the list of bilateral agencies' identifiers retired in IATI 1.04, which",
            "publishers still write (DE-1, FR-3, SE-6, 41114).",
        ],
        "RETIRED_ORGANISATION_IDENTIFIERS",
        "&[(&str, &str)]",
        pair(retired),
    )
    body += static(
        [
            "Every IATIOrganisationIdentifier.xml item as (XI-IATI identifier, English",
            "name), sorted by identifier.",
        ],
        "XI_IATI_ORGANISATIONS",
        "&[(&str, &str)]",
        pair(xi_iati),
    )
    body += static(
        [
            "Every CRSChannelCode.xml item as (OECD CRS channel code, English name, active,",
            "category), sorted by code; `category` is true for a code other items name as",
            "their category (21000 \"International NGO\") and for the catch-alls named",
            "\"Other\" (90000): each says what sort of channel an organisation is, not which.",
        ],
        "CRS_CHANNELS",
        "&[(&str, &str, bool, bool)]",
        [
            ln
            for code, name, active in channels
            for ln in tuple_entry(
                [
                    rust_str(code),
                    rust_str(name),
                    "true" if active else "false",
                    # "Other" (90000) names no organisation either.
                    "true" if code in categories or name == "Other" else "false",
                ]
            )
        ],
    )
    for file, name, what in IATI_LISTS:
        rows = read_items(codelists / file, r"[0-9]{1,2}")
        # Numeric codes sort as numbers here, so the table reads like the codelist.
        rows.sort(key=lambda row: int(row[0]))
        body += static(
            [f"Every {file} item as ({what} code, English name), in numeric order."],
            name,
            "&[(&str, &str)]",
            pair(rows),
        )
    text = "\n".join(body).rstrip("\n") + "\n"
    return rustfmt(text)


def rustfmt(text: str) -> str:
    exe = shutil.which("rustfmt")
    if exe is None:
        return text
    result = subprocess.run(
        [exe, "--edition", "2024", "--emit", "stdout"],
        input=text,
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=REPO_ROOT,
        check=False,
    )
    if result.returncode != 0:
        raise CodelistError(f"rustfmt rejected the generated code:\n{result.stderr}")
    if result.stdout != text:
        print(
            "gen_codes.py: note: rustfmt changed the layout; the emitter in this "
            "script should be taught the new layout",
            file=sys.stderr,
        )
    return result.stdout


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--codelists",
        type=Path,
        default=DEFAULT_CODELISTS,
        metavar="DIR",
        help="directory holding the IATI codelist XML files (default: %(default)s)",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="do not write; exit 1 if the generated file is missing or out of date",
    )
    args = parser.parse_args(argv)

    try:
        expected = render(args.codelists)
    except CodelistError as err:
        print(f"gen_codes.py: error: {err}", file=sys.stderr)
        return 2

    relative = OUTPUT.relative_to(REPO_ROOT)
    try:
        current = OUTPUT.read_text(encoding="utf-8")
    except FileNotFoundError:
        current = None

    if args.check:
        if current != expected:
            print(
                f"gen_codes.py: {relative} is out of date; run python3 scripts/gen_codes.py",
                file=sys.stderr,
            )
            return 1
        return 0

    if current != expected:
        OUTPUT.parent.mkdir(parents=True, exist_ok=True)
        OUTPUT.write_text(expected, encoding="utf-8", newline="\n")
        print(f"gen_codes.py: wrote {relative}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
