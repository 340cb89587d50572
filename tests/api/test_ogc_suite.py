"""Outside checks of /ogc against a live ``aidmap serve``: the published conformance suite
(``ogctests`` 0.1.15, from its own venv ``.venv-ogctests`` that ``scripts/test.sh`` makes:
it pins ``httpx<0.28`` and ``pytest<9``), the OGC API registry's validator on the OpenAPI
3.0 document, and GDAL's OAPIF driver (``ogrinfo``, gdal-bin 3.6 in Debian 12).

Each of the suite's tests has an expected outcome in ``EXPECTED``: ``pass``, or why it
fails whatever the server does (a defect of the suite, read in its source), or what is
not implemented yet. A change in any outcome fails here, in either direction."""

from __future__ import annotations

import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.server
REPO = Path(__file__).resolve().parents[2]
SUITE_PYTHON = REPO / ".venv-ogctests" / "bin" / "python"
LINK_PARSER = (
    "suite defect: its parse_link_header keeps the target under 'iri' and the rel with its "
    "quotes, but the test reads 'href' and compares the rel unquoted (RFC 8288 quotes a URI "
    "rel), so no server passes"
)
AFTER_CT2 = "suite defect: needs the queryables URI test_ct2 never finds (" + LINK_PARSER[14:]
EXPECTED = {
    **{f"test_ast{n}": "pass" for n in range(1, 30)},  # ast22: one office seeded below
    "test_ct1": "pass",
    "test_ct2": LINK_PARSER,
    "test_ct3": AFTER_CT2,
    "test_ct4": "pass",
    "test_ct5": AFTER_CT2,
    "test_ct6": "pass",
    "test_ct7": AFTER_CT2 + "; it also sends its {'name': …} dicts as filter-lang",
    "test_ct8": AFTER_CT2,
    "test_ct9": AFTER_CT2,
    "test_ct10": AFTER_CT2 + "; it also calls str.format on JSON braces and names an "
    "undefined CQL2_FILTER_LANG",
}


def run_suite(scope: str, url: str, work: Path) -> dict[str, str]:
    """``ogctests`` ``scope`` against ``url``: each test's name → passed, failed or error."""
    (work / "pytest.ini").write_text("[pytest]\n")  # not our pyproject's options
    report = work / f"{scope.replace('/', '-')}.xml"
    flags = ["-c", str(work / "pytest.ini"), "--rootdir", str(work), "-p", "no:cacheprovider",
             f"--junit-xml={report}", "-q"]  # fmt: skip
    script = (
        "import sys; from ogctests.main import run_ogctests as run; "
        "sys.exit(run(sys.argv[1], sys.argv[2], sys.argv[3:]))"
    )
    subprocess.run([SUITE_PYTHON, "-c", script, scope, url, *flags], cwd=work, timeout=600,
                   capture_output=True, check=False)  # fmt: skip
    outcomes = {}
    for case in ET.parse(report).iter("testcase"):
        failed = [child.tag for child in case if child.tag in {"failure", "error", "skipped"}]
        outcomes[case.get("name")] = failed[0] if failed else "passed"
    return outcomes


@pytest.mark.parametrize("scope", ["features/core", "features/filtering"])
def test_the_published_suite_gives_the_expected_outcomes(ogc_url, scope, tmp_path, require):
    require(SUITE_PYTHON.exists(), "no .venv-ogctests (scripts/test.sh makes it)")
    outcomes = run_suite(scope, ogc_url, tmp_path)
    prefix = "test_ast" if scope == "features/core" else "test_ct"
    assert set(outcomes) == {name for name in EXPECTED if name.startswith(prefix)}
    unexpected = {
        name: (outcome, EXPECTED[name])
        for name, outcome in outcomes.items()
        if (outcome == "passed") != (EXPECTED[name] == "pass")
    }
    assert not unexpected, unexpected


def test_the_registry_validator_finds_no_error_in_the_api_definition(ogc_url):
    from ogcapi_registry import validate_ogc_api  # a dev dependency, absent from the image

    document = httpx.get(f"{ogc_url}/api").json()
    conforms = httpx.get(f"{ogc_url}/conformance").json()["conformsTo"]
    result = validate_ogc_api(document, conforms)
    assert result.is_valid and not result.errors, result.errors
    # "info" notes that the single-item path lacks filter parameters, which filter pages
    # of features, not one feature (Part 3 declares them on items only)
    notes = [w for w in result.warnings if w["severity"] != "info"]
    assert not notes, notes
    assert all("items/{featureId}" in w["path"] for w in result.warnings), result.warnings


def test_gdal_lists_every_layer(ogc_url, require):
    require(shutil.which("ogrinfo") is not None, "no ogrinfo (apt gdal-bin)")
    listed = subprocess.run(["ogrinfo", "-ro", "-so", f"OAPIF:{ogc_url}"], capture_output=True,
                            text=True, timeout=120, check=False)  # fmt: skip
    assert listed.returncode == 0 and "ERROR" not in listed.stderr, listed.stderr
    for n, name in enumerate(["hospitals", "offices", "districts", "streets", "committees"], 1):
        assert f"{n}: {name} " in listed.stdout, listed.stdout


def test_owslib_reads_the_collections_and_a_page_in_a_3d_box(ogc_url):
    from owslib.ogcapi.features import Features  # a dev dependency, absent from the image

    api = Features(ogc_url)
    conforms = httpx.get(f"{ogc_url}/conformance").json()["conformsTo"]
    assert api.conformance()["conformsTo"] == conforms
    assert [c["id"] for c in api.collections()["collections"]] == [
        "hospitals", "offices", "districts", "streets", "committees",
    ]  # fmt: skip
    page = api.collection_items("hospitals", limit=5, bbox=[121.3, 31.1, 0, 121.6, 31.4, 50])
    assert page["numberReturned"] == 5 and 5 < page["numberMatched"] < 77
