"""The template's properties, laid over the deployed baseline.

The baseline is authoritative: properties may add checks and make parameters stricter, but unless the
baseline says allow_overrides they may not drop a check it requires, switch enforce to audit, loosen a
parameter, or add exemptions. When no baseline was configured, the template is in charge.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Mapping

from preflight import validation
from preflight.errors import PolicyError
from preflight.model import Mode
from preflight.policy import Policy, Selection
from preflight.registry import Registry

CHECKS, MODE, REVISION, PARAMETERS, EXEMPTIONS = "Checks", "Mode", "Revision", "Parameters", "Exemptions"
PROPERTIES = (CHECKS, MODE, REVISION, PARAMETERS, EXEMPTIONS)
# Set by CloudFormation itself, not by the template author's intent for the audit.
CLOUDFORMATION_PROPERTIES = ("ServiceToken", "ServiceTimeout")


def apply(properties: Any, baseline: Policy, registry: Registry) -> Policy:
    problems = validation.Problems(PolicyError)
    registry = registry.including(baseline.checks)  # the baseline's detective controls can be named too
    # Phase 1: shape. An unknown property is reported with the rest but does not stop phase 2.
    if properties is None:
        properties = {}
    if not isinstance(properties, Mapping):
        problems.add(f"properties must be an object, not {validation.type_name(properties)}")
        problems.raise_if_any()
    unknown = validation.Problems(PolicyError)
    validation.unknown_keys(properties, PROPERTIES + CLOUDFORMATION_PROPERTIES, "property ", unknown)
    checks_value = properties.get(CHECKS)
    if CHECKS in properties:
        if not isinstance(checks_value, list) or not all(isinstance(i, str) for i in checks_value):
            problems.add(f"'{CHECKS}' must be a list of check ids, not {validation.type_name(checks_value)}")
        elif not checks_value:
            problems.add(f"'{CHECKS}' is empty; leave it out to run the baseline's checks")
    mode_value = properties.get(MODE)
    valid_modes = [m.value for m in Mode]
    if MODE in properties and not isinstance(mode_value, str):
        problems.add(f"'{MODE}' must be a string ({' or '.join(valid_modes)}), not {validation.type_name(mode_value)}")
    # CloudFormation hands every scalar over as a string; a hand-written event may not.
    if REVISION in properties and isinstance(properties[REVISION], (list, dict)):
        problems.add(f"'{REVISION}' must be a string, not {validation.type_name(properties[REVISION])}")
    if PARAMETERS in properties and not isinstance(properties[PARAMETERS], Mapping):
        problems.add(f"'{PARAMETERS}' must be an object keyed by check id, not {validation.type_name(properties[PARAMETERS])}")
    if problems.items:
        problems.extend(unknown)
        problems.raise_if_any()

    # Phase 2: meaning, then what the baseline allows.
    selections = {s.check.id: s for s in baseline.selections}
    if CHECKS in properties:
        chosen = {}
        for check_id in dict.fromkeys(checks_value):
            check = validation.check_id(check_id, registry, CHECKS, problems)
            if check is not None:
                chosen[check.id] = selections.get(check.id) or Selection.of(check)
        dropped = [i for i in selections if i not in chosen]
        if dropped and not baseline.allow_overrides:
            problems.add(f"the baseline requires {', '.join(dropped)}; properties may not turn "
                         f"{'it' if len(dropped) == 1 else 'them'} off")
        selections = chosen if baseline.allow_overrides else {**selections, **chosen}

    mode = baseline.mode
    if isinstance(mode_value, str):
        if mode_value not in valid_modes:
            problems.add(f"unknown {MODE} {validation.quoted(mode_value)}{validation.suggest(mode_value, valid_modes)}")
        elif Mode(mode_value) is Mode.AUDIT and baseline.mode is Mode.ENFORCE and not baseline.allow_overrides:
            problems.add("the baseline enforces; properties may not switch it to audit")
        else:
            mode = Mode(mode_value)

    for check_id, raw in (properties.get(PARAMETERS) or {}).items():
        where = f"{PARAMETERS}.{str(check_id)[:validation.MAX_MATCHED_CHARS]}"
        check = validation.check_id(check_id, registry, where, problems)
        if check is None:
            continue
        selection = selections.get(check.id)
        if selection is None:
            problems.add(f"{where}: {check.id} is not among the checks this audit runs")
            continue
        values = validation.parameters(check, raw, where, problems)
        baseline_selection = baseline.selection(check.id)
        if baseline_selection and not baseline.allow_overrides:
            for name, value in values.items():
                parameter = check.meta.parameter(name)
                required = baseline_selection.parameters[name]
                if not parameter.is_stricter_or_equal(value, required):
                    problems.add(f"{where}.{name}: {validation.quoted(value)} is weaker than the baseline's {validation.quoted(required)} "
                                 f"(stricter is {parameter.stricter.value})")
        selections[check.id] = replace(selection, parameters={**selection.parameters, **values},
                                       tuned_by_template=bool(values) or selection.tuned_by_template)

    exemptions = baseline.exemptions
    if EXEMPTIONS in properties:
        if not baseline.allow_overrides:
            problems.add("the baseline does not allow properties to add exemptions")
        else:
            exemptions += validation.exemptions(properties[EXEMPTIONS], registry, EXEMPTIONS, problems)
    problems.extend(unknown)
    problems.raise_if_any()
    return replace(baseline, selections=tuple(selections.values()), mode=mode, exemptions=exemptions)
