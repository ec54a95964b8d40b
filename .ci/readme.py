#!/usr/bin/env python3
"""README.md is the crate's front page (src/front_page.md) for crates.io and
GitHub: the same text, with intra-doc links turned into docs.rs links, and
the sections only a reader of the repository needs. One source of truth:
edit src/front_page.md, then run `python3 .ci/readme.py`; CI runs it with
`--check` and fails when README.md is stale."""

import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
DOCS = "https://docs.rs/upheal-provider-users/latest/upheal_provider_users"


KIND_PAGES = {
    "struct": "struct.{}.html",
    "enum": "enum.{}.html",
    "trait": "trait.{}.html",
    "const": "constant.{}.html",
    "fn": "fn.{}.html",
    "mod": "{}/index.html",
}


def kind_of(name: str) -> str:
    """What `name` is (struct, enum, ...), from its definition in src/."""
    # A lower-case name is a module before it is a function of that name.
    kinds = ["mod"] if name[:1].islower() else []
    kinds += ["struct", "enum", "trait", "const", "fn"]
    sources = [path.read_text() for path in sorted((ROOT / "src").rglob("*.rs"))]
    for kind in kinds:
        pattern = re.compile(rf"pub {kind} {re.escape(name)}\b")
        if any(pattern.search(text) for text in sources):
            return kind
    sys.exit(f"readme.py: no definition of `{name}` in src/ to link to")


def docs_link(path: str) -> str:
    """The docs.rs page of an intra-doc path such as `Client::builder`:
    the item's own page (and anchor), not a search."""
    parts = path.split("::")
    modules = []
    while len(parts) > 1 and parts[0][:1].islower():
        modules.append(parts.pop(0))
    prefix = "/".join([DOCS, *modules])
    item, *member = parts
    kind = kind_of(item)
    page = f"{prefix}/{KIND_PAGES[kind].format(item)}"
    if not member:
        return page
    anchor = "variant" if kind == "enum" and member[0][:1].isupper() else "method"
    return f"{page}#{anchor}.{member[0]}"


def convert(text: str) -> str:
    # [`Item`] -> [`Item`](docs.rs); links that already have a target stay.
    return re.sub(
        r"\[`([A-Za-z_:]+)`\](?![(\[])",
        lambda m: f"[`{m.group(1)}`]({docs_link(m.group(1))})",
        text,
    )


def readme() -> str:
    front = (ROOT / "src/front_page.md").read_text()
    # Hidden doc-test lines (`# ...` inside rust code blocks) are not shown.
    lines, in_rust = [], False
    for line in front.splitlines():
        if line.startswith("```"):
            in_rust = line.startswith("```rust") and not in_rust
        if in_rust and (line == "#" or line.startswith("# ")):
            continue
        lines.append(line)
    body = convert("\n".join(lines))
    return f"""<!-- Generated from src/front_page.md by .ci/readme.py: edit that file. -->
# upheal-provider-users

{body}

## The two commands

See it work, against the embedded fake Upheal server (no credentials, no
network; examples turn on the `fake` feature by themselves):

```sh
cargo run --example quickstart
```

Run the tests (all over real HTTP on 127.0.0.1, no credentials needed;
`--all-features` includes `native-tls`, which needs `libssl-dev` and
`pkg-config` on Debian/Ubuntu, and the shared-budget tests start
`redis-server` when it is installed):

```sh
cargo test --all-features
```

Maintainers (spec changes, CI, benchmarks, the licence audit): see
`MAINTAINERS.md` in the source.

## Licence

MIT (see `LICENSE`). One dependency every user links, progenitor-client, is
under MPL-2.0 (file-level copyleft: only changes to its own files must be
published); see MAINTAINERS.md.
"""


def main() -> int:
    text = readme()
    path = ROOT / "README.md"
    if "--check" in sys.argv:
        if path.read_text() != text:
            print("README.md is stale: run `python3 .ci/readme.py` and commit it")
            return 1
        print("README.md matches src/front_page.md")
        return 0
    path.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
