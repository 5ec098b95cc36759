"""Stripe resources the store uses, one module per type: handlers take (ctx, params, ...)."""
