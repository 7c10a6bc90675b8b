"""Where the tests find what they read: the checkout, the canned events and the snapshots."""
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TESTS = ROOT / "tests"
EVENTS = TESTS / "events"
SNAPSHOTS = TESTS / "snapshots"
