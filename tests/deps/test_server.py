"""The loopback OSV endpoint pip-audit queries when the advisory data is offline."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from gate.deps.osv import AdvisoryDatabase
from gate.deps.server import QUERY_PATH, LoopbackOsv, _json_default


def post(url: str, body: bytes) -> tuple[int, Any]:
    request = urllib.request.Request(url, data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def query(name: str, version: str, ecosystem: str = "PyPI") -> bytes:
    return json.dumps({"package": {"name": name, "ecosystem": ecosystem},
                       "version": version}).encode()


def test_answers_queries_as_pip_audit_expects(osv_db: Path) -> None:
    with LoopbackOsv(AdvisoryDatabase(osv_db)) as server:
        assert server.url.startswith("http://127.0.0.1:") and server.url.endswith(QUERY_PATH)
        status, body = post(server.url, query("requests", "2.19.0"))
        assert status == 200
        assert [v["id"] for v in body["vulns"]] == ["PYSEC-9999-1"]
        assert body["vulns"][0]["aliases"] == ["CVE-9999-0001", "GHSA-aaaa-bbbb-cccc"]
        assert post(server.url, query("requests", "2.31.0")) == (200, {})
        assert post(server.url, query("requests", "2.19.0", "npm")) == (200, {})
        assert server.queries == 2
        assert server.errors == []


def test_bad_requests(osv_db: Path) -> None:
    with LoopbackOsv(AdvisoryDatabase(osv_db)) as server:
        assert post(server.url, b"not json")[0] == 400
        assert post(server.url, b'{"package": {"name": "requests"}}')[0] == 400
        assert post(server.url.replace(QUERY_PATH, "/v1/querybatch"), query("a", "1"))[0] == 404


def test_a_broken_record_is_a_500_and_recorded(osv_db: Path) -> None:
    (osv_db / "vulns" / "requests" / "PYSEC-BAD.yaml").write_text("id: [\n", encoding="utf-8")
    with LoopbackOsv(AdvisoryDatabase(osv_db)) as server:
        status, _ = post(server.url, query("requests", "2.19.0"))
        assert status == 500
        assert len(server.errors) == 1 and "PYSEC-BAD.yaml" in server.errors[0]


def test_yaml_timestamps_are_served_as_rfc_3339(tmp_path: Path, write_db: Any) -> None:
    db = write_db(tmp_path / "db", {})
    (db / "vulns" / "flask").mkdir(parents=True)
    (db / "vulns" / "flask" / "PYSEC-9999-6.yaml").write_text(
        "id: PYSEC-9999-6\npublished: 2023-07-20T14:52:00Z\n"
        "modified: 2023-07-21 01:02:03.5+02:00\nwithdrawn_after: 2024-01-02\n"
        "affected:\n- package: {name: flask, ecosystem: PyPI}\n"
        "  versions: ['0.12.2']\n", encoding="utf-8")
    with LoopbackOsv(AdvisoryDatabase(db)) as server:
        _, body = post(server.url, query("flask", "0.12.2"))
    [record] = body["vulns"]
    assert record["published"] == "2023-07-20T14:52:00Z"
    assert record["modified"] == "2023-07-20T23:02:03.500000Z"
    assert record["withdrawn_after"] == "2024-01-02T00:00:00Z"


@pytest.mark.parametrize("value,text", [(object, str(object)), (5, "5")])
def test_other_values_become_text(value: object, text: str) -> None:
    assert _json_default(value) == text
