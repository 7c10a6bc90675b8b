"""The process environment of a simulated run: fake credentials, one region, no real AWS reachable."""
from __future__ import annotations

import os

REGION = "us-east-1"


def use_simulated_aws(credential: str = "testing", *, metrics: bool = False) -> None:
    """Call before boto3, moto or crhelper read the environment. `metrics` keeps the EMF lines (which
    Lambda turns into CloudWatch metrics) on standard output; a terminal only wants them in tests."""
    os.environ.update(
        AWS_ACCESS_KEY_ID=credential,
        AWS_SECRET_ACCESS_KEY=credential,
        AWS_DEFAULT_REGION=REGION,
        AWS_REGION=REGION,
        AWS_XRAY_SDK_ENABLED="false",  # no segment outside Lambda: the SDK would log errors on every call
    )
    skip_moto_public_images()
    for variable in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_SAM_LOCAL"):
        os.environ.pop(variable, None)
    os.environ["POWERTOOLS_METRICS_DISABLED"] = "false" if metrics else "true"


def skip_moto_public_images() -> None:
    """moto loads thousands of public AMIs into every EC2 region it creates (half a second each); no check
    reads images, so the simulated regions start without them."""
    os.environ["MOTO_EC2_LOAD_DEFAULT_AMIS"] = "false"
