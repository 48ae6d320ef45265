"""What the HTTP side of every feature shares: the request's clock and the POST of a page form.

Plumbing below the features, like jsonapi (tests/test_import_graph.py: PLATFORM_MODULES): it imports
no feature, and the features' views and API import it.
"""
