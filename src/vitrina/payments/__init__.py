"""Stripe: the client, the seed's classes, catalog and coupon sync, webhooks."""
