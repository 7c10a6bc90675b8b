"""What the CLI exits with: 0 pass (or audit mode), 1 fail, 2 a usage, credentials or baseline error
(UsageError, in words), 3 a sweep that left accounts NOT_AUDITED."""
from __future__ import annotations

from preflight.errors import PreflightError

EXIT_PASS, EXIT_FAIL, EXIT_USAGE, EXIT_INCOMPLETE = 0, 1, 2, 3


class UsageError(PreflightError):
    """Something the person running the CLI can fix; exits 2 with the message."""
