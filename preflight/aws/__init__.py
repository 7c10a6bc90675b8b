"""The edge to AWS: one session and shared clients (access), AWS's names and ARN shapes (names), AWS errors in
words (errors), botocore's adaptations (botocore_sharing), and the IAM action data (iam_actions)."""
