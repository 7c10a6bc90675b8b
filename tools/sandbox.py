"""make sandbox: a local AWS (moto's server on 127.0.0.1) holding an account in a chosen state, for trying
`preflight audit` by hand. It prints the two lines to paste into another shell and runs until Ctrl-C.

    make sandbox                                   # compliant: the four headline checks pass
    make sandbox STATE=empty                       # a new account: everything fails
    make sandbox STATE=fully-compliant             # the whole catalogue passes in us-east-1
    make sandbox STATE=failing:root-account-mfa-enabled   # compliant but for one check
"""
from __future__ import annotations

import argparse
import shlex
import sys
import threading

from sim.environment import use_simulated_aws

use_simulated_aws("sandbox")

from sim.account_states import STATES, prepare  # noqa: E402
from sim.cloudformation import REGION  # noqa: E402
from sim.moto_server import client_environment, start_moto_server  # noqa: E402

DEFAULT_PORT = 5055


def shell_lines(endpoint: str) -> tuple[str, str]:
    variables = {**client_environment(endpoint), "AWS_ACCESS_KEY_ID": "sandbox", "AWS_SECRET_ACCESS_KEY": "sandbox",
                 "AWS_REGION": REGION}
    exports = "export " + " ".join(f"{k}={shlex.quote(v)}" for k, v in variables.items() if k.isupper())
    return exports, ".venv/bin/preflight audit"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("state", nargs="?", default="compliant", help=f"one of: {', '.join(STATES)}")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="0 picks a free port")
    args = parser.parse_args(argv)
    if args.state not in STATES:
        parser.error(f"unknown state {args.state!r}; choose one of: {', '.join(STATES)}")
    server, endpoint = start_moto_server(args.port or None)
    import os

    os.environ.update(client_environment(endpoint))  # the state is built through the server, as a person would
    prepare(args.state)
    exports, command = shell_lines(endpoint)
    print(f"A simulated AWS account ({args.state}) is running at {endpoint}. In another shell, paste:\n")
    print(f"  {exports}")
    print(f"  {command}\n")
    print("(Open a fresh shell afterwards: HTTP_PROXY points at the sandbox. Ctrl-C stops it.)", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
