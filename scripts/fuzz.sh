#!/usr/bin/env bash
# Fuzzes partnercrm's readers of untrusted input with cargo-fuzz (libFuzzer):
#
#   json    io::json::from_str, then validate, locate every problem, write back
#   csv     io::csv::read of every kind (the first byte picks it), header, infer
#   iati    io::iati::read_str, then export what it read and read that again
#   values  PartialDate, Currency, CountryCode and SectorCode parsing
#   arithmetic  exact sums and products against rust_decimal; rollups (with
#           and without rates), splits, the report, outcomes and every table
#           of extreme amounts, rates and values
#
# Usage: scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]   (default 120, all)
#
# Not part of `make test` or CI: it runs for minutes and its result depends on
# chance. Any crash is left in fuzz/artifacts/TARGET/ and makes the script
# exit non-zero; replay one with
#   cargo fuzz run --sanitizer none TARGET fuzz/artifacts/TARGET/crash-...
# and turn it into a test in crates/partnercrm/tests/fuzz_regressions.rs.
#
# Seed corpora are built afresh under fuzz/corpus/ (gitignored) from files in
# the repository and from ../shared/iati/samples/ when it is there; libFuzzer
# adds what it finds there, so later runs start from where this one stopped.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

seconds="${1:-120}"
shift || true
if [ "$#" -gt 0 ]; then
    targets=("$@")
else
    targets=(json csv iati values arithmetic)
fi

# cargo-fuzz is made for nightly Rust; only the stable toolchain is installed
# here and no other can be fetched. With `--sanitizer none` (the default
# below) cargo-fuzz passes rustc only stable flags (-Cpasses=sancov-module,
# -Cllvm-args=-sanitizer-coverage-*), but `--sanitizer address` adds
# -Zsanitizer=address, which stable rustc refuses unless RUSTC_BOOTSTRAP=1
# (it then works: the stable toolchain ships the sanitizer runtimes). The
# variable is set in both cases because cargo rebuilds everything when it
# changes. It applies to this build only, into its own target directory
# (fuzz/target), never to the main workspace's.
export RUSTC_BOOTSTRAP=1
export CARGO_TARGET_DIR="$root/fuzz/target"

# AddressSanitizer adds nothing for this crate (it forbids unsafe code; the
# only C is the bundled SQLite, which these targets do not reach) and costs
# about half the executions, so the default is none; FUZZ_SANITIZER=address
# runs with it.
sanitizer="${FUZZ_SANITIZER:-none}"

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "installing cargo-fuzz" >&2
    cargo install cargo-fuzz --locked
fi

# --- seed corpora -----------------------------------------------------------
corpus="$root/fuzz/corpus"
mkdir -p "$corpus"/{json,csv,iati,values,arithmetic}

cp examples/data/iom_partnerships.json "$corpus/json/seed-iom_partnerships.json"
printf '{"format":"partnercrm/1"}' >"$corpus/json/seed-empty.json"

# CSV seeds: the first byte is the index into CsvKind::ALL.
csv_seed() { # INDEX NAME, the text on standard input
    { printf "\\x$(printf '%02x' "$1")"; cat; } >"$corpus/csv/seed-$2.csv"
}
csv_seed 0 organisations <<'EOF'
name,kind,acronym,aliases,country,parent,iati_org_id
Oxfam GB,ngo_cso,,Oxfam Great Britain;Oxfam,GB,,GB-CHC-202918
Oxfam GB Kenya,country_office,,,KE,Oxfam GB,
World Bank,igo,,,,,
EOF
csv_seed 1 people <<'EOF'
name,organisation,title,from,to,email,phone
Olena Petrenko,IOM Ukraine,Project officer,2024-01,,olena@example.org,+380 44 000
EOF
csv_seed 2 projects <<'EOF'
title,acronym,countries,sectors,start,end,status,lead_office,parent,funding,implementing,places,themes
Safe Migration Ukraine,SMA,UA,15110;72010,2024-01,2025-12,implementation,IOM Ukraine,,World Bank,IOM Ukraine,Kyiv;Lviv,migration
EOF
csv_seed 3 agreements <<'EOF'
title,kind,parties,signed,start,end,status,purpose,projects
SMA cooperation,mou,IOM Ukraine=signatory|implementer;World Bank=signatory|donor,2024-01-15,2024-02,2026-01,active,"Work ""together""",Praesidium
EOF
csv_seed 4 contributions <<'EOF'
donor,recipient,kind,amount,currency,received_on,project,basis,description
Chevron,IOM Angola,cash,850000,USD,2004,,actual,
XM-DAC-47066,IOM Pakistan,cash,1000.50,CHF,2010-03-02,,estimated,
UBS,IOM Indonesia,in_kind,,,2006,,,
EOF
csv_seed 5 indicators <<'EOF'
project,indicator,unit,measure,aggregation,observation,value,qualifier,from,to,comment
Praesidium,People reached,people,count,sum,baseline,0,,2023,2023,
Praesidium,People reached,people,count,sum,target,600000,,2024,2025,
Praesidium,People reached,people,count,sum,actual,612000,more_than,2024,2025,survey
EOF
csv_seed 6 groups <<'EOF'
name,kind,acronym,aliases,parent,from,to,purpose,contact
Working Group on Safe Migration,working_group,WGSM,,,2024,,Share what works,
Task force,task_force,TF,,Working Group on Safe Migration,2024-03,2024-12-31,,
EOF
csv_seed 7 memberships <<'EOF'
group,organisation,role,from,to
Working Group on Safe Migration,IOM Ukraine,chair,2024,2025
Working Group on Safe Migration,World Bank,member,2024,
EOF
csv_seed 8 notes <<'EOF'
kind,text,title,language,place,date,organisations,people,projects,agreements,groups
quote,"We reached more people than we planned.",,en,Kyiv,2025-06,IOM Ukraine,,Praesidium,,
EOF

if [ -d ../shared/iati/samples ]; then
    cp ../shared/iati/samples/*.xml "$corpus/iati/"
else
    echo "note: ../shared/iati/samples not found; the iati corpus starts from the built-in seed only" >&2
fi
cat >"$corpus/iati/seed-minimal.xml" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<iati-activities version="2.03">
 <iati-activity default-currency="USD">
  <iati-identifier>XM-DAC-47066-P1</iati-identifier>
  <reporting-org ref="XM-DAC-47066" type="40"><narrative>IOM</narrative></reporting-org>
  <title><narrative>A project</narrative></title>
  <participating-org role="1" ref="44000" type="40"><narrative>World Bank</narrative></participating-org>
  <activity-status code="2"/>
  <activity-date type="2" iso-date="2020-01-01"/>
  <recipient-country code="UA" percentage="100"/>
  <sector vocabulary="1" code="15110"/>
  <transaction><transaction-type code="1"/><transaction-date iso-date="2020-03-01"/>
   <value currency="EUR" value-date="2020-03-01">1000.50</value>
   <provider-org ref="44000"><narrative>World Bank</narrative></provider-org></transaction>
 </iati-activity>
</iati-activities>
EOF

for v in 2024 2024-02 2024-02-29 0000-01-01 USD XDR UA 15110; do
    printf '%s' "$v" >"$corpus/values/seed-$v"
done

# Arithmetic seeds: a byte picks a mantissa's width (low 4 bits mod 12, plus
# one bytes) and its sign (high bit), then the mantissa, then the scale.
# The largest Decimal twice, then a data set of three pledges.
printf '\x0b\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x00\x0b\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x00\x02\x03\x01\x00\x02\x0b\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x00' \
    >"$corpus/arithmetic/seed-max"
printf '\x00\x05\x02\x00\x05\x02\x02\x01\x01\x00\xc8\x02\x01\x00\x01' >"$corpus/arithmetic/seed-small"

# --- build and run ----------------------------------------------------------
declare -A max_len=([json]=131072 [csv]=16384 [iati]=65536 [values]=64 [arithmetic]=512)
crashed=()
summary=()
log_dir="$root/fuzz/target/logs"
mkdir -p "$log_dir"

cd "$root/fuzz"
for target in "${targets[@]}"; do
    cargo fuzz build --sanitizer "$sanitizer" "$target"
done
started="$log_dir/.started"
touch "$started"

for target in "${targets[@]}"; do
    log="$log_dir/$target.log"
    dict=()
    if [ -f "dict/$target.dict" ]; then
        dict=("-dict=dict/$target.dict")
    fi
    echo "=== $target: ${seconds}s (log: $log)"
    status=0
    cargo fuzz run --sanitizer "$sanitizer" "$target" "corpus/$target" -- \
        -max_total_time="$seconds" -max_len="${max_len[$target]:-4096}" \
        -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 "${dict[@]}" \
        >"$log" 2>&1 || status=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    last=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
    cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
    ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
    corp=$(sed -n 's/.* corp: \([0-9]*\).*/\1/p' <<<"$last")
    line=$(printf '%-7s runs=%s cov=%s ft=%s corpus=%s exit=%s' \
        "$target" "${runs:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" "$status")
    summary+=("$line")
    echo "$line"
    if [ "$status" -ne 0 ]; then
        crashed+=("$target")
        grep -E "panicked at|ERROR: libFuzzer|SUMMARY" "$log" | head -5 || true
    fi
done

echo
echo "=== summary (${seconds}s per target, sanitizer=$sanitizer)"
printf '%s\n' "${summary[@]}"
artifacts=$(find "$root/fuzz/artifacts" -type f -newer "$started" 2>/dev/null | sort || true)
if [ -n "$artifacts" ]; then
    echo "=== crash artifacts of this run"
    echo "$artifacts"
fi
if [ "${#crashed[@]}" -gt 0 ]; then
    echo "crashes found in: ${crashed[*]}" >&2
    exit 1
fi
echo "no crash found"
