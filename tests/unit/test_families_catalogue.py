"""The catalogue exports and the label hierarchy land as the manifest says; the dated export is its own period."""

from __future__ import annotations

import duckdb
import pytest

from ingestion.connectors import CATALOGUE, EXTRA_CONNECTORS
from ingestion.connectors.reference import LABELS
from ingestion.identifiers import normalize_gtin
from tests.support.extras_sample import assert_files_land_as_expected, land, scalar, write_sample


@pytest.fixture(scope="module")
def landed(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("catalogue")
    landing, manifest = write_sample(folder)
    con = duckdb.connect(str(folder / "wh.duckdb"))
    results = land(con, (CATALOGUE, LABELS), landing)
    yield con, results, manifest
    con.close()


def test_exports_and_labels_land_with_their_periods(landed) -> None:
    con, results, manifest = landed
    assert LABELS in EXTRA_CONNECTORS
    assert_files_land_as_expected(results, manifest, {"catalogue", "catalogue_labels"})
    exports = manifest["families"]["catalogue"]["exports"]
    assert [results[e["file"]].period for e in exports] == [None, exports[1]["as_of"]]
    assert all(results[e["file"]].delivery_version == 1 for e in exports)
    assert scalar(con, "SELECT count(*) FROM raw.catalogue__tracks") == sum(e["rows"] for e in exports)
    assert scalar(con, "SELECT count(DISTINCT isrc) FROM raw.catalogue__tracks") == manifest["catalogue"]["tracks"]


def test_the_hierarchy_resolves(landed) -> None:
    con, _, manifest = landed
    truth = manifest["families"]["catalogue"]["labels"]
    tree = con.execute("""
        SELECT coalesce(p.label_id, l.label_id) AS top, l.label_id, l.distributor
        FROM raw.catalogue__labels AS l LEFT JOIN raw.catalogue__labels AS p ON p.label_id = l.parent_label_id
        WHERE p.parent_label_id IS NULL""").fetchall()
    assert len(tree) == truth["labels"] + truth["sub_labels"]
    found: dict[str, dict[str, list[str]]] = {}
    for top, label_id, distributor in tree:
        found.setdefault(distributor, {}).setdefault(top, [])
        if label_id != top:
            found[distributor][top].append(label_id)
    assert found == truth["tree"]
    # every track's label is in the hierarchy, under the distributor the export names
    orphans = scalar(con, """
        SELECT count(*) FROM raw.catalogue__tracks AS t LEFT JOIN raw.catalogue__labels AS l USING (label_id)
        WHERE l.label_id IS NULL OR l.distributor <> t.distributor""")
    assert orphans == 0


def test_the_dated_export_carries_the_changes(landed) -> None:
    con, _, manifest = landed
    truth = manifest["families"]["catalogue"]
    latest = truth["latest_export"]
    for change in truth["changes"]:
        for isrc in change["isrcs"]:
            before, after = (dict(zip(("track_title", "label_id", "label_name", "sub_label_name", "distributor"),
                                      con.execute("""SELECT track_title, label_id, label_name,
                                                     coalesce(sub_label_name, ''), distributor
                                                     FROM raw.catalogue__tracks WHERE isrc = ? AND _file_name = ?""",
                                                  [isrc, file]).fetchone(), strict=True))
                             for file in (truth["exports"][0]["file"], latest))
            assert {k: before[k] for k in change["before"]} == change["before"]
            assert {k: after[k] for k in change["after"]} == change["after"]


def test_upc_and_ean_forms_are_one_release(landed) -> None:
    con, _, manifest = landed
    forms = dict(con.execute("SELECT length(upc), count(DISTINCT upc) FROM raw.catalogue__tracks GROUP BY 1")
                 .fetchall())
    assert set(forms) == {12, 13}
    upcs = [u for (u,) in con.execute("SELECT DISTINCT upc FROM raw.catalogue__tracks").fetchall()]
    assert len({normalize_gtin(u) for u in upcs}) == len(upcs) == manifest["catalogue"]["releases"]
