"""The peer for benches/persist.rs: a plain Python sqlite3 executemany.

Reads the rows the Rust side wrote (not timed), then times inserting them
into a fresh file in one transaction, the way an analyst would without
partnercrm: no validation, no indexes beyond the primary key. Prints the
seconds taken.
"""

import csv
import sqlite3
import sys
import time


def main(rows_csv: str, db_path: str) -> None:
    with open(rows_csv, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        next(reader)
        rows = [
            (bytes.fromhex(r[0]), r[1], bytes.fromhex(r[2]), bytes.fromhex(r[3]), r[4],
             r[5] or None, r[6] or None, r[7] or None, r[8] or None, r[9] or None,
             bytes.fromhex(r[10]) if r[10] else None, r[11] or None)
            for r in reader
        ]
    conn = sqlite3.connect(db_path)
    conn.execute(
        "CREATE TABLE contributions (id BLOB PRIMARY KEY, kind TEXT, donor BLOB, recipient BLOB,"
        " basis TEXT, amount TEXT, currency TEXT, date TEXT, period_start TEXT, period_end TEXT,"
        " project BLOB, payments TEXT)"
    )
    started = time.perf_counter()
    with conn:
        conn.executemany("INSERT INTO contributions VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", rows)
    print(f"{time.perf_counter() - started:.6f}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
