"""moto reads botocore's service models through loaders and sessions of its own: three boto3 Sessions while
importing its EC2 backend (each parsing EC2's 14 MiB model and endpoints.json), one for region lists, and a
fresh loader for each service whose requests it parses. Every process that starts moto (each test worker,
`make demo`, the sandbox) paid ~3 s of CPU for it. Its sessions get the process's one shared loader
(preflight.aws); its request parsing keeps a loader of its own (it adds moto's extras to AWS's models), one
for the process and lean like the shared one. Call before moto's EC2 backend is imported."""
from __future__ import annotations

import sys


def share_models_with_moto() -> None:
    if "moto.ec2.models" in sys.modules:
        return
    import boto3
    import moto.core.base_backend
    import moto.core.loaders
    import moto.core.utils

    from preflight.aws.access import new_session
    from preflight.aws.botocore_sharing import lean_model_files, one_load_at_a_time

    shared = new_session()
    with_extras = moto.core.loaders.create_loader()
    lean_model_files(with_extras)
    one_load_at_a_time(with_extras)
    moto.core.utils.create_loader = lambda: with_extras
    moto.core.base_backend.AccountSpecificBackend.get_session = classmethod(lambda cls: shared)
    session_class = boto3.Session
    boto3.Session = lambda *args, **kwargs: shared if not (args or kwargs) else session_class(*args, **kwargs)
    try:
        import moto.ec2.models  # noqa: F401  (its region list is made at import, with boto3.Session())
    finally:
        boto3.Session = session_class
