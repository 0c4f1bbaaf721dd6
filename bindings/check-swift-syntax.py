#!/usr/bin/env python3
"""Checks that Swift source files parse, on a machine that has no Swift compiler.

    pip install -r bindings/requirements-swift-check.txt
    bindings/check-swift-syntax.py target/bindings/swift [more files or folders ...]

Every `.swift` file under the given folders (and every file named directly) is parsed with the
tree-sitter Swift grammar. Each ERROR node (text the grammar could not place) and MISSING node (a
token the parser had to invent, such as a closing brace) is printed as `file:line:column: ...`,
and the script exits 1. With none it prints "N Swift files parsed, 0 syntax errors" and exits 0.
It exits 2 when a path does not exist, no Swift file is found, or tree-sitter is not installed.

What a pass does NOT prove: nothing is type-checked, compiled or linked. Undefined names, wrong
types, a call that does not match the C header in ChildSafeFFI.h, and a missing symbol in the
native library all pass. A pass means only that the text parses as Swift with this grammar, which
catches a truncated file, unbalanced braces or a template that emitted broken text. The grammar is
not Apple's parser either: Swift syntax newer than the grammar may be reported as an error
although swiftc accepts it. Only `swift build` on a machine with the toolchain proves more.

One such gap is bridged, because UniFFI's output depends on it: an `#if` block that holds only
attributes (`#if swift(>=5.8)` / `@_documentation(visibility: private)` / `#endif`, allowed since
Swift 5.8) is parsed as if its directive lines were blank, so the attributes attach to the
declaration that follows. The attributes are still checked; the `#if` condition is not.
"""

import argparse
import sys
from pathlib import Path

try:
    import tree_sitter
    import tree_sitter_swift
except ImportError as error:
    print(
        f"check-swift-syntax: {error.name} is not installed; "
        "run: pip install -r bindings/requirements-swift-check.txt",
        file=sys.stderr,
    )
    sys.exit(2)

# How much of an unparsable stretch of text to quote in a report line.
EXCERPT_CHARS = 40


def main() -> int:
    arguments = argparse.ArgumentParser(description="Report Swift syntax errors.")
    arguments.add_argument(
        "paths", nargs="+", type=Path, help="Swift files or folders holding them"
    )
    paths = arguments.parse_args().paths

    missing = [path for path in paths if not path.exists()]
    if missing:
        for path in missing:
            print(f"check-swift-syntax: {path}: no such file or folder", file=sys.stderr)
        return 2
    files = swift_files(paths)
    if not files:
        print(
            "check-swift-syntax: no .swift file found in " + " ".join(map(str, paths)),
            file=sys.stderr,
        )
        return 2

    parser = tree_sitter.Parser(tree_sitter.Language(tree_sitter_swift.language()))
    problems = [
        f"{file}:{line}:{column}: {what}"
        for file in files
        for line, column, what in syntax_errors(parser, file.read_bytes())
    ]
    for problem in problems:
        print(problem, file=sys.stderr)
    summary = f"{len(files)} Swift files parsed, {len(problems)} syntax errors"
    print(summary, file=sys.stderr if problems else sys.stdout)
    return 1 if problems else 0


def swift_files(paths: list[Path]) -> list[Path]:
    """The files named directly, whatever their suffix, and every .swift file under the folders."""
    found = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(path.rglob("*.swift")))
        else:
            found.append(path)
    return found


def syntax_errors(parser: tree_sitter.Parser, source: bytes) -> list[tuple[int, int, str]]:
    """(line, column, description) of each ERROR and MISSING node, 1-based, in source order.

    An ERROR node's children are not searched: they are pieces of the same unparsable stretch.
    """
    root = parser.parse(
        stand_in_for_empty_tuple_closures(unwrap_conditional_attributes(source))
    ).root_node
    found = []
    pending = [root]
    while pending:
        node = pending.pop()
        if node.is_missing:
            found.append((*position(source, node), f"missing `{node.type}`"))
        elif node.is_error:
            found.append((*position(source, node), cannot_parse(source, node)))
        elif node.has_error:
            pending.extend(reversed(node.children))
    if root.has_error and not found:
        # tree-sitter flagged the tree but placed no node to blame; still a failure.
        found.append((1, 1, "the parser reported an error it could not place"))
    return sorted(found)


def stand_in_for_empty_tuple_closures(source: bytes) -> bytes:
    """The source with each closure `{ () }` replaced by `{ [] }`, byte for byte.

    `{ () }` (a closure returning the empty tuple, which UniFFI 0.32 writes for callbacks that
    return nothing) is valid Swift, but the grammar reads its `()` as the start of a closure
    signature and reports an error. `{ [] }` has the same length and shape and parses, so every
    other byte is still judged and positions stay right.
    """
    return source.replace(b"{ () }", b"{ [] }")


def unwrap_conditional_attributes(source: bytes) -> bytes:
    """The source with the directive lines of attribute-only `#if` blocks turned into spaces.

    The grammar cannot attach an attribute to a declaration across an `#endif`. Blanking keeps
    every byte offset and line number, so positions reported on the result hold for the file.
    A block qualifies only if each line between its directives is blank, a `//` comment or starts
    with `@`; anything else (a nested `#if`, an attribute that wraps onto a second line) is left
    as it is, and the grammar judges it.
    """
    lines = source.splitlines(keepends=True)
    index = 0
    while index < len(lines):
        if not lines[index].lstrip().startswith(b"#if"):
            index += 1
            continue
        directives = [index]
        end = index + 1
        while end < len(lines):
            text = lines[end].strip()
            if text.startswith((b"#else", b"#elseif", b"#endif")):
                directives.append(end)
                if text.startswith(b"#endif"):
                    break
            elif text and not text.startswith((b"@", b"//")):
                break
            end += 1
        attributes_only = end < len(lines) and lines[end].strip().startswith(b"#endif")
        if attributes_only:
            for line in directives:
                lines[line] = blank(lines[line])
        index = end if attributes_only else index + 1
    return b"".join(lines)


def blank(line: bytes) -> bytes:
    """The line with every byte but its line break turned into a space."""
    content = line.rstrip(b"\r\n")
    return b" " * len(content) + line[len(content) :]


def position(source: bytes, node: tree_sitter.Node) -> tuple[int, int]:
    """1-based line and column of the node's start, the column counted in characters, not bytes."""
    line_start = node.start_byte - node.start_point.column
    column = len(source[line_start : node.start_byte].decode("utf-8", errors="replace")) + 1
    return node.start_point.row + 1, column


def cannot_parse(source: bytes, node: tree_sitter.Node) -> str:
    """Describes an ERROR node: the start of its text and, when it runs on, the line it ends on.

    The end matters for a truncated file, where the whole file can become one ERROR node.
    """
    text = source[node.start_byte : node.end_byte].decode("utf-8", errors="replace").strip()
    first_line = text.splitlines()[0] if text else ""
    if len(first_line) > EXCERPT_CHARS:
        first_line = first_line[:EXCERPT_CHARS] + "..."
    last_line = node.end_point.row + 1
    if last_line > node.start_point.row + 1:
        return f"cannot parse `{first_line}` (through line {last_line})"
    return f"cannot parse `{first_line}`"


if __name__ == "__main__":
    sys.exit(main())
