#!/usr/bin/env python3
"""Follow `autogen adopt`'s default suggestions as a user would: put each printed
attribute on its field in sea-orm-cli's entity files.

    follow_adopt.py ADOPT_JSON ENTITY_DIR   # prints how many were placed, and the misses

ADOPT_JSON is `autogen --json adopt`'s output ({"attributes": [{"table", "column",
"attribute"}]}). The file of a table is its snake-cased name (sea-orm-cli's module); the field
is the one whose `column_name` is the column, else the one whose name is the column's
snake case. The attribute goes on its own line above the field (DeriveEntityModel reads every
`#[sea_orm(...)]` of a field). A cargo feature it names ("features") goes on the sea-orm
dependency of the entity crate (ENTITY_DIR/../Cargo.toml)."""
import json
import os
import re
import sys


def norm(name):
    return name.replace("_", "").replace("r#", "").lower()


def main():
    adopt = json.load(open(sys.argv[1]))
    entity_dir = sys.argv[2]
    placed, missed = 0, []
    files = {norm(f[:-3]): os.path.join(entity_dir, f) for f in os.listdir(entity_dir) if f.endswith(".rs")}
    for item in adopt.get("attributes", []):
        table, column, attribute = item["table"], item["column"], item["attribute"]
        path = files.get(norm(table.split(".")[-1]))
        if path is None:
            missed.append(f"{table}.{column}: no entity file")
            continue
        lines = open(path).read().split("\n")
        target = None
        pending = []  # attribute lines above the current field
        for i, line in enumerate(lines):
            s = line.strip()
            if s.startswith("#["):
                pending.append(s)
                continue
            m = re.match(r"pub (r#)?(\w+)\s*:", s)
            if m:
                named = [re.search(r'column_name\s*=\s*"([^"]*)"', a) for a in pending]
                named = [n.group(1) for n in named if n]
                if (named and named[0] == column) or (not named and norm(m.group(2)) == norm(column)):
                    target = i
                    break
            pending = []
        if target is None:
            missed.append(f"{table}.{column}: no field")
            continue
        indent = re.match(r"\s*", lines[target]).group(0)
        typed = re.match(r'#\[sea_orm\(column_type = ("(?:[^"\\]|\\.)*")\)\]', attribute)
        if typed:
            # a column_type replaces the field's own (in the attributes above it)
            for j in range(target - 1, -1, -1):
                if not lines[j].strip().startswith(("#[", "column_type", "primary_key", "nullable", "unique", "ignore", "select_as", ")")):
                    break
            top = j + 1
            block = "\n".join(lines[top:target])
            new = re.sub(r'column_type = "(?:[^"\\]|\\.)*"', "column_type = " + typed.group(1).replace("\\", "\\\\"), block, count=1)
            if new != block:
                lines[top:target] = new.split("\n")
                open(path, "w").write("\n".join(lines))
                placed += 1
                continue
        lines.insert(target, indent + attribute)
        open(path, "w").write("\n".join(lines))
        placed += 1
    for feature in adopt.get("features", []):
        manifest = os.path.join(entity_dir, "..", "Cargo.toml")
        text = open(manifest).read()
        def add(m):
            spec = m.group(2).strip()
            if spec.startswith('"'):
                return f'{m.group(1)}{{ version = {spec}, features = ["{feature}"] }}'
            if "features" in spec:
                return m.group(1) + re.sub(r"features\s*=\s*\[", f'features = ["{feature}", ', spec, count=1)
            return m.group(1) + spec.rstrip("}").rstrip() + f', features = ["{feature}"] }}'
        new = re.sub(r'(?m)^(sea-orm\s*=\s*)(.*)$', add, text, count=1)
        if new != text:
            open(manifest, "w").write(new)
            placed += 1
        else:
            missed.append(f"feature {feature}: no sea-orm dependency in {manifest}")
    print(f"{placed} placed" + (f", {len(missed)} missed: " + "; ".join(missed) if missed else ""))


if __name__ == "__main__":
    main()
