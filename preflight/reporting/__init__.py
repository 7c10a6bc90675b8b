"""Reports leaving the program: as a document (dict and JSON), a table, the CLI's formats (JSON, JUnit,
SARIF, Markdown, ASFF), the baseline's destinations (S3, Security Hub, SNS) and the log lines and metrics."""
