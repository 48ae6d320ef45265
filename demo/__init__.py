"""Demo data: territories, residents, officials and their key files; synthetic people for tests."""
