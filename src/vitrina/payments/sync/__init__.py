"""Stripe sync: products and coupons delivered to Stripe by workers (docs/stripe-sync.md)."""

from vitrina.payments.sync.checkout import ensure_coupon_in_stripe
from vitrina.payments.sync.worker import WorkerConfig, run_worker, sync_due_once

__all__ = ["WorkerConfig", "ensure_coupon_in_stripe", "run_worker", "sync_due_once"]
