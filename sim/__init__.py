"""Simulated CloudFormation and AWS for the demo, the tests and the benchmark. Not shipped in the Lambda zip."""
