"""docs/checks.md is generated from the catalogue; a stale copy fails here (run `make docs`)."""
from preflight.registry import default_registry
from tools.checks_doc import CHECKS_DOC, render


def test_checks_doc_is_up_to_date():
    assert CHECKS_DOC.read_text() == render(default_registry()), "docs/checks.md is stale: run `make docs`"


def test_checks_doc_documents_every_check_with_its_actions_and_parameters():
    text = CHECKS_DOC.read_text()
    for check in default_registry():
        assert f"## {check.id}" in text
        assert all(f"`{action}`" in text for action in check.meta.iam_actions)
        assert all(f"`{p.name}`" in text for p in check.meta.parameters)
