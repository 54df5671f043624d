"""TypeScript as Prettier prints it, for the generated code whose layout depends on the spec.

The offline generator writes code that passes `prettier --check` as written (printWidth 120, the
generated apps' .prettierrc.json), without running Node. Most of a template is fixed text, laid out
once the way Prettier lays it out. What is not fixed is a line whose length depends on names, sample
values or enum options: for those the templates call these helpers, which follow Prettier's rules
for the constructs they print (string quotes, object literals, import lists, calls, unions). A line
whose parts nest (a call in an arrow function in a call, a member chain, JSX) is laid out by the
helpers of the second half of this module, which print a small document with Prettier's own
algorithm (see "Layouts that nest").
"""

from __future__ import annotations

import json
import re

WIDTH = 120
"""Prettier's printWidth in the generated apps (.prettierrc.json)."""

_IDENT = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")


def fits(text: str, indent: int = 0) -> bool:
    """Whether a line of `text` at `indent` spaces stays within the print width."""
    return indent + len(text) <= WIDTH


def string(value: str) -> str:
    """A string literal with Prettier's quotes: double, unless the text has more double quotes than single."""
    doubled = json.dumps(value, ensure_ascii=False)
    if value.count('"') <= value.count("'"):
        return doubled
    body = doubled[1:-1].replace('\\"', '"').replace("'", "\\'")
    return f"'{body}'"


def key(name: str) -> str:
    """An object key: bare when it is an identifier (Prettier's quoteProps "as-needed")."""
    return name if _IDENT.match(name) else string(name)


def literal(value: object) -> str:
    """A TypeScript literal on one line: `{ a: 1, b: "x" }`, `["a", "b"]`, `"text"`, `1.5`, `null`."""
    if isinstance(value, str):
        return string(value)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return json.dumps(value)
    if isinstance(value, dict):
        if not value:
            return "{}"
        return "{ " + ", ".join(f"{key(str(k))}: {literal(v)}" for k, v in value.items()) + " }"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    raise TypeError(f"no TypeScript literal for {type(value).__name__}")


def block(value: object, indent: int = 0, start: int | None = None) -> str:
    """A TypeScript literal laid out as Prettier keeps it: each object expanded, one property a line
    with a trailing comma (Prettier keeps an object expanded when its first property starts a new
    line); an array on one line when it holds no object and fits, else one item a line. `indent` is
    the indentation of the line the literal starts on, `start` the column it starts at (default:
    `indent`); the line must end right after the literal but for one character (`,` or `;`)."""
    pad, inner = " " * indent, " " * (indent + 2)
    start = indent if start is None else start
    if isinstance(value, dict) and value:
        lines = []
        for k, v in value.items():
            head = f"{inner}{key(str(k))}: "
            text = block(v, indent + 2, len(head))
            if "\n" not in text and not fits(head + text + ","):  # a long string goes to the next line
                lines.append(f"{head.rstrip()}\n{inner}  {text},")
            else:
                lines.append(f"{head}{text},")
        return "{\n" + "\n".join(lines) + f"\n{pad}}}"
    if isinstance(value, (list, tuple)) and value:
        one = literal(value)
        if not any(isinstance(v, dict) and v for v in value) and fits(one + ",", start):
            return one
        return "[\n" + "\n".join(f"{inner}{block(v, indent + 2)}," for v in value) + f"\n{pad}]"
    return literal(value)


def entries(pairs: list[tuple[str, str]], indent: int) -> str:
    """An expanded object literal from (key, TypeScript expression) pairs: `{`, one `key: expr,` a line,
    `}`. A property too long for its line has its value on the next line, indented, as Prettier breaks
    it after the colon (see `_rhs`: not after a key shorter than 5 characters, nor before a template
    literal, a number or an array or object given as text)."""
    if not pairs:
        return "{}"
    inner = " " * (indent + 2)
    lines = (inner + _print([_property((key(k), expr)), ","], indent + 2) for k, expr in pairs)
    return "{\n" + "\n".join(lines) + "\n" + " " * indent + "}"


def import_names(names: list[str], module: str, indent: int = 0, type_only: bool = False, default: str = "") -> str:
    """`import { a, b } from "m";` (`import D, { a } from "m";` with a `default`) on one line when it fits,
    else one name a line; a lone name without a default is never broken."""
    head = ("import type " if type_only else "import ") + (f"{default}, " if default else "")
    one = f"{head}{{ {', '.join(names)} }} from {string(module)};"
    if fits(one, indent) or (len(names) == 1 and not default):
        return one
    inner = " " * (indent + 2)
    return head + "{\n" + "".join(f"{inner}{n},\n" for n in names) + " " * indent + f"}} from {string(module)};"


def union(members: list[str], indent: int, prefix: str, suffix: str = ";") -> str:
    """A union type after `prefix` (e.g. `status: `): on one line when it fits, else on the next line,
    indented, when it fits there, else one `| member` a line, indented under the prefix's line."""
    one = f"{prefix}{' | '.join(members)}{suffix}"
    if fits(one, indent):
        return one
    inner = " " * (indent + 2)
    if fits(f"{' | '.join(members)}{suffix}", indent + 2):
        return prefix.rstrip() + "\n" + inner + " | ".join(members) + suffix
    return prefix.rstrip() + "\n" + "\n".join(f"{inner}| {m}" for m in members) + suffix


def chain(head: str, calls: list[str], indent: int, prefix: str = "", suffix: str = ";") -> str:
    """`prefix head.a(x).b(y)suffix` (e.g. a supertest request) on one line when it fits, else `head` on
    the first line and one `.call` a line under it (Prettier's member chain, with simple arguments)."""
    one = f"{prefix}{head}{''.join(calls)}{suffix}"
    if fits(one, indent):
        return one
    inner = " " * (indent + 2)
    return f"{prefix}{head}\n" + "\n".join(f"{inner}{c}" for c in calls) + suffix


# --- Layouts that nest: Prettier's document printer ------------------------------------------------
#
# A call inside a call inside an arrow function breaks where Prettier breaks it only if the outer
# construct breaks first and the inner one is then measured where it landed. For those lines the
# helpers below build a small document (Prettier's own model: groups, indents and line breaks) and
# print it with Prettier's algorithm (src/document/printer.js): a group stays on one line when it
# fits up to the next place its line may break, else its lines break and each group inside it is
# measured again; a group with several states (a last argument hugged, a member chain) takes the
# first state that fits. The helpers return a `Code`: the text as laid out, which a template prints
# as is, and the document, which an outer helper lays out again where it puts it.


class _Line:
    __slots__ = ("soft", "hard")

    def __init__(self, soft: bool = False, hard: bool = False):
        self.soft, self.hard = soft, hard


class _Indent:
    __slots__ = ("contents", "width")

    def __init__(self, contents: object, width: int = 2):
        self.contents, self.width = contents, width


class _IfBreak:
    __slots__ = ("broken", "flat")

    def __init__(self, broken: object, flat: object = ""):
        self.broken, self.flat = broken, flat


class _Group:
    __slots__ = ("contents", "broken", "states")

    def __init__(self, contents: object, broken: bool = False, states: list | None = None):
        self.contents = states[0] if states else contents
        self.broken, self.states = broken, states


class _IndentIfBroken:
    """Its contents indented when `group` (printed before it) broke (Prettier's indentIfBreak)."""

    __slots__ = ("contents", "group")

    def __init__(self, contents: object, group: _Group):
        self.contents, self.group = contents, group


class _BreakParent:
    __slots__ = ()


LINE, SOFTLINE = _Line(), _Line(soft=True)
_BREAK_PARENT = _BreakParent()
HARDLINE = [_Line(hard=True), _BREAK_PARENT]
_FLAT, _BREAK = 0, 1


def _children(doc: object) -> list:
    if isinstance(doc, list):
        return doc
    if isinstance(doc, _Group):
        return list(doc.states) if doc.states else [doc.contents]
    if isinstance(doc, (_Indent, _IndentIfBroken)):
        return [doc.contents]
    if isinstance(doc, _IfBreak):
        return [doc.broken, doc.flat]
    return []


def _will_break(doc: object) -> bool:
    """Whether the document holds a hard line break or a group already broken (Prettier's willBreak,
    which looks at the first state of a group with states only)."""
    if isinstance(doc, _Group) and doc.broken or isinstance(doc, _BreakParent):
        return True
    return any(_will_break(d) for d in ([doc.contents] if isinstance(doc, _Group) else _children(doc)))


def _propagate_breaks(doc: object, groups: list, seen: set) -> None:
    """A hard break breaks every group around it, up to a group with states (Prettier's propagateBreaks)."""
    def break_parent() -> None:
        if groups and not groups[-1].states:
            groups[-1].broken = True

    if isinstance(doc, _BreakParent):
        break_parent()
    if isinstance(doc, _Group):
        groups.append(doc)
        if id(doc) not in seen:
            seen.add(id(doc))
            for d in _children(doc):
                _propagate_breaks(d, groups, seen)
        groups.pop()
        if doc.broken:
            break_parent()
        return
    for d in _children(doc):
        _propagate_breaks(d, groups, seen)


def _fits(mode: int, doc: object, rest: list, width: int) -> bool:
    """Whether `doc` in `mode`, then what follows it (`rest`, the printer's stack) up to the next line
    break, fits in `width` columns (Prettier's fits)."""
    stack, rest_at, pending_space = [(mode, doc)], len(rest), False
    while width >= 0:
        if not stack:
            if rest_at == 0:
                return True
            rest_at -= 1
            stack.append(rest[rest_at][1:])
            continue
        mode, doc = stack.pop()
        if isinstance(doc, str):
            if doc:
                width -= len(doc) + pending_space
                pending_space = False
        elif isinstance(doc, list):
            stack.extend((mode, d) for d in reversed(doc))
        elif isinstance(doc, (_Indent, _IndentIfBroken)):
            stack.append((mode, doc.contents))
        elif isinstance(doc, _Group):
            group_mode = _BREAK if doc.broken else mode
            stack.append((group_mode, doc.states[-1] if doc.states and group_mode == _BREAK else doc.contents))
        elif isinstance(doc, _IfBreak):
            chosen = doc.broken if mode == _BREAK else doc.flat
            if chosen:
                stack.append((mode, chosen))
        elif isinstance(doc, _Line):
            if mode == _BREAK or doc.hard:
                return True
            pending_space = pending_space or not doc.soft
    return False


def _print(doc: object, indent: int) -> str:
    """The document as Prettier prints it, its first line starting at column `indent` (its indentation
    not included) and every line it breaks indented from `indent` (Prettier's printDocToString)."""
    _propagate_breaks(doc, [], set())
    out: list[str] = []
    pos, remeasure = indent, False
    modes: dict[int, int] = {}  # the mode each group printed in, for _IndentIfBroken
    stack: list[tuple[int, int, object]] = [(indent, _BREAK, doc)]
    while stack:
        ind, mode, doc = stack.pop()
        if isinstance(doc, str):
            out.append(doc)
            pos += len(doc)
        elif isinstance(doc, list):
            stack.extend((ind, mode, d) for d in reversed(doc))
        elif isinstance(doc, _Indent):
            stack.append((ind + doc.width, mode, doc.contents))
        elif isinstance(doc, _IndentIfBroken):
            stack.append((ind + 2 if modes.get(id(doc.group)) == _BREAK else ind, mode, doc.contents))
        elif isinstance(doc, _Group):
            if mode == _FLAT and not remeasure:
                stack.append((ind, _BREAK if doc.broken else _FLAT, doc.contents))
                modes[id(doc)] = stack[-1][1]
                continue
            remeasure = False
            width = WIDTH - pos
            if not doc.broken and _fits(_FLAT, doc.contents, stack, width):
                stack.append((ind, _FLAT, doc.contents))
            elif not doc.states:
                stack.append((ind, _BREAK, doc.contents))
            else:
                chosen = (ind, _BREAK, doc.states[-1])
                if not doc.broken:
                    for state in doc.states[1:-1]:
                        if _fits(_FLAT, state, stack, width):
                            chosen = (ind, _FLAT, state)
                            break
                stack.append(chosen)
            modes[id(doc)] = stack[-1][1]
        elif isinstance(doc, _IfBreak):
            chosen = doc.broken if mode == _BREAK else doc.flat
            if chosen:
                stack.append((ind, mode, chosen))
        elif isinstance(doc, _Line):
            if mode == _FLAT and not doc.hard:
                if not doc.soft:
                    out.append(" ")
                    pos += 1
                continue
            if mode == _FLAT:
                remeasure = True
            while out and out[-1].endswith(" "):  # Prettier trims the spaces a line ends with
                out[-1] = out[-1].rstrip(" ")
                if not out[-1]:
                    out.pop()
            out.append("\n" + " " * ind)
            pos = ind
    return "".join(out)


def _join(separator: object, docs: list) -> list:
    out: list = []
    for i, d in enumerate(docs):
        if i:
            out.append(separator)
        out.append(d)
    return out


class Code(str):
    """TypeScript laid out by a helper below: as a str, the text at the place the helper was told
    (`indent`, `prefix`, `suffix`), which a template prints as is; `doc`, the expression's document,
    which a helper that puts the expression somewhere else (an argument, an arrow's body) lays out
    again there. `kind` says what Prettier sees: "object", "array", "arrow", "call", "binary",
    "ternary" (with a comparison or logic as its test), "jsx" or "" (anything else); `hug` is the document
    for the expression as a call's hugged last argument (an object or array literal, an arrow
    function), None when Prettier would not hug it."""

    doc: object
    kind: str
    hug: object

    def __new__(cls, text: str, doc: object, kind: str = "", hug: object = None) -> Code:
        code = super().__new__(cls, text)
        code.doc, code.kind, code.hug = doc, kind, hug
        return code


def _doc(part: object) -> object:
    """The document of an expression: a `Code`'s own; a list, its parts one after the other (e.g.
    `[members(...), "?.total"]`); else the text, as one piece that never breaks."""
    if isinstance(part, Code):
        return part.doc
    if isinstance(part, (list, tuple)):
        return [_doc(p) for p in part]
    return str(part)


def _kind(part: object) -> str:
    return part.kind if isinstance(part, Code) else ""


def _laid(doc: object, indent: int, prefix: str, suffix: str, kind: str = "", hug: object = None) -> Code:
    return Code(_print([prefix, doc, suffix], indent), doc, kind, hug)


def layout(expr: object, indent: int = 0, prefix: str = "", suffix: str = "") -> str:
    """`prefix expr suffix` laid out at `indent` (an expression a helper below made, put somewhere else)."""
    return _print([prefix, _doc(expr), suffix], indent)


def _arguments(args: list) -> object:
    """A call's `(a, b)`, as Prettier prints call arguments: on one line when they fit; else, when the
    last one is an object, an array or an arrow function (and the one before it is not the same kind),
    the others stay on the line and the last one is broken open ("hugged"): `f(a, {` ... `})`; else one
    argument a line with a trailing comma."""
    if not args:
        return "()"
    docs = [_doc(a) for a in args]
    printed = [[d, ",", LINE] for d in docs[:-1]] + [docs[-1]]

    def broken_out() -> _Group:
        return _Group(["(", _Indent([LINE, *printed]), ",", LINE, ")"], broken=True)

    last = args[-1]
    hug = last.hug if isinstance(last, Code) else None
    if hug is not None and (len(args) == 1 or _kind(args[-2]) != last.kind):
        head = printed[:-1]
        if any(_will_break(h) for h in head):
            return broken_out()
        if _will_break(hug):
            return [_BREAK_PARENT, _Group(None, states=[["(", *head, _Group(hug, broken=True), ")"], broken_out()])]
        return _Group(None, states=[["(", *head, hug, ")"], ["(", *head, _Group(hug, broken=True), ")"], broken_out()])
    return _Group(["(", _Indent([SOFTLINE, *printed]), _IfBreak(","), SOFTLINE, ")"])


def _type_arguments(types: list[str]) -> object:
    """`<A, B>`: one type a line when the line is too long; a lone type argument only if it is not a
    plain name (Prettier keeps `<Name>` and `<string>` whole, not `<Row["field"]>`)."""
    if len(types) == 1 and re.fullmatch(r"[\w$.]+", str(types[0])):
        return f"<{types[0]}>"
    return _Group(["<", _Indent([SOFTLINE, *_join([",", LINE], [_doc(t) for t in types])]), SOFTLINE, ">"])


def call(callee: object, args: list, indent: int = 0, prefix: str = "", suffix: str = "",
         types: list | None = None) -> Code:
    """`prefix callee<types>(a, b)suffix` at `indent` spaces: on one line when it fits; else the type
    arguments one a line if the line up to `(` is still too long, and the arguments as Prettier breaks
    them (see `_arguments`: a last object, array or arrow function made by these helpers is hugged,
    else one argument a line with a trailing comma). An argument or the callee may be a `Code`."""
    doc = [_doc(callee), _type_arguments(types) if types else "", _arguments(args)]
    return _laid(doc, indent, prefix, suffix, kind="call")


def generic(name: str, types: list, indent: int = 0, prefix: str = "", suffix: str = "") -> Code:
    """A generic type `Name<A, B>` (e.g. `Record<K, string>`, `ReturnType<typeof f>`): on one line when
    it fits, else one type argument a line between `<` and `>`, no trailing comma."""
    return _laid([name, _type_arguments(types)], indent, prefix, suffix)


def _rhs(left: object, operator: str, value: object) -> object:
    """`left operator value` (`key: value`, `const x = value`) as Prettier lays out an assignment: a value
    made by these helpers (an object, a call...) starts after the operator and breaks inside, or goes
    to the next line only if even its first line does not fit there ("fluid"); a value of a comparison
    or logic (`binary`, a `ternary` testing one) or any other value (a string, a name, `a.b(1).c`) goes
    to the next line, indented, when the line is too long ("break-after-operator"); a template literal,
    a number, `true`, `false`, or an array or object given as text never moves."""
    if isinstance(value, str) and not isinstance(value, Code) and re.match(r"[`\[{\d-]|(true|false)$", value):
        return [_doc(left), operator, " ", value]
    if isinstance(value, (Code, list, tuple)) and _kind(value) not in ("binary", "ternary"):
        small = _Group(_Indent(LINE))
        return _Group([_doc(left), operator, small, _IndentIfBroken(_doc(value), small)])
    return _Group([_doc(left), operator, _Group(_Indent([LINE, _doc(value)]))])


def _property(prop: object) -> object:
    """A property of an object literal: its text (`"a: 1"`, `"...rest"`, `"a"`), or a pair (key text,
    value) laid out as `_rhs` says; after a key shorter than 5 characters the value never moves."""
    if not isinstance(prop, tuple):
        return _doc(prop)
    name, value = prop
    if len(str(name)) < 5:
        return [str(name), ": ", _doc(value)]
    return _rhs(str(name), ":", value)


def prop(key: str, value: object, indent: int = 0, suffix: str = ",") -> Code:
    """One `key: value` property of an expanded object literal, on the lines it takes at `indent` (see
    `_rhs` for where the value goes); `value` may be a `Code`, e.g. a `call`, or a list of parts."""
    return _laid(_property((key, value)), indent, "", suffix)


def assign(left: str, value: object, indent: int = 0, suffix: str = ";") -> Code:
    """`left = value;` (e.g. `const total = ...`) laid out as Prettier lays out an assignment (see `_rhs`)."""
    return _laid(_rhs(left, " =", value), indent, "", suffix)


def obj(props: list, indent: int = 0, prefix: str = "", suffix: str = "", expand: bool = False) -> Code:
    """An object literal `{ a: 1, ...b }` at `indent`: on one line when it fits, else one property a line
    with a trailing comma; always so with `expand` (Prettier keeps an object expanded when its first
    property starts a new line). A property is its text (`"a: 1"`, `"...rest"`, `"a"`) or a pair (key
    text, value) whose value may be a `Code` laid out again inside it (see `_property`)."""
    if not props:
        return _laid("{}", indent, prefix, suffix, kind="object")
    doc = _Group(["{", _Indent([LINE, *_join([",", LINE], [_property(tuple(p) if isinstance(p, list) else p)
                                                            for p in props])]), _IfBreak(","), LINE, "}"], broken=expand)
    return _laid(doc, indent, prefix, suffix, kind="object", hug=doc)


def arr(items: list, indent: int = 0, prefix: str = "", suffix: str = "") -> Code:
    """An array literal `[a, b]` at `indent`: on one line when it fits, else one item a line with a
    trailing comma (items that are not all objects or arrays, and not all numbers)."""
    if not items:
        return _laid("[]", indent, prefix, suffix, kind="array")
    doc = _Group(["[", _Indent([SOFTLINE, *_join([",", LINE], [_doc(i) for i in items])]), _IfBreak(","), SOFTLINE, "]"])
    return _laid(doc, indent, prefix, suffix, kind="array", hug=doc)


def arrow(params: str, body: object, indent: int = 0, prefix: str = "", suffix: str = "") -> Code:
    """An arrow function with an expression body, `(x) => body`, at `indent`. An object or array body
    stays after `=>` (an object in parentheses) and breaks open; any other body goes to the next line,
    indented, when the line is too long. As a call's last argument it is hugged when its body is an
    object, an array or a call (`f((x) =>` then the body, then `,` and `)` on a line of their own)."""
    kind = _kind(body)
    if kind in ("object", "array"):
        same_line = [" ", "(", _doc(body), ")"] if kind == "object" else [" ", _doc(body)]
        doc = _Group([params, " =>", _Group(same_line)])
        return _laid(doc, indent, prefix, suffix, kind="arrow", hug=doc)
    doc = _Group([params, " =>", _Group(_Indent([LINE, _doc(body)]))])
    hug = _Group([params, " =>", _Group([_Indent([LINE, _doc(body)]), _IfBreak(","), SOFTLINE])]) if kind == "call" else None
    return _laid(doc, indent, prefix, suffix, kind="arrow", hug=hug)


def _is_factory(name: str) -> bool:
    return bool(re.match(r"^[A-Z]|^[$_]+$", name))


def members(head: object, calls: list, indent: int = 0, prefix: str = "", suffix: str = "",
            statement: bool = False, simple: bool = True) -> Code:
    """A member chain `head.a(x).b(y)` as Prettier prints it (src/language-js/print/member-chain.js).
    `head` is what the chain starts from: a name (`db`, `screen`, `api.items`), an expression, or a
    call made by `call` (`expect(x)`); `calls` are the links after it, each a `call(".name", args)`, a
    text (`.not.toBeNull()`) or a list of those (`[call(".getAllByRole", args), "[0]"]`).

    A chain of two groups (the head and one link; three when the head is merged with the first link:
    a capitalized name, or a name of at most two letters starting a statement, `db.delete(t)`) stays
    on one line, each call's arguments breaking as they must. A longer chain is on one line when it
    fits, else one link a line under the head; always so when it has more than two calls and one has
    an argument that is not simple (`simple=False`: a call in a call in an argument, a function)."""
    links = [_doc(c) for c in calls]
    head_doc = _doc(head)
    name = head if isinstance(head, str) and not isinstance(head, Code) else None
    last = name.rsplit(".", 1)[-1] if name else ""
    merge = bool(links) and name is not None and re.fullmatch(r"[\w$.]+", name) is not None and (
        _is_factory(last) or ("." not in name and statement and len(name) <= 2) or name == "this")
    groups = 1 + len(links)
    one_line = [head_doc, *links]
    if groups <= (3 if merge else 2):
        return _laid(_Group(one_line), indent, prefix, suffix, kind="call")
    indented = links[1:] if merge else links
    expanded = [head_doc, links[0] if merge else "", _Indent([HARDLINE, *_join(HARDLINE, indented)])]
    parts = [head] + [p for c in calls for p in (c if isinstance(c, (list, tuple)) else [c])]
    calls_made = sum(1 for p in parts if _kind(p) == "call" or (not isinstance(p, Code) and "(" in str(p)))
    if (calls_made > 2 and not simple) or any(_will_break(g) for g in one_line[:-1]):
        return _laid(_Group(expanded), indent, prefix, suffix, kind="call")
    doc = [_BREAK_PARENT if _will_break(one_line) else "", _Group(None, states=[one_line, expanded])]
    return _laid(doc, indent, prefix, suffix, kind="call")


def expect(subject: object, matcher: str, args: list | None = None, indent: int = 0, prefix: str = "",
           suffix: str = "") -> Code:
    """A test's `expect(subject).matcher(args)` (`matcher` with its dot: `.toBe`, `.not.toBeNull`): the
    member chain `members(call("expect", [subject]), [call(matcher, args)])`, which stays on one line
    while `expect(`'s argument breaks out when the line up to `.matcher(` does not fit, then the
    matcher's arguments when the rest does not."""
    return members(call("expect", [subject]), [call(matcher, args or [])], indent, prefix, suffix)


_COMPARISON = re.compile(r" (===|!==|==|!=|<=|>=|<|>|&&|\|\||\?\?|instanceof|in) ")


def binary(left: object, operator: str, right: object, indent: int = 0, prefix: str = "", suffix: str = "") -> Code:
    """`left operator right` (`a ?? 0`, `a === b`) as the value of an assignment or a property (see `_rhs`):
    on one line when it fits, else `left` as it breaks, then ` operator right`, the line breaking
    after the operator only if `operator right` does not fit either."""
    doc = _Group([_doc(left), " ", _Group([operator, LINE, _doc(right)])])
    return _laid(doc, indent, prefix, suffix, kind="binary")


def member(expr: object, lookup: str, indent: int = 0, prefix: str = "", suffix: str = "") -> Code:
    """`expr.lookup` (`lookup` with its dot, e.g. `.length`, `?.total`) after an expression that is not a
    plain name (a call, a chain): the lookup moves to the next line, indented, when it does not fit."""
    return _laid([_doc(expr), _Group(_Indent([SOFTLINE, lookup]))], indent, prefix, suffix)


def ternary(test: str, yes: object, no: object, indent: int = 0, prefix: str = "", suffix: str = "") -> Code:
    """`test ? yes : no` at `indent`: on one line when it fits, else `test`, then `? yes` and `: no` each
    on a line of its own, indented, what breaks inside `yes` or `no` indented 2 more (Prettier's
    conditional expression, outside JSX mode)."""
    doc = _Group([test, _Indent([LINE, "? ", _Indent(_doc(yes)), LINE, ": ", _Indent(_doc(no))])])
    return _laid(doc, indent, prefix, suffix, kind="ternary" if _COMPARISON.search(f" {test} ") else "")


def clause(head: str, body: object, indent: int, suffix: str = ";") -> Code:
    """`head body;` for an `if (...)` or `for (...)` whose body is one statement, not a block: on one
    line when it fits, else the body on the next line, indented, and laid out there."""
    return _laid(_Group([head, _Indent([LINE, _doc(body), suffix])]), indent, "", "")


def _jsx_opening(tag: str, attrs: list[str], self_closing: bool = False) -> object:
    end = "/>" if self_closing else ">"
    if not attrs:
        return f"<{tag} />" if self_closing else f"<{tag}>"
    if len(attrs) == 1 and re.fullmatch(r'[\w-]+="[^"\n]*"', attrs[0]):  # one string attribute never breaks
        return f"<{tag} {attrs[0]}{' ' if self_closing else ''}{end}"
    return _Group([f"<{tag}", _Indent([d for a in attrs for d in (LINE, _doc(a))]), LINE if self_closing else SOFTLINE,
                   end])


def jsx_tag(tag: str, attrs: list, indent: int, self_closing: bool = False) -> Code:
    """A JSX opening tag (or a self-closing element) as Prettier prints it: on one line when it fits,
    else one attribute a line and `>` (or `/>`) on a line of its own; a tag whose only attribute is a
    string never breaks."""
    return _laid(_jsx_opening(tag, attrs, self_closing), indent, "", "", kind="jsx")


def jsx_element(tag: str, attrs: list, child: object, indent: int) -> Code:
    """`<tag attrs>{child}</tag>`, a JSX element whose only child is an expression (e.g. a `ternary`):
    on one line when it fits and the tag has at most one attribute, else the opening tag (see
    `jsx_tag`), the `{child}` on a line of its own, indented, and the closing tag on the next
    (Prettier always breaks the children of a tag with two attributes)."""
    opening = _jsx_opening(tag, attrs)
    inner = _Group(["{", _doc(child), "}"])
    closing = f"</{tag}>"
    broken = _Group([opening, _Indent([HARDLINE, inner]), HARDLINE, closing])
    return _laid(broken if len(attrs) > 1 else _Group(None, states=[[opening, inner, closing], broken]), indent, "", "")


def jsx_and(condition: object, tag: str, attrs: list, indent: int) -> Code:
    """`{condition && <Tag attrs />}` inside JSX: on one line when it fits, else the element on lines of
    its own between `(` and `)` (`{condition && (`, the element, `)}`), its attributes one a line if
    it is still too long."""
    element = _Group([_IfBreak("("), _Indent([SOFTLINE, _jsx_opening(tag, attrs, self_closing=True)]), SOFTLINE,
                      _IfBreak(")")])
    return _laid(_Group(["{", _Group([_doc(condition), " ", _Group(["&&", " ", element])]), "}"]), indent, "", "")


def signature(head: str, params: list, tail: object, indent: int = 0) -> Code:
    """A function or method head `head(params)tail` (e.g. `replace(` ... `): Row | undefined {`): on one
    line when it fits, else one parameter a line with a trailing comma, `)tail` on a line of its own
    (`tail` may hold a `generic` return type, which Prettier breaks once the parameters are broken).
    A lone destructured parameter (`[obj([...]), ": Props"]`) is hugged: `head({` ... `}: Props)tail`."""
    only = params[0] if len(params) == 1 else None
    first = only[0] if isinstance(only, (list, tuple)) and only else only
    if _kind(first) == "object":
        return _laid([head, "(", _doc(only), ")", tail], indent, "", "")
    docs = [_doc(p) for p in params]
    group = _Group(["(", _Indent([SOFTLINE, *_join([",", LINE], docs)]), _IfBreak(","), SOFTLINE, ")"]) if docs else "()"
    return _laid([head, group, _doc(tail)], indent, "", "")


def jsx_attr(name: str, value: object) -> Code:
    """A JSX attribute `name={value}`: a call, an object, an array, an arrow function or an element
    (`jsx_tag`) stays after `{` and breaks inside; any other expression (a `ternary`, a comparison) goes between `{` and `}` on
    lines of their own when the attribute is too long."""
    if _kind(value) in ("call", "object", "array", "arrow", "jsx"):
        return _laid([name, "={", _doc(value), "}"], 0, "", "")
    return _laid([name, "=", _Group(["{", _Indent([SOFTLINE, _doc(value)]), SOFTLINE, "}"])], 0, "", "")


def awaited(value: object) -> Code:
    """`(await value)` as the object of a member (`(await post(...)).id`): the parentheses hold the
    awaited call on a line of its own, indented, when it does not fit."""
    return _laid(["(", _Group([_Indent([SOFTLINE, "await ", _doc(value)]), SOFTLINE]), ")"], 0, "", "")


def if_all(conditions: list, indent: int) -> Code:
    """`if (a && b) {`: on one line when it fits, else one condition a line (`a &&`), indented, and
    `) {` on a line of its own; a condition may be a `Code` (a call that breaks further)."""
    test = _join([" &&", LINE], [_doc(c) for c in conditions])
    return _laid(["if (", _Group([_Indent([SOFTLINE, *test]), SOFTLINE]), ") {"], indent, "", "")
