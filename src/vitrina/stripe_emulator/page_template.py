"""The hosted payment page's HTML (inline CSS, no external assets); `t` translates."""

from __future__ import annotations

from jinja2 import DictLoader, Environment, select_autoescape

_LAYOUT = """<!doctype html>
<html lang="{{ lang }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ t("Pay – Stripe emulator") }}</title>
<link rel="icon" href="data:,">
<style>
body{font-family:system-ui,sans-serif;margin:0;background:#f6f9fc;color:#1a1f36}
main{max-width:880px;margin:2rem auto;display:flex;gap:2rem;flex-wrap:wrap;padding:0 1rem}
section{flex:1 1 360px;background:#fff;border-radius:8px;padding:1.5rem;
box-shadow:0 1px 3px rgba(0,0,0,.1)}
table{width:100%;border-collapse:collapse}td{padding:.35rem 0}td.amount{text-align:right}
tr.total td{font-weight:700;border-top:1px solid #e3e8ee}
label{display:block;margin:.75rem 0 .25rem;font-size:.9rem}
input,select{width:100%;box-sizing:border-box;padding:.5rem;border:1px solid #cfd7df;
border-radius:4px;font-size:1rem}
input[type=checkbox],input[type=radio]{width:auto}
fieldset{border:1px solid #e3e8ee;border-radius:4px;margin:.75rem 0}
.option{display:flex;gap:.5rem;align-items:center;margin:.35rem 0}
button{margin-top:1rem;width:100%;padding:.75rem;border:0;border-radius:4px;
background:#635bff;color:#fff;font-size:1rem;cursor:pointer}
button.secondary{background:#fff;color:#df1b41;border:1px solid #df1b41}
.error{color:#df1b41;margin:.75rem 0}.note{color:#697386;font-size:.85rem}
</style>
</head>
<body>
<main>
<section aria-labelledby="summary-title">
<h1 id="summary-title">{{ t("Order summary") }}</h1>
<table id="lineItems">
{% for item in line_items %}
<tr class="line-item"><td>{{ item.description }} × {{ item.quantity }}</td>
<td class="amount">{{ money(item.amount_subtotal) }}</td></tr>
{% endfor %}
<tr><td>{{ t("Subtotal") }}</td>
<td class="amount" id="subtotal">{{ money(session.amount_subtotal) }}</td></tr>
{% if session.total_details.amount_discount %}
<tr><td>{{ t("Discount") }}</td>
<td class="amount" id="discount">−{{ money(session.total_details.amount_discount) }}</td></tr>
{% endif %}
{% if session.shipping_cost %}
<tr><td>{{ t("Shipping") }}</td>
<td class="amount" id="shipping">{{ money(session.total_details.amount_shipping) }}</td></tr>
{% endif %}
{% for tax in taxes %}
<tr class="tax-line" data-rate="{{ tax.rate.id }}"><td>{{ tax.rate.display_name }}
 {{ percentage(tax.rate.percentage) }}%
 {%- if tax.rate.inclusive %} ({{ t("included") }}){% endif %}</td>
<td class="amount">{{ money(tax.amount) }}</td></tr>
{% endfor %}
{% if session.total_details.amount_tax %}
<tr><td>{{ t("Tax") }}</td>
<td class="amount" id="tax">{{ money(session.total_details.amount_tax) }}</td></tr>
{% endif %}
<tr class="total"><td>{{ t("Total due") }}</td>
<td class="amount" id="total">{{ money(session.amount_total) }}</td></tr>
</table>
{% if tax_pending %}
<p class="note" id="taxPending">{{ t("Tax is calculated from your address.") }}</p>
{% endif %}
{% if session.cancel_url and session.status == "open" %}
<p><a id="cancel" href="{{ session.cancel_url }}">{{ t("Cancel and return") }}</a></p>
{% endif %}
</section>
<section aria-labelledby="pay-title">
{% block payment %}{% endblock %}
</section>
</main>
</body>
</html>
"""

_CHECKOUT = """{% extends "layout" %}
{% block payment %}
{% if session.status != "open" %}
<h2 id="pay-title">{{ t("This checkout session is " ~ session.status) }}</h2>
<p id="closed">{{ t("It can no longer be paid.") }}</p>
{% else %}
<h2 id="pay-title">{{ t("Pay with card") }}</h2>
{% if error %}<p class="error" id="error" role="alert">{{ t(error) }}</p>{% endif %}
{% if notice %}<p class="error" id="totalChanged" role="alert">{{ t(notice) }}</p>{% endif %}
<form method="post" action="{{ action }}">
<input type="hidden" name="expected_total" value="{{ session.amount_total }}">
<label for="email">{{ t("Email") }}</label>
<input id="email" name="email" type="email" required autocomplete="email"
 value="{{ form.email or known_email or '' }}"{% if session.customer %} readonly{% endif %}>
{% if session.shipping_address_collection %}
<fieldset id="shippingAddress"><legend>{{ t("Shipping address") }}</legend>
<label for="shippingName">{{ t("Full name") }}</label>
<input id="shippingName" name="shipping_name" required value="{{ form.shipping_name or '' }}">
<label for="shippingLine1">{{ t("Address line 1") }}</label>
<input id="shippingLine1" name="shipping_line1" required value="{{ form.shipping_line1 or '' }}">
<label for="shippingLine2">{{ t("Address line 2") }}</label>
<input id="shippingLine2" name="shipping_line2" value="{{ form.shipping_line2 or '' }}">
<label for="shippingCity">{{ t("City") }}</label>
<input id="shippingCity" name="shipping_city" required value="{{ form.shipping_city or '' }}">
<label for="shippingPostalCode">{{ t("Postal code") }}</label>
<input id="shippingPostalCode" name="shipping_postal_code" required
 value="{{ form.shipping_postal_code or '' }}">
<label for="shippingState">{{ t("State / region") }}</label>
<input id="shippingState" name="shipping_state" value="{{ form.shipping_state or '' }}">
<label for="shippingCountry">{{ t("Country") }}</label>
<select id="shippingCountry" name="shipping_country">
{% for country in session.shipping_address_collection.allowed_countries %}
<option value="{{ country }}" {% if form.shipping_country == country %}selected{% endif %}>
{{ country_name(country) }}</option>
{% endfor %}
</select>
</fieldset>
{% endif %}
{% if shipping_options %}
<fieldset id="shippingOptions"><legend>{{ t("Shipping method") }}</legend>
{% for option in shipping_options %}
<label class="option" for="shippingOption{{ loop.index0 }}"><input type="radio"
 id="shippingOption{{ loop.index0 }}" name="shipping_rate" value="{{ option.id }}"
 {% if option.id == session.shipping_cost.shipping_rate %}checked{% endif %}>
<span class="option-name">{{ option.display_name }}</span>
<span class="option-amount">{{ money(option.amount) }}</span>
{% if option.estimate %}<span class="option-estimate">{{ option.estimate }}</span>{% endif %}
</label>
{% endfor %}
</fieldset>
{% endif %}
{% if billing_countries %}
<fieldset id="billingAddress"><legend>{{ t("Billing address") }}</legend>
<label for="billingCountry">{{ t("Country") }}</label>
<select id="billingCountry" name="billing_country" required>
<option value=""></option>
{% for code, name in billing_countries.items() %}
<option value="{{ code }}"
 {% if (form.billing_country or location.country) == code %}selected{% endif %}>
{{ name }}</option>
{% endfor %}
</select>
<label for="billingState">{{ t("State / region") }}</label>
<input id="billingState" name="billing_state"
 value="{{ form.billing_state or location.state or '' }}">
</fieldset>
{% endif %}
{% if shipping_options|length > 1 or billing_countries or tax_pending %}
<button id="updateTotals" class="secondary" name="update" value="1" type="submit" formnovalidate>
{{ t("Update total") }}</button>
{% endif %}
{% if session.payment_status != "no_payment_required" %}
<label for="cardNumber">{{ t("Card number") }}</label>
<input id="cardNumber" name="card_number" inputmode="numeric" autocomplete="cc-number"
 placeholder="4242 4242 4242 4242" value="{{ form.card_number or '' }}">
<label for="cardExpiry">{{ t("Expiry (MM / YY)") }}</label>
<input id="cardExpiry" name="card_expiry" placeholder="12 / 34"
 value="{{ form.card_expiry or '' }}">
<label for="cardCvc">{{ t("CVC") }}</label>
<input id="cardCvc" name="card_cvc" placeholder="123" value="{{ form.card_cvc or '' }}">
<label for="billingName">{{ t("Name on card") }}</label>
<input id="billingName" name="billing_name" value="{{ form.billing_name or '' }}">
<label><input id="delayedPayment" name="delayed" type="checkbox" value="1">
 {{ t("Use a delayed payment method (completes unpaid; "
       ~ "settle it with the emulator's controls)") }}
</label>
{% endif %}
<button id="submit" type="submit">{{ t("Pay {amount}", amount=money(session.amount_total)) }}
</button>
</form>
<p class="note">{{ t("Test cards: 4242 4242 4242 4242 pays; 4000 0000 0000 0002, 9995, "
 ~ "0069 and 0127 are declined; 4000 0027 6000 3184 asks for 3-D Secure.") }}</p>
{% endif %}
{% endblock %}
"""

_CHALLENGE = """{% extends "layout" %}
{% block payment %}
<h2 id="pay-title">{{ t("3-D Secure authentication") }}</h2>
<p id="challenge">{{ t("Your bank asks you to confirm the payment of {amount}.",
 amount=money(session.amount_total)) }}</p>
<form method="post" action="{{ action }}">
<button id="authenticate" name="result" value="complete" type="submit">
{{ t("Complete authentication") }}</button>
<button id="failAuthentication" class="secondary" name="result" value="fail" type="submit">
{{ t("Fail authentication") }}</button>
</form>
{% endblock %}
"""

_ENV = Environment(
    loader=DictLoader({"layout": _LAYOUT, "checkout": _CHECKOUT, "challenge": _CHALLENGE}),
    autoescape=select_autoescape(default=True, default_for_string=True),
)

CHECKOUT_PAGE = _ENV.get_template("checkout")
CHALLENGE_PAGE = _ENV.get_template("challenge")
