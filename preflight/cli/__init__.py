"""preflight on a terminal or in a pipeline: the same baseline -> policy -> runner -> verdict path as the Lambda.

    preflight audit     run the audit (this account, or others through --role-arn), any output format
    preflight checks    the catalogue with severities and control ids
    preflight explain   one check in full
    preflight validate  check a baseline document without running it
    preflight snippet   a drop-in Custom::Preflight block for a template

Exit codes: 0 the audit passed (or audit mode), 1 it failed, 2 a usage, credentials or baseline error,
3 a sweep left accounts not audited (its budget ran out; they are listed as NOT_AUDITED).

The CLI is a door of its own beside the two Lambda doors (preflight.serving): the same baseline, policy,
audit and verdict, but no Lambda capacity guard (a laptop or a pipeline is not a 128 MB function) and no
report destinations (the baseline's S3, Security Hub and SNS destinations belong to the deployed auditor;
the CLI writes the report where --output and --format say).
"""
from __future__ import annotations

import logging
import sys
from typing import Sequence, TextIO

from preflight import inert
from preflight.cli.audit import audit
from preflight.cli.catalogue import explain, list_checks, snippet, validate
from preflight.cli.exits import EXIT_FAIL, EXIT_INCOMPLETE, EXIT_PASS, EXIT_USAGE, UsageError
from preflight.cli.parser import build
from preflight.errors import PolicyError, PreflightError

__all__ = ["main", "UsageError", "EXIT_PASS", "EXIT_FAIL", "EXIT_USAGE", "EXIT_INCOMPLETE"]


class _InertLastResort(logging.Handler):
    """Python's handler of last resort (a record no handler took goes to standard error), writing one inert
    line: a sweep's check errors quote AWS's messages, and no progress line takes them there."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(inert.line(f"{record.levelname.lower()}: {record.getMessage()}") + "\n")
        except Exception:
            self.handleError(record)


def main(argv: Sequence[str] | None = None, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    logging.lastResort = _InertLastResort()
    args = build().parse_args(argv)
    from preflight.registry import default_registry

    registry = default_registry()
    try:
        if args.command == "checks":
            out.write(list_checks(registry, args.format))
            return EXIT_PASS
        if args.command == "explain":
            out.write(explain(args.check_id, registry))
            return EXIT_PASS
        if args.command == "validate":
            out.write(validate(args.baseline, args, registry))
            return EXIT_PASS
        if args.command == "snippet":
            out.write(snippet(args))
            return EXIT_PASS
        code, text = audit(args, registry, err)
        out.write(text)
        return code
    except PolicyError as error:  # one header, one problem a line
        if len(error.problems) == 1 and not error.header:
            err.write(f"preflight: {inert.line(error.problems[0])}\n")
        else:
            err.write(f"preflight: {inert.line(error.header or 'invalid options')}:\n")
            err.writelines(f"  - {inert.line(problem)}\n" for problem in error.problems)
        return EXIT_USAGE
    except PreflightError as error:  # may quote AWS's answer or a baseline's text
        err.write(f"preflight: {inert.line(str(error))}\n")
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
