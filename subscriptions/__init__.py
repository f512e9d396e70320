"""subscriptions: who wants what — the query language, terms, jurisdictions and matcher.

A library on its own: it must never import from `bot`. The application uses it to tag items
and to find the subscribers who want them. (Filled by the subscriptions issue.)
"""
