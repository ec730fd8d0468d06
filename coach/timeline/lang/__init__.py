"""The languages coach speaks: each one's catalog of sentences, its number words and its rules.

Every sentence coach composes itself (step announcements, "Begin.", counts, "Halfway.", the
closing...) is a message in a gettext catalog, ``locales/<language>/LC_MESSAGES/coach.po``,
written in English as the message id and translated whole, with named placeholders and the
language's own plural forms. Numbers are spelled by num2words in the session's language.
"""
