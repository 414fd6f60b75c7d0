from pathlib import Path

import pytest

import partnercrm as pc

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "examples" / "data" / "iom_partnerships.json"


@pytest.fixture(scope="session")
def seed() -> pc.Dataset:
    return pc.Dataset.read_json(SEED)


@pytest.fixture()
def store(tmp_path: Path, seed: pc.Dataset) -> pc.Store:
    s = pc.Store(tmp_path / "partners.db")
    s.import_dataset(seed, actor="test")
    return s
