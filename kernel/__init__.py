"""The shared kernel: time, the working calendar, keyed hashes, digests, territories, errors and input rules.

No feature owns it and it imports no feature: auth, petitions, budgeting, audit, notifications and
workers import it (tests/test_import_graph.py holds that rule). Its pure modules take what they need
as parameters and touch neither the database nor the clock.
"""
