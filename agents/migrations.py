"""Schema changes as numbered drizzle migrations, so an app that already holds data keeps it.

A fresh app gets `drizzle/0000_init.sql` and its snapshot from the renderer. Once an app's folder
has a migration history (`backend/drizzle/meta/_journal.json`), a backend generated again — an
`improve`, a resumed or repaired task, a new request into the same folder — keeps every migration
file it finds as it is (`0000_init.sql` is never rewritten) and, when the spec's schema differs from
the last snapshot, adds the next one: `0001_<what changed>.sql`, its snapshot (what `drizzle-kit
generate` diffs from) and a journal entry (the app's migrator applies it at start).

A change that keeps the data is an `ALTER TABLE`, or, where SQLite has no ALTER for it (a new CHECK,
a column now required, a new required column with a bound), a table rebuild that copies every row,
as drizzle-kit writes it. A new required column gets a stand-in value in the existing rows (the
first option of an enum, 0, false, '', the epoch), listed in the migration and the run's notes. A
change that drops data (a table, a column, a changed type, a required reference no existing row has
a value for) is refused with the reasons, unless the run allows data loss.

Pure but for `read_history` (the folder's drizzle files); no LangGraph, no Node.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from autodevos.agents import render
from autodevos.domain.spec import AppSpec, Field

FOLDER = "backend/drizzle"
JOURNAL = f"{FOLDER}/meta/_journal.json"
BREAK = "\n--> statement-breakpoint\n"
STEP_MS = 1000
"""How much later than the last one a new journal entry is dated (the migrator applies entries newer
than the last it applied; a fixed step keeps the same change giving the same bytes)."""


class DataLossRefused(RuntimeError):
    """The changed spec drops data the app may hold; the run did not allow it."""

    permanent = True

    def __init__(self, lost: list[str]):
        self.lost = lost
        super().__init__("the schema change would lose data: " + "; ".join(lost)
                         + ". Keep those fields/entities, make a new reference optional, or run again with "
                           "--allow-data-loss (the migration then drops them)")


class HistoryError(RuntimeError):
    """The folder's migration history cannot be read."""

    permanent = True


@dataclass
class History:
    """The migration files a folder holds: {app path: text}, the journal, the last snapshot."""

    files: dict[str, str]
    journal: dict
    last: dict


@dataclass
class Migration:
    """What one schema change does: its SQL statements, the data it drops, the stand-ins it writes."""

    statements: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)
    filled: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)
    """Short names of the changes ('add todos.priority'), for the tag and the notes."""
    risks: list[str] = field(default_factory=list)
    """What can stop the migration on data already there (a new unique index, a new bound)."""
    emptied: list[str] = field(default_factory=list)
    """Tables whose rows a rebuild may not all copy (the rows that refer to them are then cleared)."""


# --- SQL as drizzle-kit writes it ------------------------------------------------------------


def _column_sql(c: dict, fill: object = None) -> str:
    default = c.get("default", fill)
    text = f"`{c['name']}` {c['type']}" + (" PRIMARY KEY AUTOINCREMENT" if c.get("primaryKey") else "")
    if default is not None:
        text += f" DEFAULT {json.dumps(default) if isinstance(default, bool) else default}"
    return text + (" NOT NULL" if c.get("notNull") else "")


def create_table(table: dict, name: str | None = None) -> str:
    """`CREATE TABLE` of a snapshot's table (under another name for a rebuild)."""
    lines = [f"\t{_column_sql(c)}" for c in table["columns"].values()]
    for pk in table.get("compositePrimaryKeys", {}).values():
        lines.append("\tPRIMARY KEY(" + ", ".join(f"`{c}`" for c in pk["columns"]) + ")")
    for fk in table.get("foreignKeys", {}).values():
        lines.append(f"\tFOREIGN KEY (`{fk['columnsFrom'][0]}`) REFERENCES `{fk['tableTo']}`(`id`) "
                     f"ON UPDATE {fk['onUpdate']} ON DELETE {fk['onDelete']}")
    for ch in table.get("checkConstraints", {}).values():
        value = ch["value"]
        if name:  # a check names its column with the table's name; SQLite renames it with the table
            value = value.replace(f'"{table["name"]}".', f'"{name}".')
        lines.append(f'\tCONSTRAINT "{ch["name"]}" CHECK({value})')
    return f"CREATE TABLE `{name or table['name']}` (\n" + ",\n".join(lines) + "\n);"


def create_index(table: str, index: dict) -> str:
    cols = ",".join(f"`{c}`" for c in index["columns"])
    return f"CREATE {'UNIQUE ' if index['isUnique'] else ''}INDEX `{index['name']}` ON `{table}` ({cols});"


def create_statements(tables: dict[str, dict]) -> list[str]:
    """Every table of a snapshot, each followed by its indexes (the initial migration)."""
    out: list[str] = []
    for t in tables.values():
        out.append(create_table(t))
        out.extend(create_index(t["name"], i) for i in t["indexes"].values())
    return out


# --- stand-in values for new required columns --------------------------------------------------


def _fields_by_column(spec: AppSpec) -> dict[tuple[str, str], Field | None]:
    out: dict[tuple[str, str], Field | None] = {}
    for t in render.tables(spec):
        by_prop = {f.name: f for f in t.entity.fields} if t.entity is not None and t.link is None else {}
        for c in t.columns:
            out[(t.name, c.name)] = by_prop.get(c.prop)
    return out


def stand_in(column: dict, spec_field: Field | None, table: str, role: str = render.BUILTIN_DEFAULT) -> object | None:
    """The SQL literal existing rows get for a new required column, or None when no value can stand
    in (a reference: no row to point to). `role`: the role existing users get."""
    if column["name"] == "role" and table == "users":
        return "'" + role.replace("'", "''") + "'"
    if spec_field is None:
        return None if column["name"].endswith("_id") else ("''" if column["type"] == "text" else 0)
    kind = spec_field.type
    if kind in ("ref", "refs"):
        return None
    if kind == "enum" and spec_field.options:
        return "'" + spec_field.options[0].replace("'", "''") + "'"
    if kind == "boolean":
        return False
    if kind in ("integer", "number"):
        low = spec_field.min if spec_field.min is not None and spec_field.min > 0 else 0
        return int(low) if float(low).is_integer() else low
    if kind == "date":
        return "'1970-01-01'"
    if kind == "datetime":
        return "'1970-01-01T00:00:00.000Z'"
    return "'" + "-" * (spec_field.min_length or 0) + "'"


# --- the diff --------------------------------------------------------------------------------


def _shape(table: dict) -> dict:
    """What of a table a rebuild is needed for when it changes (all but its indexes)."""
    return {k: table.get(k) for k in ("foreignKeys", "compositePrimaryKeys", "checkConstraints")}


def _same_column(a: dict, b: dict) -> bool:
    return all(a.get(k) == b.get(k) for k in ("type", "primaryKey", "notNull", "default", "autoincrement"))


def diff(old: dict[str, dict], new: dict[str, dict], spec: AppSpec) -> Migration:
    """The migration from snapshot tables `old` to `new` (the spec gives the stand-in values)."""
    m = Migration()
    specs = _fields_by_column(spec)
    role = render.default_role(spec) if spec.roles else render.BUILTIN_DEFAULT
    for name, t in new.items():
        if name not in old:
            m.statements.append(create_table(t))
            m.statements.extend(create_index(name, i) for i in t["indexes"].values())
            m.changes.append(f"create {name}")
    for name, t in new.items():
        if name in old:
            _alter(old[name], t, specs, role, m)
    for name in old:
        if name not in new:
            m.statements.append(f"DROP TABLE `{name}`;")
            m.lost.append(f"table {name} and its records (the entity or the list is gone)")
            m.changes.append(f"drop {name}")
    for parent in m.emptied:  # rows that referred to rows not copied: as their on-delete rule says
        for t in new.values():
            for fk in t.get("foreignKeys", {}).values():
                if fk["tableTo"] == parent and t["name"] != parent:
                    col = fk["columnsFrom"][0]
                    orphan = f'"{col}" IS NOT NULL AND "{col}" NOT IN (SELECT "id" FROM `{parent}`)'
                    if fk.get("onDelete") == "set null":
                        m.statements.append(f'UPDATE `{t["name"]}` SET "{col}" = NULL WHERE {orphan};')
                    else:
                        m.statements.append(f"DELETE FROM `{t['name']}` WHERE {orphan};")
                        m.lost.append(f"the rows of {t['name']} that referred to the {parent} not kept")
    return m


def _alter(old: dict, new: dict, specs: dict[tuple[str, str], Field | None], role: str, m: Migration) -> None:
    name = new["name"]
    oc, nc = old["columns"], new["columns"]
    added = [c for n, c in nc.items() if n not in oc]
    dropped = [n for n in oc if n not in nc]
    changed = [n for n in nc if n in oc and not _same_column(oc[n], nc[n])]
    fk_cols = {fk["columnsFrom"][0] for fk in new.get("foreignKeys", {}).values()}
    fills: dict[str, object] = {}
    rebuild = bool(dropped or changed) or _shape(old) != _shape(new)
    for c in added:
        if c.get("notNull") and c.get("default") is None:
            fill = stand_in(c, specs.get((name, c["name"])), name, role)
            if fill is None:
                m.lost.append(f"the existing {name}: the new required {c['name']} has nothing to point to "
                              f"(make it optional to keep them)")
                rebuild = True  # SQLite adds no NOT NULL column without a default
            else:
                fills[c["name"]] = fill
                m.filled.append(f"{name}.{c['name']} = {fill} in the rows already there")
        if c["name"] in fk_cols:
            rebuild = rebuild or bool(c.get("notNull"))
        m.changes.append(f"add {name}.{c['name']}")
    for n in dropped:
        m.lost.append(f"column {name}.{n} (the field is gone)")
        m.changes.append(f"drop {name}.{n}")
    for n in changed:
        before, after = oc[n], nc[n]
        if before.get("type") != after.get("type"):
            m.lost.append(f"column {name}.{n}: its type changes from {before.get('type')} to {after.get('type')}")
            fill = stand_in(after, specs.get((name, n)), name, role) if after.get("notNull") else None
            if fill is not None:
                fills[n] = fill
        elif after.get("notNull") and not before.get("notNull") and after.get("default") is None:
            fill = stand_in(after, specs.get((name, n)), name, role)
            if fill is None:
                m.lost.append(f"the {name} with no {n}: it is now required and has nothing to point to")
            else:
                fills[n] = fill
                m.filled.append(f"{name}.{n} = {fill} where it was empty")
        m.changes.append(f"change {name}.{n}")
    old_checks, new_checks = old.get("checkConstraints", {}), new.get("checkConstraints", {})
    for n, ch in new_checks.items():
        if old_checks.get(n) != ch:
            m.risks.append(f"existing {name} must meet the new bound {ch['value']}, or the migration stops the app at start")
    for n, i in new["indexes"].items():
        if i["isUnique"] and old["indexes"].get(n) != i:
            m.risks.append(f"existing {name} must not repeat {', '.join(i['columns'])}, or the migration stops the app at start")
    if rebuild:
        if _shape(old) != _shape(new) and not (added or dropped or changed):
            m.changes.append(f"constraints of {name}")
        statements = _rebuild(old, new, fills)
        if not any(st.startswith(f"INSERT INTO `__new_{name}`") for st in statements) or any(" WHERE " in st for st in statements
                                                                                             if st.startswith("INSERT")):
            m.emptied.append(name)
        m.statements.extend(statements)
        return
    for c in added:
        ref = next((fk for fk in new.get("foreignKeys", {}).values() if fk["columnsFrom"][0] == c["name"]), None)
        text = f"ALTER TABLE `{name}` ADD {_column_sql(c, fills.get(c['name']))}"
        if ref is not None:
            text += f" REFERENCES {ref['tableTo']}(id) ON UPDATE {ref['onUpdate']} ON DELETE {ref['onDelete']}"
        m.statements.append(text + ";")
    oi, ni = old["indexes"], new["indexes"]
    for n, i in oi.items():
        if ni.get(n) != i:
            m.statements.append(f"DROP INDEX `{n}`;")
    for n, i in ni.items():
        if oi.get(n) != i:
            m.statements.append(create_index(name, i))
            if n not in oi:
                m.changes.append(f"index {n}")


def _rebuild(old: dict, new: dict, fills: dict[str, object]) -> list[str]:
    """drizzle-kit's table rebuild: a new table, every row copied into it, the old one dropped, the new
    one renamed, its indexes made again. A column kept with its type is copied (its stand-in where a
    value is now required and was missing); a new or retyped one gets its stand-in, or its default.
    When a required column has no value to give, no row is copied (the run allowed the loss)."""
    name = new["name"]
    into, values, empty = [], [], False
    for n, c in new["columns"].items():
        kept = n in old["columns"] and old["columns"][n].get("type") == c.get("type")
        if kept:
            into.append(f'"{n}"')
            values.append(f'coalesce("{n}", {_sql(fills[n])})' if n in fills else f'"{n}"')
        elif n in fills:
            into.append(f'"{n}"')
            values.append(_sql(fills[n]))
        elif c.get("notNull") and c.get("default") is None:
            empty = True
    # a column kept that is now required and has no stand-in (a reference): the rows without it are not copied
    unfilled = [n for n, c in new["columns"].items() if n in old["columns"] and c.get("notNull") and c.get("default") is None
                and not old["columns"][n].get("notNull") and n not in fills and old["columns"][n].get("type") == c.get("type")]
    where = " WHERE " + " AND ".join(f'"{n}" IS NOT NULL' for n in unfilled) if unfilled else ""
    out = ["PRAGMA foreign_keys=OFF;", create_table(new, f"__new_{name}")]
    if into and not empty:
        out.append(f"INSERT INTO `__new_{name}`({', '.join(into)}) SELECT {', '.join(values)} FROM `{name}`{where};")
    out += [f"DROP TABLE `{name}`;", f"ALTER TABLE `__new_{name}` RENAME TO `{name}`;", "PRAGMA foreign_keys=ON;"]
    out.extend(create_index(name, i) for i in new["indexes"].values())
    return out


def _sql(value: object) -> str:
    return json.dumps(value) if isinstance(value, bool) else str(value)


# --- the folder's history --------------------------------------------------------------------


def read_history(out_dir: Path) -> History | None:
    """The migration files of the app in out_dir, or None when it has none yet."""
    journal_path = out_dir / JOURNAL
    if not journal_path.is_file():
        return None
    where = f"{JOURNAL} in {out_dir}"
    try:
        journal = json.loads(journal_path.read_text(encoding="utf-8"))
        entries = journal["entries"]
        files = {JOURNAL: journal_path.read_text(encoding="utf-8")}
        last = None
        for e in entries:
            tag, idx = str(e["tag"]), int(e["idx"])
            if "/" in tag or "\\" in tag or tag.startswith("."):
                raise ValueError(f"tag {tag!r} is not a file name")
            sql = f"{FOLDER}/{tag}.sql"
            snap = f"{FOLDER}/meta/{idx:04d}_snapshot.json"
            files[sql] = (out_dir / sql).read_text(encoding="utf-8")
            files[snap] = (out_dir / snap).read_text(encoding="utf-8")
            last = json.loads(files[snap])
            tables = last.get("tables") if isinstance(last, dict) else None
            if not isinstance(tables, dict) or not all(isinstance(t, dict) and isinstance(t.get("columns"), dict)
                                                        and isinstance(t.get("indexes", {}), dict) for t in tables.values()):
                raise ValueError(f"{snap} is not a drizzle snapshot (no tables with columns)")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise HistoryError(f"cannot read the app's migrations ({where}): {exc}; restore backend/drizzle from "
                           "version control, or remove it to start the schema again") from None
    if last is None:
        return None
    return History(files, journal, last)


def _tag(index: int, changes: list[str]) -> str:
    words = re.sub(r"[^a-z0-9]+", "_", changes[0].lower()).strip("_")[:40] if changes else "change"
    more = "_and_more" if len(changes) > 1 else ""
    return f"{index:04d}_{words}{more}"


def with_history(files: dict[str, str], spec: AppSpec, out_dir: Path,
                 allow_data_loss: bool = False) -> tuple[dict[str, str], list[str]]:
    """The backend's files with the folder's migration history kept and, when the schema changed, the
    next migration added; and notes for the run (the migration written, the stand-ins). Raises
    DataLossRefused for a change that drops data the run did not allow to drop."""
    if f"{FOLDER}/meta/0000_snapshot.json" not in files:
        return files, []
    history = read_history(out_dir)
    if history is None:
        return files, []
    rendered = json.loads(files[f"{FOLDER}/meta/0000_snapshot.json"])
    out = {p: t for p, t in files.items() if not p.startswith(FOLDER + "/")}
    out.update(history.files)
    if rendered["tables"] == history.last.get("tables"):
        return out, []
    m = diff(history.last.get("tables", {}), rendered["tables"], spec)
    if m.lost and not allow_data_loss:
        raise DataLossRefused(m.lost)
    entries = history.journal["entries"]
    index = max(int(e["idx"]) for e in entries) + 1
    tag = _tag(index, m.changes)
    head = [f"-- {index:04d}: " + "; ".join(m.changes) + ".",
            "-- Written by AutoDevOS from the changed spec, as `drizzle-kit generate` would; the app applies it at start."]
    head += [f"-- Stand-in value: {f}." for f in m.filled]
    head += [f"-- Drops (allowed by --allow-data-loss): {x}." for x in m.lost]
    head += [f"-- Check first: {x}." for x in m.risks]
    out[f"{FOLDER}/{tag}.sql"] = "\n".join(head) + "\n" + BREAK.join(m.statements) + "\n"
    snapshot = {**rendered, "prevId": history.last.get("id", ""),
                "id": str(uuid.uuid5(uuid.NAMESPACE_URL, "autodevos:" + history.last.get("id", "") + tag
                                     + json.dumps(rendered["tables"], sort_keys=True)))}
    out[f"{FOLDER}/meta/{index:04d}_snapshot.json"] = json.dumps(snapshot, indent=2, ensure_ascii=False) + "\n"
    when = max(int(e.get("when", 0)) for e in entries) + STEP_MS
    journal = {**history.journal, "entries": [*entries, {"idx": index, "version": "6", "when": when, "tag": tag,
                                                          "breakpoints": True}]}
    out[JOURNAL] = json.dumps(journal, indent=2, ensure_ascii=False) + "\n"
    notes = [f"migration {tag}.sql: " + "; ".join(m.changes)]
    notes += [f"existing rows get a stand-in: {f}" for f in m.filled]
    notes += [f"dropped (--allow-data-loss): {x}" for x in m.lost]
    notes += [f"check first: {x}" for x in m.risks]
    return out, notes


def refusal(spec: AppSpec, out_dir: Path, allow_data_loss: bool = False) -> str | None:
    """Why generating `spec` into out_dir would be refused (a change that drops data, a history that
    cannot be read), or None: the check a run makes before any task writes a file."""
    if allow_data_loss or not (out_dir / JOURNAL).is_file():
        return None
    try:
        with_history(render.render_backend(spec), spec, out_dir)
    except (DataLossRefused, HistoryError) as exc:
        return str(exc)
    return None
