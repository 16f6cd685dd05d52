#!/usr/bin/env python3
"""Generate Switchboard's demo routing dataset (Data/train.csv, Data/test.csv).

Customer-support messages for a fictional SaaS product (web app, mobile apps,
subscriptions, a public API), each labelled with the route it should be sent to.

Deterministic: standard library only, one seeded random.Random, no iteration
over sets or hash-ordered containers, so running

    python3 Data/generate.py

rewrites both CSV files byte-identically every time.

How rows are made
-----------------
* Every route has a list of hand-written templates with {slot} placeholders.
  Every 4th template (index % 4 == 2) is held out: training rows are built
  only from the other templates.
* Slot value lists are split too (every 4th value, index % 4 == 3, held out);
  training rows use only the other values. Generated slots (amounts, dates,
  invoice numbers, e-mails, ...) are drawn at random.
* Test rows: 60% come from the held-out templates (slot values held out 80%
  of the time, any value otherwise); 40% come from training templates that
  contain a list slot, filled with held-out slot values only.
* A message body may get a context sentence, an opener ("hi,", "Hello
  support,") and a closer ("thanks in advance", "asap"), then surface noise:
  chat style (lowercase, no punctuation, "pls"/"u"), ALL CAPS, emoji, doubled
  question marks and keyboard typos (swaps, drops, doubled or neighbouring
  keys) on a fraction of rows.
* Texts are compared after lowercasing and collapsing whitespace: no duplicate
  within train, none within test, and no test text equal to a train text.
  These are asserted before anything is written.
"""

import csv
import os
import random
import re
import sys
from collections import OrderedDict

SEED = 20240611
HERE = os.path.dirname(os.path.abspath(__file__))
TRAIN_PATH = os.path.join(HERE, "train.csv")
TEST_PATH = os.path.join(HERE, "test.csv")

# ---------------------------------------------------------------------------
# Slot values (lists are split train/held-out by index % 4 == 3)
# ---------------------------------------------------------------------------

LISTS = {
    "plan": ["Starter", "Pro", "Team", "Business", "Basic", "Plus", "Premium",
             "Growth", "Enterprise", "Solo", "Pro Plus", "Scale"],
    "cycle": ["monthly", "annual", "yearly", "quarterly"],
    "addon": ["advanced reporting", "extra storage", "priority support", "SSO",
              "AI assistant", "audit log", "guest seats", "time tracking",
              "custom branding", "API access", "automations", "data residency"],
    "feature": ["the dashboard", "the reports page", "calendar sync",
                "shared workspaces", "the Slack integration", "file uploads",
                "the editor", "notifications", "search", "CSV import",
                "the Kanban board", "time tracking", "comments",
                "the timeline view", "recurring tasks", "tags",
                "the activity feed", "custom fields", "guest access",
                "the inbox", "the Gantt chart", "attachments", "filters",
                "the project list", "the calendar view", "task templates",
                "the sidebar", "@mentions"],
    "action": ["drag a task to another column", "rename a project",
               "add a comment", "upload a file", "change a due date",
               "filter by tag", "switch workspaces", "duplicate a template",
               "archive a project", "mention someone", "reorder subtasks",
               "invite a teammate", "move a task between projects",
               "edit a recurring task", "mark a task complete",
               "attach a screenshot"],
    "new_feature": ["dark mode", "an offline mode", "a Linux desktop app",
                    "SSO with Okta", "custom domains", "bulk editing",
                    "more keyboard shortcuts", "an Apple Watch app",
                    "two-way Google Calendar sync", "more granular permissions",
                    "markdown support", "a longer undo history",
                    "a Zapier integration", "an Outlook add-in",
                    "custom report templates", "nested subtasks", "audit logs",
                    "a read-only guest role", "Spanish localisation",
                    "import from Trello", "Jira sync", "emoji reactions",
                    "a Gantt view", "saved filters", "task dependencies",
                    "a Teams integration", "a public roadmap view",
                    "per-project time zones"],
    "wish": ["assign one task to multiple people", "color-code projects",
             "set reminders on subtasks", "hide completed tasks by default",
             "export straight to Google Drive", "pin important comments",
             "snooze notifications until Monday",
             "set working hours per teammate",
             "lock a project so nobody can edit it",
             "see who viewed a document", "add custom statuses",
             "bulk change due dates", "search inside attachments",
             "duplicate a whole workspace",
             "create private tasks inside a shared project",
             "sort the board by priority", "format comments with markdown",
             "archive old projects automatically",
             "reply to comments from email", "star my favourite projects"],
    "device": ["iPhone 12", "iPhone 14 Pro", "iPhone 15", "iPad Air",
               "Pixel 7", "Pixel 8 Pro", "Galaxy S21", "Galaxy S23",
               "OnePlus 11", "Redmi Note 12", "Moto G Power", "iPad mini",
               "iPhone SE", "Galaxy Tab S8", "Pixel 6a", "iPhone 13 mini"],
    "os_version": ["iOS 17.1", "iOS 16.5", "iOS 17.4", "Android 13",
                   "Android 14", "Android 12", "iPadOS 17", "iOS 18.0"],
    "browser": ["Chrome", "Firefox", "Safari", "Edge", "Brave",
                "Chrome on Windows 11", "Safari on my Mac", "Opera",
                "Firefox on Ubuntu", "Vivaldi", "Arc", "Chromium"],
    "payment_method": ["Visa", "Mastercard", "Amex", "PayPal", "debit card",
                       "company card", "credit card", "Discover card",
                       "bank transfer", "SEPA direct debit", "Apple Pay",
                       "Google Pay"],
    "twofa_method": ["authenticator app", "Google Authenticator", "Authy",
                     "SMS codes", "backup codes", "text message codes",
                     "YubiKey", "Microsoft Authenticator", "Duo",
                     "1Password one-time codes", "security key",
                     "Okta Verify"],
    "law": ["GDPR", "CCPA", "UK GDPR", "LGPD", "PIPEDA", "the Swiss FADP",
            "Article 15 GDPR", "the CPRA"],
    "export_format": ["CSV", "JSON", "Excel", "PDF", "XLSX", "a zip file",
                      "Markdown", "XML"],
    "data_thing": ["all my projects", "my task history", "our team's files",
                   "all comments", "our time entries", "the client list",
                   "every invoice", "our workspace data", "my attachments",
                   "the activity log", "completed tasks",
                   "custom field values"],
    "competitor": ["Asana", "Trello", "Monday", "ClickUp", "Notion",
                   "Basecamp", "Jira", "Todoist", "Wrike", "Smartsheet",
                   "Airtable", "Linear"],
    "country": ["Germany", "France", "the UK", "Canada", "Brazil", "India",
                "Australia", "Spain", "the Netherlands", "Ireland", "Poland",
                "Japan"],
    "currency_name": ["euros", "pounds", "Canadian dollars",
                      "Australian dollars", "Swiss francs", "rupees",
                      "yen", "Brazilian reais"],
    "language": ["German", "French", "Spanish", "Italian", "Dutch",
                 "Portuguese", "Polish", "Japanese"],
    "endpoint": ["/v1/tasks", "/v2/projects", "/v2/users/me", "/v1/webhooks",
                 "/v2/reports/export", "/v1/auth/token", "/v2/comments",
                 "/v1/attachments", "/v2/workspaces", "/v2/tasks/search",
                 "/v1/time_entries", "/v2/custom_fields"],
    "sdk": ["Python SDK", "Node SDK", "Ruby gem", "Go client", "Java SDK",
            "PHP library", ".NET package", "Swift package"],
    "api_thing": ["API key", "access token", "OAuth client", "webhook secret",
                  "client secret", "refresh token", "personal access token",
                  "service account key"],
    "error_code": ["400", "401", "403", "404", "409", "422", "429", "500",
                   "502", "503", "504", "415"],
    "company": ["Acme", "Northwind", "Globex", "Initech", "Brightside Dental",
                "Bluefin Logistics", "Hooli", "Pinecrest Realty",
                "Umbrella Design", "Redwood Legal", "Stark Studio",
                "Oakline Bakery", "Vertex Labs", "Harbor Health",
                "Lumen Media", "Copperleaf Farms"],
    "name": ["Anna", "Marco", "Priya", "Tom", "Keisha", "Lukas", "Sofia",
             "Ahmed", "Chen", "Olivia", "Diego", "Fatima", "Jonas", "Maya",
             "Ravi", "Emma", "Kenji", "Zoe", "Omar", "Hannah", "Pedro",
             "Ingrid", "Sam", "Leila"],
    "last_name": ["Smith", "Garcia", "Müller", "Nguyen", "Okafor", "Rossi",
                  "Kowalski", "Patel", "Johnson", "Tanaka", "Silva", "Kim",
                  "Dubois", "Hansen", "Novak", "Brown"],
    "mail_domain": ["gmail.com", "outlook.com", "yahoo.com", "icloud.com",
                    "proton.me", "hotmail.com", "fastmail.com", "hey.com"],
    "work_domain": ["acme-corp.com", "northwind.io", "globex.co.uk",
                    "initech.net", "vertexlabs.dev", "harborhealth.org",
                    "lumenmedia.co", "bluefin.com"],
    "time_dur": ["30 seconds", "over a minute", "10+ seconds", "forever",
                 "like 20 secs", "almost two minutes", "5-10 seconds",
                 "ages", "45 seconds", "a good 15 seconds", "three minutes",
                 "way too long"],
    "duration": ["for 3 days", "since Monday", "for a week",
                 "since the last update", "all weekend", "for two weeks",
                 "since yesterday", "for almost a month"],
    "n_times": ["three times", "twice", "5 times", "four times",
                "a dozen times", "multiple times", "10 times", "several times"],
    "file_size": ["a 5 MB file", "a 20MB PDF", "a 100 MB video",
                  "a 2 MB image", "a 50 MB zip", "a 300MB recording"],
    "n_items": ["500", "2,000", "10k", "about 3000", "15,000", "800",
                "1200", "40k"],
    "ordinal": ["second", "third", "fourth", "fifth"],
    "currency_symbol": ["$", "$", "$", "€", "£"],
}

PRICES = ["9.99", "12", "15", "19", "24.99", "29", "49", "79", "99", "120",
          "149", "199", "240", "299", "588", "1,188", "8.50", "35", "59.40",
          "14.99", "480", "960", "72", "18"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July",
          "August", "September", "October", "November", "December"]
MONTHS_SHORT = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug",
                "Sep", "Oct", "Nov", "Dec"]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
            "Saturday", "Sunday"]
SEAT_COUNTS = [2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 25, 30, 40, 50, 75, 100,
               150, 200, 250]


def split_list(values, split):
    if len(values) < 4:
        return values
    if split == "train":
        return [v for i, v in enumerate(values) if i % 4 != 3]
    return [v for i, v in enumerate(values) if i % 4 == 3]


def pick(rng, key, split):
    values = LISTS[key]
    if split == "test" and rng.random() < 0.2:
        return rng.choice(values)
    return rng.choice(split_list(values, split))


def ordinal_suffix(d):
    if 11 <= d % 100 <= 13:
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(d % 10, "th")


def gen_amount(rng, split):
    price = rng.choice(PRICES)
    style = rng.random()
    sym = rng.choice(LISTS["currency_symbol"])
    if style < 0.75:
        return sym + price
    if style < 0.9:
        return price + " USD"
    return price + " dollars"


def gen_date(rng, split):
    """A date that reads naturally after 'on'."""
    m = rng.randrange(12)
    d = rng.randint(1, 28)
    y = rng.choice([2023, 2024, 2025])
    k = rng.randrange(7)
    if k == 0:
        return "%s %d" % (MONTHS[m], d)
    if k == 1:
        return "%s %d%s" % (MONTHS_SHORT[m], d, ordinal_suffix(d))
    if k == 2:
        return "the %d%s" % (d, ordinal_suffix(d))
    if k == 3:
        return "%04d-%02d-%02d" % (y, m + 1, d)
    if k == 4:
        return "%d/%d" % (m + 1, d)
    if k == 5:
        return rng.choice(WEEKDAYS)
    return "%d %s" % (d, MONTHS[m])


def gen_when(rng, split):
    """A time expression that stands on its own ('yesterday', 'on May 3')."""
    if rng.random() < 0.45:
        return "on " + gen_date(rng, split)
    return rng.choice(["yesterday", "last week", "this morning",
                       "two days ago", "last month", "on Friday",
                       "earlier today", "over the weekend", "last night",
                       "a few days ago"])


def gen_email(rng, split, work=None):
    first = pick(rng, "name", split).lower()
    last = pick(rng, "last_name", split).lower().replace("ü", "u")
    if work is None:
        work = rng.random() < 0.4
    dom = pick(rng, "work_domain" if work else "mail_domain", split)
    k = rng.randrange(5)
    if k == 0:
        local = first + "." + last
    elif k == 1:
        local = first
    elif k == 2:
        local = first[0] + last
    elif k == 3:
        local = "%s_%s%d" % (first, last, rng.randint(1, 99))
    else:
        local = first + last
    return local + "@" + dom


SLOT_FUNCS = {
    "amount": gen_amount,
    "date": gen_date,
    "when": gen_when,
    "email": gen_email,
    "domain": lambda r, s: pick(r, "work_domain", s),
    "invoice_id": lambda r, s: r.choice([
        "INV-%d-%05d" % (r.choice([2023, 2024, 2025]), r.randint(1, 99999)),
        "#%06d" % r.randint(100000, 999999),
        "INV%07d" % r.randint(1, 9999999)]),
    "ticket": lambda r, s: r.choice(["#%d" % r.randint(10000, 999999),
                                     "#%d" % r.randint(10000, 99999)]),
    "txn_id": lambda r, s: r.choice(["#%07d" % r.randint(1, 9999999),
                                     "ORD-%06d" % r.randint(1, 999999)]),
    "po": lambda r, s: "PO-%05d" % r.randint(1, 99999),
    "vat": lambda r, s: r.choice(["DE", "FR", "NL", "IE", "ES", "IT"]) +
    "%09d" % r.randint(0, 999999999),
    "last_digits": lambda r, s: "%04d" % r.randint(0, 9999),
    "phone": lambda r, s: r.choice([
        "+1 415 555 01%02d" % r.randint(0, 99),
        "(212) 555-01%02d" % r.randint(0, 99),
        "+44 20 7946 0%03d" % r.randint(0, 999)]),
    "n_seats": lambda r, s: str(r.choice(SEAT_COUNTS)),
    "n_days": lambda r, s: r.choice([str(r.randint(3, 30)), "ten", "five",
                                     "two", "three"]),
    "n_hours": lambda r, s: str(r.randint(2, 48)),
    "n_months": lambda r, s: r.choice(["3", "6", "12", "three", "six"]),
    "n_years": lambda r, s: str(r.randint(2, 9)),
    "year": lambda r, s: str(r.choice([2022, 2023, 2024])),
    "app_version": lambda r, s: "%d.%d.%d" % (r.randint(3, 6), r.randint(0, 14),
                                              r.randint(0, 9)),
}

SLOT_RE = re.compile(r"\{([a-z_]+?)(\d?)\}")


def fill(template, rng, split):
    used = {}

    def repl(match):
        base, idx = match.group(1), match.group(2)
        key = base + idx
        if key in used:
            return used[key]
        taken = [v for k, v in used.items() if k.rstrip("0123456789") == base]
        value = None
        for _ in range(20):
            if base in SLOT_FUNCS:
                value = SLOT_FUNCS[base](rng, split)
            else:
                value = pick(rng, base, split)
            if value not in taken:
                break
        used[key] = value
        return value

    return SLOT_RE.sub(repl, template)


# ---------------------------------------------------------------------------
# Routes and templates. Every 4th template (index % 4 == 2) is test-only.
# ---------------------------------------------------------------------------

ROUTES = OrderedDict()

ROUTES["billing_question"] = [
    "Why was I charged {amount} on {date}?",
    "I see a charge of {amount} from you on my {payment_method} statement and I don't recognise it.",
    "There's a {amount} charge on my card but I thought I was on the {plan} plan.",
    "Why did my bill go up this month? It used to be {amount}.",
    "I think I was billed twice {when}, can you check what happened?",
    "When is my next billing date?",
    "How does billing work if I add {n_seats} seats in the middle of the cycle?",
    "Can you explain the prorated charge of {amount} on my account?",
    "Why am I being charged VAT? We're a registered business in {country}.",
    "My free trial ended and I got charged {amount} without any warning.",
    "Is our {plan} plan billed monthly or annually? I can't tell from the account page.",
    "The amount on my bank statement ({amount}) doesn't match the price on your website.",
    "what is this {amount} charge",
    "Which card is currently being billed for our workspace?",
    "We got charged for {n_seats} seats but we only have {n_seats2} active users.",
    "Can I move my billing date to the 1st of the month?",
    "Your system charged me in {currency_name} instead of dollars, why?",
    "I keep getting 'payment failed' emails but my card is fine. Is my account going to be suspended?",
    "My account says the last payment is overdue. I'm sure I paid {when}.",
    "How much will I be billed at renewal on {date}?",
    "Did my payment of {amount} go through? The checkout page just spun forever.",
    "Got a renewal notice for {amount}, is that right for {n_seats} users?",
    "I was still billed for the {plan} plan after I downgraded {when}.",
    "Who on our team is listed as the billing contact?",
    "Can someone explain the line items on my latest bill? There's an add-on for {amount} I never bought.",
    "Is sales tax included in the {amount} I was charged?",
    'Why does the charge show up as "SB*SOFTWARE" on my statement?',
    "charged {amount} AGAIN after i already paid this month??",
    "Our accounting team wants to know why the charge on {date} was higher than usual.",
    "How come I'm paying {amount} when my coworker on the same plan pays less?",
    "Before I ask for a refund, can someone explain the {amount} charge from {when}?",
]

ROUTES["refund_request"] = [
    "I'd like a refund for the {amount} charge on {date}.",
    "Please refund my last payment, I didn't mean to renew.",
    "I want my money back. The app hasn't worked {duration}.",
    "Can I get a refund? I upgraded to {plan} by accident.",
    "I was charged twice on {date}, please refund the duplicate {amount}.",
    "You renewed my annual subscription without warning. I need that {amount} reversed.",
    "Requesting a full refund for invoice {invoice_id}.",
    "I cancelled {when} but still got charged {amount}. Please give me my money back.",
    "Is it possible to get a partial refund for the unused months?",
    "How long does a refund take to show up on my {payment_method}?",
    "You said a refund was issued {when} but I still don't see it.",
    "refund pls, forgot to cancel the trial",
    "I'd like the {amount} charge refunded, otherwise I'll dispute it with my bank.",
    "What's your refund policy for annual plans?",
    "We paid for {n_seats} seats but only use {n_seats2}. Can you refund the difference?",
    "My kid signed up for {plan} on my card, I need this refunded.",
    "The service was down for most of {date}, I'd like a credit for that.",
    "Please reverse the {amount} charge. I never authorized this upgrade.",
    "Money back please. This is not what was advertised.",
    "Can you send the refund to my new card? The old {payment_method} was closed.",
    "I paid {amount} for the yearly plan {when} and changed my mind, can I get refunded?",
    "i need a refund for order {txn_id}",
    "Still waiting on my refund from ticket {ticket}. It's been {n_days} days.",
    "Do you offer prorated refunds if we downgrade from {plan}?",
    "Reverse the payment and return the {amount} to my account please.",
    "Under your 30-day money-back guarantee, I'd like my {amount} back.",
    "The app lost a week of my work, so I expect this month to be refunded.",
    "Is there any way to get reimbursed for the {amount} we paid for seats nobody used?",
    "Just give me back the {amount}, I never even logged in after paying.",
]

ROUTES["cancel_subscription"] = [
    "How do I cancel my subscription?",
    "Please cancel my {plan} plan effective immediately.",
    "I want to cancel before I get charged again on {date}.",
    "Stop my subscription. I don't use it anymore.",
    "Please turn off auto-renewal on my account.",
    "Where's the cancel button? I can't find it anywhere in settings.",
    "We're switching to {competitor}, please end our subscription at the end of the billing period.",
    "I'd like to stop paying for the premium plan but keep my data.",
    "Turn off auto renew for the {company} workspace.",
    "How do I cancel my subscription through the App Store? I signed up on my {device}.",
    "If I cancel today, do I keep access until {date}?",
    "cancel my membership",
    "I need to end our contract with you, we're closing the business.",
    "Please don't renew our annual plan. We won't be continuing.",
    "Cancel the trial, I don't want to be charged.",
    "I tried to cancel {n_times} and it still shows as active!",
    "Can I pause my subscription instead of cancelling it?",
    "{company} is terminating its {plan} subscription, who do I notify?",
    "Stop charging my {payment_method}. I'm done with this service.",
    "What happens to my files if I cancel the {plan} plan?",
    "Cancel everything. Not renewing.",
    "I signed up through Google Play, how do I stop the subscription?",
    "Please confirm my subscription has been cancelled, I never got an email.",
    "We no longer need the service after {date}, please cancel.",
    "Is there a cancellation fee if I end my {cycle} plan early?",
    "I don't want this to renew next month. How do I end it?",
    "unsubscribe me from the paid plan, it's too expensive for what we use",
    "Budget cuts mean we have to drop the tool. How do we cancel the {cycle} plan?",
    "Cancel my plan please. I don't need a refund, just no more charges.",
]

ROUTES["change_plan"] = [
    "How do I upgrade from {plan} to {plan2}?",
    "I'd like to downgrade to the {plan} plan at the end of this cycle.",
    "Can I switch from monthly to annual billing?",
    "We need to add {n_seats} more seats to our plan.",
    "Please move our workspace to the {plan} tier.",
    "Switch me to the cheaper plan.",
    "Can I upgrade just for one month and then go back to {plan}?",
    "How do I change my plan in the mobile app?",
    "We've outgrown {plan}, what's involved in moving to {plan2}?",
    "remove {n_seats} seats from our subscription",
    "The upgrade to {plan} failed with an error, can you do it manually?",
    "Can I go from the {cycle} {plan} plan to {plan2} without losing data?",
    "I keep running out of storage, which upgrade do I need?",
    "Downgrade my account to the free tier please.",
    "If I upgrade mid-month, will I be charged the full price for {plan2}?",
    "We're moving from {plan} to {plan2} next week, can you set that up?",
    "Change our billing from annual to monthly when it renews on {date}.",
    "Add the {addon} add-on to my plan.",
    "Drop the {addon} add-on, we don't use it.",
    "How do I reduce the number of users on our plan from {n_seats} to {n_seats2}?",
    "I'm on the trial, how do I convert to {plan} before it expires?",
    "Can you switch us to the nonprofit plan?",
    "Our team lead wants to bump us up to {plan2}.",
    "Plan change: {plan} -> {plan2}, effective today please.",
    "I accidentally downgraded, can you put me back on {plan}?",
    "Need to go up a tier, we hit the project limit on {plan}.",
    "Is it possible to mix plans, e.g. {plan} for some users and {plan2} for others?",
    "we want {addon} but not the rest of {plan2}, can we just add that",
    "No refund needed, just move me down to {plan} from the next cycle.",
]

ROUTES["pricing_question"] = [
    "How much does the {plan} plan cost?",
    "What's the price difference between {plan} and {plan2}?",
    "Do you offer discounts for nonprofits?",
    "Is there a student discount?",
    "How much would it be for a team of {n_seats}?",
    "Do you have an annual discount?",
    "Is there a free plan, and what are its limits?",
    "What does {addon} cost on top of {plan}?",
    "Do prices include VAT for customers in {country}?",
    "Can I get a quote for {n_seats} seats on Enterprise?",
    "Are your prices in USD only or can I pay in {currency_name}?",
    "How much is it per user per month?",
    "Will the price go up after the first year?",
    "Do you have volume pricing above {n_seats} users?",
    "what do you charge for the {plan} tier",
    "Is the {amount} price per seat or for the whole workspace?",
    "Compared to {competitor} you seem expensive. Any promotions right now?",
    "Does the free trial require a credit card?",
    "Is there a lifetime deal or a one-time purchase option?",
    "What exactly is included in {plan} for the price?",
    "Do you price-match {competitor}?",
    "Our school wants to use this with {n_seats} students, is there education pricing?",
    "Are there any hidden fees beyond the {amount} a month?",
    "How much is extra storage?",
    "Is the Black Friday deal coming back this year?",
    "We're evaluating tools for {company}. What would {n_seats} users on {plan} cost per year?",
    "how much for {addon}",
    "Before I sign up: is {plan} a flat fee or does it scale with users?",
]

ROUTES["invoice_request"] = [
    "Can you send me an invoice for the {amount} payment on {date}?",
    "I need a copy of invoice {invoice_id}.",
    "Where can I download my invoices?",
    "Please add our VAT number {vat} to the invoices.",
    "I need receipts for the last {n_months} months for my expense report.",
    "Our finance team needs the invoices sent to {email}.",
    "Can you change the company name on invoice {invoice_id} to {company} Ltd?",
    "Need an invoice with our billing address on it for accounting.",
    "Could you resend the receipt from {date}? I never got the email.",
    "Please issue a PDF invoice for our annual {plan} renewal.",
    "Is it possible to get invoices in {language}?",
    "The invoice is missing our PO number {po}.",
    "invoice for last month pls",
    "Our auditor needs all {year} invoices by Friday.",
    "How do I get a tax receipt for my subscription?",
    "Can the invoice be made out to my employer {company} instead of me?",
    "I need a pro forma invoice before we can pay for {n_seats} seats.",
    "Send the billing history for {year} as one statement please.",
    "The download invoice button gives me a blank page.",
    "Can invoices be automatically emailed to {email} every month?",
    "Where do I find my receipt for the App Store purchase?",
    "Need invoice {invoice_id} re-issued with the correct address.",
    "Please provide an itemised invoice showing the seat count and {addon}.",
    "accounting keeps asking me for a receipt for the {amount} charge",
    "Could you put our tax ID on the receipts from now on?",
    "My boss needs paperwork for the {amount} we paid {when}. Can you email it to {email}?",
]

ROUTES["update_payment_method"] = [
    "How do I update my credit card?",
    "My card ending in {last_digits} expired, how do I add a new one?",
    "I want to switch from {payment_method} to {payment_method2}.",
    "Please remove my old card and use my company card from now on.",
    "Can I pay by {payment_method} instead?",
    "My payment failed because my card was replaced. Where do I enter the new details?",
    "change card on file",
    "The page won't let me save my new card, it says 'card declined' but my bank says it's fine.",
    "How do I change the billing address attached to my card?",
    "My bank issued a new card after fraud, I need to update it before {date}.",
    "Can we pay by bank transfer instead of a card?",
    "Update the payment info for {company}.",
    "I want to use PayPal for my subscription from now on.",
    "Is it possible to keep two payment methods on file as a backup?",
    "Switch the card for my subscription to the one ending {last_digits}.",
    "Where's the payment settings page in the iPhone app?",
    "My {payment_method} keeps getting rejected when I try to add it.",
    "Our finance lead {name} will take over paying, how do we change the card?",
    "Can I pay with Apple Pay?",
    "I need to replace the expired {payment_method} on our account before the renewal.",
    "Remove card {last_digits} from my account please, I closed that account.",
    "Does checkout accept {payment_method}? I'd like to switch to it.",
    "New card, same account. How do I swap it?",
    "Is it safe to update my card details through the link in your email?",
    "card expired, where do i put the new number",
    "Please charge {payment_method} going forward, not my personal card.",
]

ROUTES["password_reset"] = [
    "I forgot my password.",
    "How do I reset my password?",
    "The password reset email never arrives. I've checked spam.",
    "The reset link says it's expired every time I click it.",
    "Can you send a password reset link to {email}?",
    "I need to change my password, I think it was leaked.",
    "forgot pw",
    "I don't remember my credentials, how can I set a new one?",
    "Where do I change my password in the app?",
    "The new password I set isn't accepted, it says it doesn't meet the requirements.",
    "I clicked 'forgot password' {n_times} and nothing came.",
    "I can't remember my password and I no longer have access to my old email either.",
    "It asked me to update my password today. How often do I need to change it?",
    "My password manager saved the wrong password, how do I reset it?",
    "Please reset the password for our user {email}, she can't remember it.",
    "The reset password link goes to a 404 page.",
    "I want to set a stronger password.",
    "password reset not working on {browser}",
    "What are the password requirements? Mine keeps getting rejected.",
    "Got an email saying my password was changed but I didn't do it!",
    "Help me reset my password, I have a meeting in 10 minutes.",
    "Is there a way to reset my password by SMS instead of email?",
    "After resetting my password I still can't get in with the new one.",
    "Need a new password, the old one hasn't worked since {date}.",
    "how do i set a new pass, forgot the old one",
    "Can an admin force a password change for everyone at {company}?",
]

ROUTES["login_problem"] = [
    "I can't log in.",
    "Login keeps failing with 'invalid credentials' even though I'm sure my password is right.",
    "Every time I sign in it kicks me back to the login page.",
    "My account is locked after too many attempts.",
    "Sign in with Google doesn't work anymore.",
    'I get "account not found" when I try to log in with {email}.',
    "Can't get into my account on my {device}, it works on desktop though.",
    "SSO login fails for our whole team at {company}.",
    "It says my session expired every five minutes.",
    "The login button does nothing on {browser}.",
    "I'm stuck on a loading screen after I enter my email.",
    "Why was I logged out of all my devices?",
    "Sign in with Apple creates a new empty account instead of opening my existing one.",
    "locked out of my account since {date}",
    "My colleague {name} can't sign in to the workspace, it says she isn't a member.",
    "The magic link login email doesn't show up.",
    "It says my account has been suspended, I can't sign in.",
    "I can log in on the website but not in the desktop app.",
    "Error 'too many requests' when logging in.",
    "It keeps redirecting in a loop between the login page and the dashboard.",
    "I can't access my account at all, please help.",
    "The login page shows a blank white screen on {browser}.",
    "How do I unlock my account?",
    "I signed up with Google but now it asks me for a password I never set.",
    "Couldn't sign in this morning, the error just says 'something went wrong'.",
    "unable to sign in {duration}, tried two browsers",
    "Our SAML setup with {company}'s identity provider rejects every sign-in.",
]

ROUTES["two_factor_auth"] = [
    "How do I turn on two-factor authentication?",
    "I lost my phone and can't get my 2FA code.",
    "My authenticator codes are always rejected.",
    "I'm not receiving the SMS verification code.",
    "Can I disable 2FA on my account?",
    "Where are my backup codes?",
    "Got a new {device}, how do I move my {twofa_method} over?",
    "The 6-digit code expires before I can type it in.",
    "Can we enforce two-factor for everyone at {company}?",
    "My {twofa_method} was reset and now I can't get past the code screen.",
    "Does the app support hardware security keys?",
    "I used all my recovery codes, what now?",
    "verification code not coming through to my phone number ending {last_digits}",
    "Can I switch 2FA from SMS to an authenticator app?",
    "I changed my phone number and now the text codes go to the old one.",
    "Why does it ask for a verification code every single time I log in?",
    "Remove two-step verification for {email}, they left their phone abroad.",
    "The QR code for setting up {twofa_method} won't scan.",
    "The MFA prompt never appears on my {device}.",
    "Is 2FA mandatory now? It's forcing me to set it up.",
    "Codes from {twofa_method} say invalid, maybe my phone's clock is off?",
    "How do I reset multi-factor authentication without my old phone?",
    "my 2fa isn't working",
    "Can I get the security code sent by email instead?",
    "I wiped my phone and {twofa_method} is gone with it. How do I get back in?",
    "Can an admin turn off two-step login for {name}? He's stuck.",
]

ROUTES["account_email_change"] = [
    "How do I change the email address on my account?",
    "I need to update my login email from {email} to {email2}.",
    "I no longer have access to my old email, can you change it to {email}?",
    "I changed jobs, please switch my account email to my personal one.",
    "Where can I update my contact email?",
    "The confirmation email for my new address never arrives.",
    "Can I change my username as well as my email?",
    "Our company domain changed to {domain}, how do we update everyone's emails?",
    "change email on my account please",
    "I typed my email wrong when I signed up, it should be {email}.",
    "Please merge my two accounts, {email} and {email2}.",
    "Can I use a different email for notifications than the one I log in with?",
    "I want to update my email address but it says it's already in use.",
    "Update my account email to {email} asap.",
    "How do I change the primary email on the workspace owner account?",
    "My name and email changed after I got married, can I update both?",
    "The verification link for changing my email says invalid token.",
    "I signed up with my school email which is about to expire. How do I move to {email}?",
    "Transfer my account to a new email address.",
    "Can you update the admin email for {company} to {email}?",
    "changing my email address keeps failing",
    "Swap my login from Gmail to my work address.",
    "Our old domain is being shut down next month and all our logins use it. What do we do?",
    "i want to use {email} instead of my old address for everything",
]

ROUTES["account_deletion"] = [
    "How do I delete my account?",
    "Please delete my account and all my data.",
    "I want to permanently close my account.",
    "Remove my account, I don't want to use this anymore.",
    "Can you delete the account associated with {email}?",
    "Where is the delete account option? I can't find it.",
    "Delete my profile. Now.",
    "I made a duplicate account by mistake, please delete {email}.",
    "How long does it take for my account to be fully deleted?",
    "If I delete my account, can I get it back later?",
    "Our former employee's account {email} should be removed for good.",
    "I want to close my own account but keep the workspace for my team.",
    "Erase my account completely, I don't want any trace left.",
    "delete account",
    "Please terminate my user account.",
    "How do I delete my account from inside the app on my {device}?",
    "Delete the whole {company} workspace and everyone's accounts.",
    "I requested account deletion {when} but I can still log in.",
    "Can I delete my account without cancelling the subscription first?",
    "I'm done. Get rid of my account.",
    "Deactivate my account please, I'm taking a break from the app.",
    "Close my account and remove me from all your lists.",
    "My child created an account without permission, please delete it.",
    "wipe my account, i'm not coming back",
    "Is there a way to delete just my login and leave the {plan} workspace to {name}?",
]

ROUTES["privacy_gdpr"] = [
    "What personal data do you store about me?",
    "I'm making a subject access request under {law}.",
    "Where are your servers located? Is our data stored in the EU?",
    "Do you sell my data to third parties?",
    "Please send me your Data Processing Agreement.",
    "I'd like to exercise my right to be forgotten under {law}.",
    "Who is your data protection officer?",
    "Are you {law} compliant?",
    "Can I opt out of analytics tracking in the app?",
    "Why does your app need access to my contacts?",
    "Do you use our content to train AI models?",
    "We need your list of sub-processors for our vendor review.",
    "Is there a SOC 2 report we can look at?",
    "How long do you retain data after an account is closed?",
    "I got a marketing email I never consented to. Where did you get my address?",
    "Please stop processing my personal data.",
    "Do you share my information with advertisers?",
    "Our legal team at {company} needs answers to a security questionnaire.",
    "What cookies does your website set?",
    "Was my data affected by the breach I read about?",
    "Can your employees see the contents of my projects?",
    "Is data encrypted at rest and in transit?",
    "Under {law} I'm requesting a copy of all personal data you hold on me.",
    "privacy question - do you track my location?",
    "Can you sign a HIPAA BAA?",
    "Our customers in {country} need to know where their data is processed.",
    "who has access to our files on your side and is it logged",
]

ROUTES["data_export"] = [
    "How do I export all my data?",
    "Can I download {data_thing} as {export_format}?",
    "I need to export our workspace before we leave.",
    "The export has been 'processing' for {n_hours} hours.",
    "The {export_format} export is missing the comments column.",
    "Is there a way to bulk export {data_thing}?",
    "How do I back up my projects?",
    "I want to move my data to {competitor}, what export formats do you support?",
    "The download link for my export expired before I could use it.",
    "Can I schedule automatic exports every week?",
    "export {data_thing} to {export_format}",
    "The {export_format} file I exported won't open in Excel.",
    "Does the export include attachments?",
    "Can I export only {data_thing} from {date} onward?",
    "Need a full backup of {company}'s workspace for compliance.",
    "How do I get my data out?",
    "The email with the export download link never came.",
    "Can I export reports directly to Google Sheets?",
    "Is there a limit on how many rows I can export?",
    "The exported file has garbled characters in names with accents.",
    "Where did the Export option go after the redesign?",
    "Can admins export data for all users at once?",
    "I'd like an archive of everything in my account before I delete it.",
    "how do i get a copy of {data_thing}",
    "We're migrating off the platform at the end of the month. What's the fastest way to pull {data_thing}?",
]

ROUTES["bug_report"] = [
    "{feature} isn't working, it just shows an error.",
    "I found a bug: when I {action}, {feature} disappears.",
    "Clicking save in {feature} does nothing.",
    "Every time I {action} I get 'Something went wrong'.",
    "Notifications are showing up for tasks that were deleted.",
    "Dates are displaying one day off in {feature}.",
    "{feature} shows my teammates' names garbled.",
    "There's a button on the settings page that overlaps the text and can't be clicked.",
    "Since the update, {feature} duplicates every entry.",
    "I get error {error_code} when I {action}.",
    "Bug: {feature} won't load in {browser}.",
    "When I {action}, it says success but nothing actually changes.",
    "Search returns no results even for tasks I know exist.",
    "Attachments over 10 MB fail silently.",
    "Reports show the wrong totals for {date}.",
    "{feature} is broken",
    "Recurring tasks are being created twice.",
    "Drag and drop stopped working in {browser} after your last release.",
    "The time zone is wrong in {feature}, it shows UTC instead of my local time.",
    "The links in your notification emails are broken.",
    "Steps to reproduce: open {feature}, {action}, refresh. Expected: change saved. Actual: it's gone.",
    "In dark theme the text in {feature} is invisible.",
    "Something is off, my tasks keep reverting to yesterday's version.",
    "Undo deleted the wrong item.",
    "Something is wrong with {feature}, nothing I do gets saved.",
    "@mentions don't send notifications to {name}.",
    "pretty sure {feature} has a bug, it shows {n_items} items when there are way fewer",
    "On {browser} the page layout is completely messed up when I {action}.",
    "Not sure if it's just me but {feature} has been glitchy {duration}.",
    "My browser tab crashes whenever I open {feature} in {browser}.",
]

ROUTES["mobile_app_crash"] = [
    "The app crashes every time I open it on my {device}.",
    "Since updating to {app_version}, the iOS app closes immediately.",
    "App keeps crashing on {os_version}.",
    "The Android app force closes when I {action}.",
    "The mobile app freezes and then shuts down when I open {feature}.",
    "Your app crashes on launch, {device} with {os_version}.",
    "app keeps crashing",
    "I can't use the app on my phone at all, it quits right after the splash screen.",
    "Every time I take a photo to attach it, the app crashes.",
    "The iPad app crashes when I rotate the screen.",
    "After the latest update the app won't open on my {device}.",
    "Crashes when uploading from the camera roll.",
    "The app dies in the background and I lose what I typed.",
    "The home screen widget crashes on {os_version}.",
    "Getting 'App has stopped' on my {device}.",
    "Reinstalled the app {n_times} and it still crashes.",
    "The phone app crashes whenever I tap a push notification.",
    "Version {app_version} on {device}: crash when opening {feature}.",
    "The app just closes itself when I try to log in on my phone.",
    "Your phone app is unusable, constant crashes since {date}.",
    "The tablet app shuts down when I switch to landscape in {feature}.",
    "It crashes when I share a file to the app from another app.",
    "My phone app crashes at the same spot every time: tapping {feature}.",
    "android app keeps closing by itself {duration}",
    "{device}, app v{app_version}: opens, shows a white screen for a second, then exits.",
    "Every time I {action} on my phone the whole app shuts down.",
]

ROUTES["performance_slow"] = [
    "The app is really slow today.",
    "{feature} takes {time_dur} to load.",
    "Everything is lagging since the last update.",
    "Is there an outage? Pages are taking forever.",
    "Typing in {feature} has a huge delay.",
    "Syncing between my devices takes hours.",
    "Why is the dashboard so sluggish with {n_items} tasks?",
    "The web app eats tons of CPU and makes my laptop fan spin.",
    "Uploads are crawling, {file_size} takes minutes.",
    "Search takes {time_dur} to return anything.",
    "The mobile app is very slow to open on my {device}.",
    "Loading spinner for ages on {browser}.",
    "slow slow slow. every click takes seconds",
    "Performance has gotten much worse for our team in {country}.",
    "Reports time out when I pick a date range longer than a month.",
    "Scrolling through {feature} is choppy.",
    "Is your service degraded right now? Everything is loading at a snail's pace.",
    "It takes {time_dur} just to log in.",
    "Our API calls are fine but the web UI is painfully slow.",
    "The desktop app freezes for a few seconds whenever I switch projects.",
    "Memory usage of the desktop app keeps growing until it's unusable.",
    "Notifications arrive {time_dur} late.",
    "Pages load slowly every afternoon, are your servers overloaded?",
    "everything takes {time_dur} to load {duration}",
    "With {n_items} rows, {feature} basically grinds to a halt in {browser}.",
    "Opening a big project now takes {time_dur}. It used to be instant.",
    "It's not crashing, it's just extremely slow on my {device}.",
]

ROUTES["api_integration"] = [
    "How do I generate an API key?",
    "I'm getting a {error_code} from {endpoint}.",
    "What's the rate limit for the API?",
    "Our webhook isn't receiving any events.",
    "Is there an official {sdk}?",
    "The {sdk} throws an authentication error with a valid token.",
    "How do I set up OAuth for my integration?",
    "Does {endpoint} support pagination?",
    "Requests to {endpoint} return {error_code} intermittently.",
    "Where is the API documentation?",
    "My {api_thing} stopped working after I rotated it.",
    "We're hitting 429 Too Many Requests, can you raise our limit?",
    "Can I connect this to Zapier?",
    "How do I integrate with Slack so tasks post to a channel?",
    "Webhook signatures don't validate with our {api_thing}.",
    "Is there a sandbox environment for testing the API?",
    "api returns {error_code} for POST {endpoint}",
    "What scopes does my OAuth app need to read {data_thing}?",
    "Our Zapier zap broke after you changed the API.",
    "The API returns dates in a different format than the docs say.",
    "Is there a GraphQL endpoint or only REST?",
    "Can I create tasks through the API on behalf of other users?",
    "Our sync between {competitor} and your API stopped working {when}.",
    "The {sdk} is out of date, it doesn't have {endpoint}.",
    "How do I revoke a leaked {api_thing}?",
    "GET {endpoint} with our {api_thing} gives {error_code}, same call worked {when}.",
    "trying to automate {data_thing} via the api, which endpoint do i use",
]

ROUTES["feature_request"] = [
    "It would be great if you added {new_feature}.",
    "Please add {new_feature}!",
    "Any plans to support {new_feature}?",
    "Feature request: {new_feature}.",
    "I'd happily pay extra for {new_feature}.",
    "Can you make it possible to {wish}?",
    "We really need {new_feature} before we can roll this out to our team.",
    "{competitor} has {new_feature}, why don't you?",
    "suggestion: {new_feature}",
    "Would love a way to {wish}.",
    "Is {new_feature} on the roadmap?",
    "Our team voted and the top request is {new_feature}.",
    "Please bring back the old {feature}, the new one is worse.",
    "Can you add an option to {wish}?",
    "Idea: let us {wish}.",
    "I wish the app could {wish}.",
    "When will {new_feature} be available?",
    "Why can't I {wish}? Seems basic.",
    "Not a bug, just a suggestion: being able to {wish} would save us hours.",
    "Please consider {new_feature} for the mobile app.",
    "Add {new_feature} already, people have been asking for years.",
    "Would you consider an API endpoint for {data_thing}?",
    "it'd be nice to {wish} tbh",
    "We're on {plan} and the one thing missing for us is {new_feature}.",
    "Could {feature} get an option to {wish}?",
]

ROUTES["human_agent"] = [
    "I want to talk to a real person.",
    "Can I speak to a human please?",
    "Connect me with an agent.",
    "Is there a phone number I can call?",
    "This bot is useless, get me a human.",
    "agent",
    "representative please",
    "I need to speak with someone from your support team about my account.",
    "Transfer me to a live agent.",
    "Can someone from your team call me back at {phone}?",
    "Escalate this to a manager.",
    "I've been going in circles with this chat, I need a person.",
    "Is anyone actually there?",
    "Please have a support engineer contact me at {email}.",
    "I'd like to schedule a call with customer success.",
    "None of these answers help. Human please.",
    "Let me talk to somebody who can actually fix this.",
    "Do you have live chat with real people?",
    "I want to file a complaint with a supervisor.",
    "Ticket {ticket} has had no reply in {n_days} days, I need a person to look at it.",
    "How do I reach your support team directly?",
    "Can we get a dedicated account manager for {company}?",
    "stop sending me bot replies and get me a real agent",
    "talk to human",
    "I'd rather explain this to a person, it's complicated. Can someone call {phone}?",
    "Is there anyone on staff I can email directly instead of this form?",
]

# Greetings / thanks / goodbyes: no opener, context or closer is added.
ROUTES["greeting"] = [
    "{hello}",
    "{hello}!",
    "{thanks}",
    "{thanks}!",
    "{hello}, anyone around?",
    "{thanks}, {bye}",
    "{thanks}, that fixed it",
    "{hello} {name}",
    "{bye}",
    "ok {thanks}, {bye}",
    "{thanks} for your help",
    "{hello}, how are you today?",
    "great, {thanks}",
    "that's all I needed, {thanks}",
    "{thanks} {name}!",
    "perfect, {thanks}",
    "{hello} everyone",
    "all sorted now, {thanks}",
    "nothing else, {thanks}. {bye}",
    "awesome, {thanks}",
    "{hello}, good to be here",
    "you've been very helpful, {thanks}",
    "got it, {thanks}",
    "{thanks} a lot, have a good one",
]

GREETING_LISTS = {
    "hello": ["hi", "hello", "hey", "hey there", "hiya", "good morning",
              "good afternoon", "good evening", "howdy", "greetings",
              "yo", "heya", "morning", "hello hello", "hi hi", "helo"],
    "thanks": ["thanks", "thank you", "thx", "ty", "many thanks",
               "thanks so much", "thank you so much", "cheers",
               "much appreciated", "thanks heaps", "tysm", "thank u"],
    "bye": ["bye", "goodbye", "see ya", "take care", "have a nice day",
            "talk later", "bye for now", "later"],
}
LISTS.update(GREETING_LISTS)

# Routes that sometimes get angry closers / shouting.
ANGRY_ROUTES = {"billing_question", "refund_request", "cancel_subscription",
                "login_problem", "password_reset", "two_factor_auth",
                "bug_report", "mobile_app_crash", "performance_slow",
                "api_integration", "human_agent", "account_deletion"}

# Training rows per route (test is about a quarter of this). Deliberately not
# perfectly balanced.
TRAIN_COUNTS = OrderedDict([
    ("billing_question", 105), ("refund_request", 100),
    ("cancel_subscription", 95), ("change_plan", 90),
    ("pricing_question", 85), ("invoice_request", 85),
    ("update_payment_method", 85), ("password_reset", 95),
    ("login_problem", 105), ("two_factor_auth", 85),
    ("account_email_change", 80), ("account_deletion", 90),
    ("privacy_gdpr", 80), ("data_export", 85), ("bug_report", 110),
    ("mobile_app_crash", 95), ("performance_slow", 85),
    ("api_integration", 95), ("feature_request", 95), ("human_agent", 90),
    ("greeting", 60),
])
TEST_FRACTION = 0.27
# Share of test rows built from held-out templates (the rest: training
# templates filled with held-out slot values only).
HELD_OUT_TEMPLATE_SHARE = 0.6

# ---------------------------------------------------------------------------
# Composition: context sentences, openers, closers
# ---------------------------------------------------------------------------

CONTEXTS = [
    "I've been a customer for {n_years} years.",
    "This is the {ordinal} time I'm contacting you about this.",
    "I'm on the {plan} plan.",
    "Not sure if this is the right place to ask.",
    "I manage the account for {company}.",
    "I'm the admin for our team of {n_seats}.",
    "Sorry if this has been asked before.",
    "Long story short:",
    "Writing on behalf of my manager.",
    "Our team uses the app every day.",
    "We signed up {when}.",
    "I'm new here.",
    "I'm using the {device} app and the website.",
    "Quick one.",
    "Following up on ticket {ticket}.",
    "I already searched the help center.",
]

OPENERS = [
    "Hi,", "hi", "Hello,", "hey", "Hey there,", "Hi team,", "Hello support,",
    "Good morning,", "Good afternoon,", "Dear Support,", "Dear Sir or Madam,",
    "yo", "Hiya,", "Quick question:", "ok so", "Hi, {name} here.",
    "Hello, this is {name} from {company}.", "Um,", "Hey folks,",
    "Greetings,", "Help!", "URGENT:", "Hi there!", "hello?", "So,",
    "Good evening,",
]

CLOSERS = [
    "Thanks.", "thanks in advance", "Thanks in advance!", "asap",
    "ASAP please.", "Appreciate it.", "Cheers", "thx", "Any help appreciated.",
    "Please advise.", "Let me know.", "ty", "Kind regards, {name}",
    "Best, {name}", "Thank you!", "Please help.", "Hope you can help.",
    "Much appreciated", "Sent from my iPhone", "- {name}",
    "Regards, {name} ({company})", "Thanks, {name}", "cheers mate",
    "thank you so much", "Looking forward to your reply.", "pls help",
]

ANGRY_CLOSERS = [
    "This is ridiculous.", "Fix this now!", "Seriously??", "Very frustrated.",
    "Not happy.", "I'm losing patience.", "Unacceptable.", "What a joke.",
    "Sort it out.", "This is the worst support ever.",
]

EMOJI = ["🙏", "😡", "😭", "🙂", "👍", "🤦", "😤", "😅", "🔥", "🤔", "😩", "❤️",
         "😊", "👋", "🙄"]
GREETING_EMOJI = ["👋", "🙂", "😊", "🙏", "👍", "❤️", "😄"]

KEY_NEIGHBOURS = {
    "a": "qs", "b": "vn", "c": "xv", "d": "sf", "e": "wr", "f": "dg",
    "g": "fh", "h": "gj", "i": "uo", "j": "hk", "k": "jl", "l": "k",
    "m": "n", "n": "bm", "o": "ip", "p": "o", "q": "w", "r": "et",
    "s": "ad", "t": "ry", "u": "yi", "v": "cb", "w": "qe", "x": "zc",
    "y": "tu", "z": "x",
}

CHAT_SUBS = [
    (r"\bplease\b", ["pls", "plz"]),
    (r"\byou\b", ["u"]),
    (r"\byour\b", ["ur"]),
    (r"\bthanks\b", ["thx", "thnx"]),
    (r"\bbecause\b", ["cuz", "bc"]),
    (r"\bare\b", ["r"]),
    (r"\bdon't\b", ["dont"]),
    (r"\bcan't\b", ["cant"]),
    (r"\bi'm\b", ["im"]),
    (r"\bit's\b", ["its"]),
    (r"\bdoesn't\b", ["doesnt"]),
    (r"\bi've\b", ["ive"]),
    (r"\bwhat's\b", ["whats"]),
    (r"\bwon't\b", ["wont"]),
]

FIRST_PERSON_KEEP = ("I ", "I'", "I,")


def lower_first(body):
    """Lowercase the first letter after an opener, unless it's 'I' or an acronym."""
    if not body or body.startswith(FIRST_PERSON_KEEP):
        return body
    if len(body) > 1 and body[0].isupper() and body[1].islower():
        return body[0].lower() + body[1:]
    return body


def upper_first(text):
    for i, ch in enumerate(text):
        if ch.isalpha():
            return text[:i] + ch.upper() + text[i + 1:]
        if not ch.isspace() and ch not in "@/'\"":
            return text
    return text


def apply_typos(text, rng):
    words = list(re.finditer(r"[A-Za-z]{4,}", text))
    if not words:
        return text
    n = 1 if rng.random() < 0.7 else 2
    chars = list(text)
    for m in rng.sample(words, min(n, len(words))):
        start, end = m.start(), m.end()
        op = rng.randrange(4)
        i = rng.randint(start + 1, end - 2)
        if op == 0:  # swap adjacent characters
            chars[i], chars[i + 1] = chars[i + 1], chars[i]
        elif op == 1:  # drop a character
            chars[i] = ""
        elif op == 2:  # double a character
            chars[i] = chars[i] * 2
        else:  # hit a neighbouring key
            c = chars[i]
            nb = KEY_NEIGHBOURS.get(c.lower())
            if nb:
                r = rng.choice(nb)
                chars[i] = r.upper() if c.isupper() else r
            else:
                chars[i] = ""
    return "".join(chars)


def chat_style(text, rng):
    text = text.lower()
    for pattern, subs in CHAT_SUBS:
        if rng.random() < 0.55:
            text = re.sub(pattern, rng.choice(subs), text)
    if rng.random() < 0.6:
        text = re.sub(r",\s", " ", text)
    text = re.sub(r"[.!?]+$", "", text.strip())
    if rng.random() < 0.5:
        text = re.sub(r"([a-z])\.\s", r"\1 ", text)
    return text


def compose(route, template, rng, split):
    body = fill(template, rng, split)
    if route == "greeting":
        text = body
        if rng.random() < 0.5:
            text = upper_first(text)
        if rng.random() < 0.15:
            text = text + " " + rng.choice(GREETING_EMOJI)
    else:
        body = upper_first(body)
        parts = []
        if rng.random() < 0.12:
            parts.append(fill(rng.choice(CONTEXTS), rng, split))
        if rng.random() < 0.32:
            parts.insert(0, fill(rng.choice(OPENERS), rng, split))
        # After "Hi," or "ok so" the message reads on in lower case.
        if parts and not parts[-1].endswith((".", ":", "!", "?")):
            body = lower_first(body)
        parts.append(body)
        if route in ANGRY_ROUTES and rng.random() < 0.08:
            parts.append(rng.choice(ANGRY_CLOSERS))
        elif rng.random() < 0.28:
            parts.append(fill(rng.choice(CLOSERS), rng, split))
        text = " ".join(parts)

    r = rng.random()
    if r < 0.16:
        text = chat_style(text, rng)
    elif r < 0.16 + (0.045 if route in ANGRY_ROUTES else 0.015):
        text = text.upper()
    if rng.random() < 0.05 and text.endswith("?"):
        text = text + rng.choice(["?", "??", "!?"])
    if rng.random() < 0.12:
        text = apply_typos(text, rng)
    if route != "greeting" and rng.random() < 0.03:
        e = rng.choice(EMOJI)
        text = (e + " " + text) if rng.random() < 0.2 else (text + " " + e)
    text = re.sub(r"\s+", " ", text).strip()
    return text


def norm(text):
    return " ".join(text.lower().split())


def split_templates(templates, split):
    if split == "train":
        return [t for i, t in enumerate(templates) if i % 4 != 2]
    return [t for i, t in enumerate(templates) if i % 4 == 2]


def has_list_slot(template):
    """True if the template has a slot whose value list has held-out values."""
    return any(base in LISTS and len(LISTS[base]) >= 4
               for base, _ in SLOT_RE.findall(template))


def generate(rng, split, counts, seen, forbidden):
    """Make counts[route] unique rows per route.

    train: training templates, training slot values.
    test:  a HELD_OUT_TEMPLATE_SHARE of rows from held-out templates (slot
           values mostly held out too); the rest from training templates that
           have a list slot, filled only with held-out slot values
           (split "test_values"), so no test row is a copy of a train row
           with just different noise.
    """
    rows = []
    for route, n in counts.items():
        if split == "train":
            sources = [("train", split_templates(ROUTES[route], "train"))]
            weights = [1.0]
        else:
            sources = [("test", split_templates(ROUTES[route], "test")),
                       ("test_values", [t for t in split_templates(ROUTES[route], "train")
                                        if has_list_slot(t)])]
            weights = [HELD_OUT_TEMPLATE_SHARE, 1.0 - HELD_OUT_TEMPLATE_SHARE]
        made = 0
        attempts = 0
        # Cycle through each source's templates so every template is used
        # before any repeats.
        orders = [[] for _ in sources]
        while made < n:
            attempts += 1
            if attempts > 50000:
                raise SystemExit("could not make %d unique %s rows for %s"
                                 % (n, split, route))
            k = 0 if len(sources) == 1 or rng.random() < weights[0] else 1
            fill_split, templates = sources[k]
            if not templates:
                k, (fill_split, templates) = 0, sources[0]
            if not orders[k]:
                orders[k] = list(templates)
                rng.shuffle(orders[k])
            template = orders[k].pop()
            text = compose(route, template, rng, fill_split)
            key = norm(text)
            if not key or key in seen or key in forbidden:
                continue
            seen.add(key)
            rows.append((text, route))
            made += 1
    rng.shuffle(rows)
    return rows


def write_csv(path, rows):
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["text", "label"])
        for text, label in rows:
            w.writerow([text, label])


def main():
    for route, templates in ROUTES.items():
        assert len(templates) >= 20, route
        assert len(set(templates)) == len(templates), "duplicate template in " + route
        for t in templates:
            for base, _ in SLOT_RE.findall(t):
                assert base in LISTS or base in SLOT_FUNCS, (route, base)
    assert list(TRAIN_COUNTS) == list(ROUTES)

    rng = random.Random(SEED)
    train_seen = set()
    train = generate(rng, "train", TRAIN_COUNTS, train_seen, frozenset())
    test_counts = OrderedDict((r, int(round(n * TEST_FRACTION)))
                              for r, n in TRAIN_COUNTS.items())
    test_seen = set()
    test = generate(rng, "test", test_counts, test_seen, train_seen)

    # --- checks -----------------------------------------------------------
    train_keys = [norm(t) for t, _ in train]
    test_keys = [norm(t) for t, _ in test]
    assert all(t.strip() for t, _ in train + test), "empty text"
    assert all("\n" not in t and "\r" not in t for t, _ in train + test)
    assert len(set(train_keys)) == len(train_keys), "duplicate text in train"
    assert len(set(test_keys)) == len(test_keys), "duplicate text in test"
    assert not set(train_keys) & set(test_keys), "test text also in train"
    assert len(train) >= 1800, len(train)
    assert len(test) >= 450, len(test)
    assert len(ROUTES) >= 18

    write_csv(TRAIN_PATH, train)
    write_csv(TEST_PATH, test)

    # Re-read what was written and re-check (round trip through csv).
    for path, expected in ((TRAIN_PATH, train), (TEST_PATH, test)):
        with open(path, "rb") as f:
            raw = f.read()
        assert not raw.startswith(b"\xef\xbb\xbf"), "BOM in " + path
        with open(path, encoding="utf-8", newline="") as f:
            back = list(csv.reader(f))
        assert back[0] == ["text", "label"]
        assert [tuple(r) for r in back[1:]] == expected, "round trip " + path

    def counts(rows):
        c = OrderedDict((r, 0) for r in ROUTES)
        for _, label in rows:
            c[label] += 1
        return c

    ctr, cte = counts(train), counts(test)
    width = max(len(r) for r in ROUTES)
    print("%-*s %6s %6s" % (width, "route", "train", "test"))
    for r in ROUTES:
        print("%-*s %6d %6d" % (width, r, ctr[r], cte[r]))
    print("%-*s %6d %6d" % (width, "TOTAL", len(train), len(test)))
    print("wrote Data/%s and Data/%s" % (os.path.basename(TRAIN_PATH),
                                         os.path.basename(TEST_PATH)))
    print("checks passed: no empty texts, no duplicates within train or test, "
          "no test text in train (lowercased, whitespace-collapsed)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
