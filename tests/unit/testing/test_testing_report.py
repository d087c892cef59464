"""JUnit XML and the text lines of composekit test."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from composekit.testing.junit import render_junit
from composekit.testing.results import RunReport, failed, passed, skipped
from composekit.testing.text import format_extra_logs, format_outcome, format_summary


def report() -> RunReport:
    return RunReport(
        label="fixtures/hitcounter", project_name="hitcounter-ck1-abcdef",
        outcomes=[
            passed("service", "service redis", "healthy after 2.1s", service="redis",
                   duration=2.1),
            failed("port", "port web 8000->5001/tcp", "127.0.0.1:8000 does not accept "
                   "connections", service="web", duration=5.0,
                   details="nothing answered").with_logs("line one\nbad \x1b[31mcolour\x07"),
            skipped("port", "port dns 53->53/udp", "udp ports are not checked"),
            passed("teardown", "teardown", "removed 2 containers"),
        ],
        duration=9.5, progress=["[  1.0s] redis: healthy"],
    )


def test_junit_structure_and_counts() -> None:
    text = render_junit([report()])
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    root = ET.fromstring(text.split("\n", 1)[1])
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures"), root.get("skipped")) == ("4", "1", "1")
    suite = root.find("testsuite")
    assert suite is not None
    assert suite.get("name") == "fixtures/hitcounter" and suite.get("time") == "9.500"
    prop = suite.find("properties/property")
    assert prop is not None and prop.get("value") == "hitcounter-ck1-abcdef"
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == ["service redis", "port web 8000->5001/tcp",
                                             "port dns 53->53/udp", "teardown"]
    assert {c.get("classname") for c in cases} == {"composekit.test.fixtures_hitcounter"}
    failure = cases[1].find("failure")
    assert failure is not None and failure.get("type") == "port"
    assert failure.get("message") == "127.0.0.1:8000 does not accept connections"
    body = failure.text or ""
    assert "nothing answered" in body and "--- last log lines of web ---" in body
    assert "bad \ufffd[31mcolour\ufffd" in body
    assert cases[2].find("skipped") is not None
    out = suite.find("system-out")
    assert out is not None and out.text == "[  1.0s] redis: healthy"


def test_junit_interrupted_run_has_an_error() -> None:
    r = RunReport(label="x", interrupted=True)
    root = ET.fromstring(render_junit([r]).split("\n", 1)[1])
    suite = root.find("testsuite")
    assert suite is not None and suite.get("errors") == "1"
    error = suite.find("testcase/error")
    assert error is not None and error.get("type") == "interrupted"


def test_text_lines() -> None:
    r = report()
    assert format_outcome(r.outcomes[0]) == "PASS  service redis: healthy after 2.1s"
    assert format_outcome(r.outcomes[1]).splitlines() == [
        "FAIL  port web 8000->5001/tcp: 127.0.0.1:8000 does not accept connections",
        "      nothing answered",
        "      --- last log lines of web ---",
        "      | line one",
        "      | bad \x1b[31mcolour\x07",
    ]
    assert format_outcome(r.outcomes[0], color=True).startswith("\x1b[32mPASS\x1b[0m  ")
    assert format_summary(r) == ("fixtures/hitcounter (project hitcounter-ck1-abcdef): FAILED, "
                                 "4 checks: 2 passed, 1 failed, 1 skipped in 9.5s")
    assert format_extra_logs({"web": "x", "redis": "r1\nr2", "db": ""}, {"web"}).splitlines() == [
        "      --- last log lines of redis (unhealthy or exited) ---", "      | r1", "      | r2"]


def test_leaked_reports_only_new_objects_and_can_keep_to_the_harness() -> None:
    from composekit.testing.resources import Snapshot, leaked

    before = Snapshot(containers=frozenset({"a1 old"}), networks=frozenset({"n1 bridge"}),
                      volumes=frozenset())
    after = Snapshot(
        containers=frozenset({"c2 tiny-ck12-abcdef-app-1 tiny-ck12-abcdef",
                              "c3 ck-oneshot-app-x oneshot-ck9-0a1b2c",
                              "c4 someone-else other"}),
        networks=frozenset({"n2 docker_gwbridge", "n3 other_default other"}),
        volumes=frozenset({"v1 v1 stack-ck3-ffffff"}))
    assert leaked(before, after) == {
        "containers": ["c2 tiny-ck12-abcdef-app-1 tiny-ck12-abcdef",
                       "c3 ck-oneshot-app-x oneshot-ck9-0a1b2c", "c4 someone-else other"],
        "networks": ["n2 docker_gwbridge", "n3 other_default other"],
        "volumes": ["v1 v1 stack-ck3-ffffff"]}
    assert leaked(before, after, harness_only=True) == {
        "containers": ["c2 tiny-ck12-abcdef-app-1 tiny-ck12-abcdef",
                       "c3 ck-oneshot-app-x oneshot-ck9-0a1b2c"],
        "networks": ["n2 docker_gwbridge"],
        "volumes": ["v1 v1 stack-ck3-ffffff"]}
    assert leaked(after, after) == {}


def test_junit_usage_error_has_the_findings() -> None:
    r = RunReport(label="x", usage_error=True,
                  usage_messages=["f.yaml:1:10: error CK702 timeout must be a number"])
    root = ET.fromstring(render_junit([r]).split("\n", 1)[1])
    error = root.find("testsuite/testcase/error")
    assert error is not None and error.get("type") == "usage"
    assert error.text == "f.yaml:1:10: error CK702 timeout must be a number"
