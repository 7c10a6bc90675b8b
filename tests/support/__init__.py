"""What the tests share: paths, the handler invoked as CloudFormation invokes it, the CLI, templates."""
