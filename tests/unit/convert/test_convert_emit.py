"""The editable model and the splicing emitter: untouched text is copied byte for byte."""

from __future__ import annotations

from pathlib import Path

import pytest

from composekit.convert.emit import Style, detect_style, emit, render_scalar
from composekit.convert.model import Entry, Map, Node, Scalar, Seq, build, new, plain
from composekit.yamlio import parse_text

REPO = Path(__file__).resolve().parents[3]


def _model(text: str) -> tuple[Map, object]:
    doc, diags = parse_text(text, "t.yaml")
    assert doc is not None, diags
    return build(doc.data, text)


def _touch_all(node: Node, seen: set[int] | None = None) -> None:
    """Mark every block collection edited, so the emitter rebuilds it from its entries."""
    seen = set() if seen is None else seen
    if id(node) in seen:
        return
    seen.add(id(node))
    if isinstance(node, Map):
        node.dirty = node.block is not None
        for e in node.entries:
            _touch_all(e.value, seen)
    elif isinstance(node, Seq):
        node.dirty = node.block is not None
        for it in node.items:
            _touch_all(it.value, seen)


def _corpus() -> list[Path]:
    files = sorted((REPO / "fixtures").rglob("*.yaml")) + sorted((REPO / "fixtures").rglob("*.yml"))
    out = []
    for path in files:
        try:
            text = path.read_text("utf-8")
        except UnicodeDecodeError:
            continue
        doc, diags = parse_text(text, str(path))
        if doc is None or len(doc.documents) > 1 or text.startswith("\ufeff"):
            continue
        if any(d.severity.label == "error" and d.origin == "parse" for d in diags):
            continue
        if not hasattr(doc.data, "lc"):
            continue
        out.append(path)
    return out


CORPUS = _corpus()


def test_corpus_is_large() -> None:
    assert len(CORPUS) > 500


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: str(p.relative_to(REPO)))
def test_every_file_rebuilds_byte_for_byte(path: Path) -> None:
    """Each block collection re-emitted entry by entry (gaps, leads, regions) gives the
    same bytes: the cutting of the file into entries is exact."""
    text = path.read_text("utf-8")
    root, src = _model(text)
    assert emit(root, src) == text  # untouched: copied
    _touch_all(root)
    assert emit(root, src) == text


LAYOUTS = {
    "flush sequences": "services:\n  web:\n    ports:\n    - '80:80'\n    - 443\n",
    "crlf": "services:\r\n  web:\r\n    image: nginx  # c\r\n    ports:\r\n      - 80\r\n",
    "no final newline": "services:\n  web:\n    image: nginx",
    "document start": "---\n# header\nservices:\n  web:\n    image: nginx\n",
    "comments everywhere": (
        "# header\n\nservices:  # s\n  # lead of web\n  web:\n    image: nginx\n"
        "      # deep comment\n# left comment\n    environment:\n      A: 1\n      # B: 2\n\n"
        "  db:\n    image: pg\n# trailer\n"),
    "inline mappings in sequences": (
        "services:\n  web:\n    volumes:\n      - type: bind\n        source: .\n"
        "        target: /src\n      -   type: volume\n          source: v\n"
        "          target: /v\n"),
    "anchors and merges": (
        "x-a: &a\n  restart: always\nservices:\n  web:\n    <<: *a\n    image: x\n"
        "  db:\n    <<: [*a]\n    image: y\n"),
    "block scalars": (
        "services:\n  web:\n    command: |\n      echo a\n\n      # not a comment\n"
        "    image: x\n"),
}


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_layouts_rebuild_byte_for_byte(name: str) -> None:
    text = LAYOUTS[name]
    root, src = _model(text)
    _touch_all(root)
    assert emit(root, src) == text


def _service(root: Map, name: str = "web") -> Map:
    services = root.get("services")
    assert isinstance(services, Map)
    svc = services.get(name)
    assert isinstance(svc, Map)
    return svc


def test_removing_an_entry_takes_its_lead_comment_and_keeps_the_gap() -> None:
    text = ("services:\n  web:\n    image: nginx\n\n    # the cap\n    mem_limit: 1g\n\n"
            "    restart: always\n")
    root, src = _model(text)
    _service(root).pop("mem_limit")
    assert emit(root, src) == "services:\n  web:\n    image: nginx\n\n    restart: always\n"


def test_moved_entry_keeps_its_comments_and_is_reindented() -> None:
    text = "services:\n  web:\n    image: nginx\n    # the cap\n    mem_limit: 1g  # hard\n"
    root, src = _model(text)
    web = _service(root)
    entry = web.pop("mem_limit")
    entry.key = "memory"
    limits = Map()
    limits.insert(entry)
    resources = Map()
    resources.set("limits", limits)
    deploy = Map()
    deploy.set("resources", resources)
    web.set("deploy", deploy)
    assert emit(root, src) == (
        "services:\n  web:\n    image: nginx\n    deploy:\n      resources:\n        limits:\n"
        "          # the cap\n          memory: 1g  # hard\n")


def test_changed_scalar_keeps_the_end_of_line_comment() -> None:
    text = "version: '2.4'   # pinned\nservices:\n  web:\n    image: nginx\n"
    root, src = _model(text)
    root.set("version", Scalar("3.8", text="'3.8'"))
    assert emit(root, src) == "version: '3.8'   # pinned\nservices:\n  web:\n    image: nginx\n"


def test_new_values_follow_the_file_layout() -> None:
    text = "services:\n    web:\n        ports:\n        - 80\n        image: nginx\n"
    root, src = _model(text)
    style = detect_style(root, src)  # type: ignore[arg-type]
    assert style == Style(map_indent=4, seq_indent=0, seq_gap=2)
    _service(root).set("dns", new(["1.1.1.1", "8.8.8.8"]))
    _service(root).set("labels", new({"a": "1.0", "b": True}))
    assert emit(root, src, style) == (  # type: ignore[arg-type]
        "services:\n    web:\n        ports:\n        - 80\n        image: nginx\n"
        "        dns:\n        - 1.1.1.1\n        - 8.8.8.8\n        labels:\n"
        "            a: '1.0'\n            b: true\n")


def test_renamed_key_keeps_value_text_and_comment() -> None:
    text = "web:\n  net: \"host\"   # fast\n  image: x\n"
    root, src = _model(text)
    web = root.get("web")
    assert isinstance(web, Map)
    web.rename("net", "network_mode")
    assert emit(root, src) == "web:\n  network_mode: \"host\"   # fast\n  image: x\n"


def test_sequence_item_edits() -> None:
    text = "services:\n  web:\n    volumes_from:\n      - data   # data\n      - other\n"
    root, src = _model(text)
    seq = _service(root).get("volumes_from")
    assert isinstance(seq, Seq)
    seq.replace(1, Scalar("container:other"))
    seq.append(Scalar("more"))
    assert emit(root, src) == ("services:\n  web:\n    volumes_from:\n      - data   # data\n"
                               "      - container:other\n      - more\n")


def test_plain_reads_merges_and_aliases() -> None:
    text = "x-a: &a\n  restart: always\nservices:\n  web:\n    <<: *a\n    image: x\n"
    root, _src = _model(text)
    assert plain(_service(root)) == {"image": "x", "restart": "always"}
    assert _service(root).owner("restart") is root.get("x-a")


@pytest.mark.parametrize(("value", "text"), [
    ("1.0", "'1.0'"), ("yes", '"yes"'), ("0755", "'0755'"), ("1:30", '"1:30"'),
    ("*.conf", "'*.conf'"), ("plain", "plain"),
    (True, "true"), (None, ""), (0.5, "0.5"), ("${VAR:-x}", "${VAR:-x}"),
])
def test_render_scalar_quotes_only_when_yaml_needs_it(value: object, text: str) -> None:
    assert render_scalar(value)[0] == text


def test_entries_are_read_with_regions() -> None:
    text = "services:\n  web:\n    # lead\n    image: x\n    ports:\n    - 80\n\n  db: {}\n"
    root, _src = _model(text)
    web = _service(root)
    image = web.entry("image")
    assert isinstance(image, Entry) and image.region is not None
    assert (image.region.lead, image.region.line, image.region.col) == (2, 3, 4)
    ports = web.entry("ports")
    assert ports is not None and ports.region is not None
    assert ports.region.end == 6  # the flush `- 80` belongs to ports; the blank line does not
