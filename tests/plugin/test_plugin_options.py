"""The pytest plugin without Docker: registration, options, marker and usage errors."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]


def test_registered_through_the_entry_point(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--help")
    result.stdout.fnmatch_lines([
        "composekit: Docker Compose stacks as fixtures:",
        "*--compose-keep*",
        "*--compose-timeout=SECONDS*",
        "*--compose-image-map=FROM=TO*",
        "*--compose-scope={function,class,module,package,session}*",
        "*compose_image_map (linelist)*",
        "*compose_env (linelist)*",
        "*compose_timeout (string)*",
    ])
    markers = pytester.runpytest("--markers")
    markers.stdout.fnmatch_lines(["@pytest.mark.compose(*files, services=None, scope=None*"])


def test_fixtures_are_listed(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_x(): pass")
    result = pytester.runpytest("--fixtures")
    result.stdout.fnmatch_lines_random(["compose_env -- *", "compose_project -- *",
                                        "compose_project_name -- *", "compose_settings -- *"])


def test_compose_env_without_a_marker_fails_clearly(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_x(compose_env): pass")
    result = pytester.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*compose_env needs a @pytest.mark.compose('path/compose.yaml'"
                                 ", ...) marker*"])


def test_marker_usage_errors(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("""
        import pytest

        @pytest.mark.compose("nope.yaml")
        def test_missing_file(compose_env): pass

        @pytest.mark.compose()
        def test_no_file(compose_env): pass

        @pytest.mark.compose("test_marker_usage_errors.py", scope="forever")
        def test_bad_scope(compose_env): pass

        @pytest.mark.compose("test_marker_usage_errors.py", services="web")
        def test_services_not_a_list(compose_env): pass

        @pytest.mark.compose("test_marker_usage_errors.py", sevices=["web"])
        def test_unknown_argument(compose_env): pass
    """)
    result = pytester.runpytest("-rE")
    result.assert_outcomes(errors=5)
    result.stdout.fnmatch_lines_random([
        "*@pytest.mark.compose: no such file: nope.yaml (looked beside the test module in *",
        "*@pytest.mark.compose: name at least one Compose file*",
        "*@pytest.mark.compose: scope must be one of function, class, module, package, session,"
        " not 'forever'*",
        "*@pytest.mark.compose: services, one_shot and profiles are lists of names*",
        "*@pytest.mark.compose: build_settings() got an unexpected keyword argument 'sevices'*",
    ])


@pytest.mark.parametrize(
    ("ini", "args", "message"),
    [
        ("compose_env =\n    NOT_A_PAIR\n", [],
         "ERROR: ini compose_env: expected KEY=VALUE, got 'NOT_A_PAIR'"),
        ("compose_timeout = soon\n", [], "ERROR: ini compose_timeout: not a number: 'soon'"),
        ("compose_image_map =\n    redis\n", [],
         "ERROR: ini compose_image_map: bad image map 'redis': expected FROM=TO*"),
        ("", ["--compose-image-map", "a/=b"],
         "ERROR: --compose-image-map: bad image map 'a/=b': a prefix rule ends with '/' on both"
         " sides*"),
    ],
)
def test_bad_option_and_ini_values_stop_the_run(pytester: pytest.Pytester, ini: str,
                                                args: list[str], message: str) -> None:
    pytester.makeini("[pytest]\n" + ini)
    pytester.makepyfile("def test_x(): pass")
    result = pytester.runpytest(*args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])


def test_settings_merge_marker_options_and_ini(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\ncompose_env =\n    A=1\n    B=ini\n"
                     "compose_image_map =\n    redis:7=ini/redis:7\ncompose_timeout = 33\n")
    pytester.makefile(".yaml", compose="services: {}\n")
    pytester.makepyfile("""
        import pytest

        @pytest.mark.compose("compose.yaml", services=["web"], env={"B": "marker"},
                             image_map={"nginx:1": "m/nginx:1"}, one_shot=["migrate"])
        def test_settings(compose_settings, pytestconfig):
            s = compose_settings
            assert s.files[0].endswith("compose.yaml")
            assert s.services == ("web",)
            assert s.scope == "class"
            assert dict(s.env) == {"A": "1", "B": "marker"}
            assert s.image_map == ("redis:7=ini/redis:7", "redis:7=opt/redis:7",
                                   "nginx:1=m/nginx:1")
            assert s.one_shot == ("migrate",)
            assert s.timeout == 12.0
            assert s.keep is True

        def test_no_marker(compose_settings):
            assert compose_settings is None
    """)
    result = pytester.runpytest("--compose-timeout", "12", "--compose-scope", "class",
                                "--compose-keep", "--compose-image-map", "redis:7=opt/redis:7")
    result.assert_outcomes(passed=2)
