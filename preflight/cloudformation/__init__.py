"""CloudFormation's two Lambda doors - the custom resource and the Lambda Hook - and the one serving path
behind them (serving), with what their protocols need: the crhelper boundary (protocol, request), the
response PUT (response), which pre-signed URLs may be used (presigned), the hook's payload (payload, fetch),
the Lambda context (lambda_context), the capacity guard, the deployed baseline's cache and the Reason."""
