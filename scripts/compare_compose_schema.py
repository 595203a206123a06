"""Compares drydock's CMP101 with jsonschema on each compose file (see compare-compose-schema)."""
import json
import sys

import jsonschema
from ruamel.yaml import YAML
from ruamel.yaml.constructor import SafeConstructor
from ruamel.yaml.nodes import MappingNode, SequenceNode


RESET = object()


def compose_tag(loader, suffix, node):
    """Compose's tags: `!reset` removes the value (before validation, as Compose does it);
    `!override` keeps the tagged value as it is written."""
    if suffix == "reset":
        return RESET
    if isinstance(node, MappingNode):
        return loader.construct_mapping(node, deep=True)
    if isinstance(node, SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return loader.construct_scalar(node)


SafeConstructor.add_multi_constructor("!", compose_tag)


def without_resets(value):
    if isinstance(value, dict):
        return {k: without_resets(v) for k, v in value.items() if v is not RESET}
    if isinstance(value, list):
        return [without_resets(v) for v in value if v is not RESET]
    return value

corpus, schema_path, files_path, drydock_path, details = sys.argv[1:6]
validator = jsonschema.Draft7Validator(json.load(open(schema_path)))
files = open(files_path).read().splitlines()
ours = {}
for item in json.load(open(drydock_path)):
    ours.setdefault(item["file"], {}).setdefault(item["code"], []).append(
        f"{item['line']}:{item['column']} {item['message']}")

theirs = {}
yaml_errors = 0
for name in files:
    try:
        doc = YAML(typ="safe", pure=True).load(open(f"{corpus}/{name}", "rb"))
    except Exception as e:  # a YAML error: not a schema question
        theirs[name] = None
        yaml_errors += 1
        continue
    theirs[name] = [f"/{'/'.join(map(str, e.absolute_path))}: {e.message[:160]}"
                    for e in validator.iter_errors(without_resets({} if doc is None else doc))]

both = only_theirs = only_ours = valid = 0
differing = []
for name in files:
    if theirs[name] is None:
        continue
    t = bool(theirs[name])
    o = "CMP101" in ours.get(name, {})
    if t and o:
        both += 1
    elif t:
        only_theirs += 1
        # drydock knows `pre_start` (compose-go's schema has it; the compose-spec copy does not
        # yet): see BEYOND_THE_SPEC_COPY in tests/tests/compose_schema.rs.
        newer = all("'pre_start' does not match" in e for e in theirs[name])
        differing.append(("jsonschema only (explained: `pre_start`, newer than the spec copy)"
                          if newer else "jsonschema only", name))
    elif o:
        only_ours += 1
        differing.append(("drydock only", name))
    else:
        valid += 1

print(f"{len(files)} compose files; {yaml_errors} not loadable by ruamel.yaml (left out)")
print()
print("| invalid for both | jsonschema only | drydock only | valid for both | agreement |")
print("|---:|---:|---:|---:|---:|")
compared = both + only_theirs + only_ours + valid
print(f"| {both} | {only_theirs} | {only_ours} | {valid} | "
      f"{100.0 * (both + valid) / max(compared, 1):.1f}% |")
for side, name in differing:
    print(f"- {side}: {name}")
    if details:
        for line in theirs[name] or []:
            print(f"    jsonschema: {line}")
        for line in ours.get(name, {}).get("CMP101", []):
            print(f"    drydock:    {line}")
