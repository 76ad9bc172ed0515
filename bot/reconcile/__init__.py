"""The desired look of an issue, computed once for both trackers, and the one place that
writes the difference. `reconcile_issue` is the entry point of webhooks, commands and the
nightly reconcile alike."""

from bot.reconcile.reconciler import reconcile_issue, request_reconcile
from bot.reconcile.tracker import Issue, Tracker

__all__ = ["Issue", "Tracker", "reconcile_issue", "request_reconcile"]
